// DEVELOPMENT ONLY — what the development Barbican holds, in memory: secrets (payloads unencrypted) and containers.
export interface SecretAcl {
  users: string[];
  projectAccess: boolean;
  created: number;
  updated: number;
}

export interface Secret {
  id: string;
  name: string | null;
  projectId: string;
  creatorId: string;
  secretType: string;
  algorithm: string | null;
  bitLength: number | null;
  mode: string | null;
  expiration: number | null;
  created: number;
  updated: number;
  payload?: Buffer;
  /** Normalized: text/plain, application/octet-stream or application/pkcs8. */
  contentType?: string;
  /** The 'read' ACL; undefined = the implicit default (project access, no users). */
  readAcl?: SecretAcl;
  /** User metadata (secret_user_metadata): lower-case keys as Barbican stores them, in insertion order. */
  userMeta: Map<string, string>;
}

/** A container: named references to secrets of its project (models.Container, ContainerSecret). */
export interface Container {
  id: string;
  name: string | null;
  type: 'generic' | 'rsa' | 'certificate';
  projectId: string;
  creatorId: string;
  created: number;
  updated: number;
  secretRefs: { name: string | null; secretId: string }[];
  /** The 'read' ACL, as for secrets. */
  readAcl?: SecretAcl;
}

/** The secrets and containers of one development Barbican, and the references to them. */
export class BarbicanStore {
  readonly secrets = new Map<string, Secret>();
  readonly containers = new Map<string, Container>();
  /** Base URL without /v1, known once the server listens. */
  url = '';

  constructor(readonly now: () => number) {}

  secretRef(id: string): string {
    return `${this.url}/v1/secrets/${id}`;
  }

  containerRef(id: string): string {
    return `${this.url}/v1/containers/${id}`;
  }

  live(s: Secret): boolean {
    return s.expiration === null || s.expiration > this.now();
  }

  /** A secret of the caller's project, not expired (SecretRepo.get with external_project_id): others are not found. */
  projectSecret(id: string, projectId: string): Secret | undefined {
    const s = this.secrets.get(id);
    return s && this.live(s) && s.projectId === projectId ? s : undefined;
  }
}
