// DEVELOPMENT ONLY — never for production. Users, projects and roles of the development Keystone,
// the same as scripts/openstack-up.sh creates in a real one, so tests run unchanged on both.
import { createHash } from 'node:crypto';

export const stableId = (kind: string, name: string) => createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 32);

export const PROJECTS = ['admin', 'service', 'tenant-a', 'tenant-b'] as const;

export interface DevUser {
  name: string;
  password: string;
  /** project name -> role names */
  roles: Record<string, string[]>;
}

export const USERS: DevUser[] = [
  { name: 'admin', password: 'secret', roles: { admin: ['admin', 'member', 'reader'] } },
  { name: 'barbican', password: 'bpass', roles: { service: ['admin'] } },
  { name: 'caworker', password: 'cwpass', roles: { service: ['creator'] } },
  { name: 'alice', password: 'apass', roles: { 'tenant-a': ['member', 'creator', 'reader'] } },
  { name: 'bob', password: 'bpass2', roles: { 'tenant-b': ['member', 'creator', 'reader'] } },
  { name: 'carol', password: 'cpass3', roles: { 'tenant-a': ['reader'] } },
];
