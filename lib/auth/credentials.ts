/** Who is calling, as Keystone says. Never contains the token itself. */
export interface Credentials {
  userId: string;
  userName?: string;
  userDomainId?: string;
  /** Present only for project-scoped tokens. */
  projectId?: string;
  projectName?: string;
  /** A system-scoped token (`"system": {"all": true}`): the cloud operator's scope. */
  system?: boolean;
  roles: string[];
  /** When the token stops being valid. */
  expiresAt: Date;
  /** Short fingerprint of the token, for logs. */
  tokenId: string;
}

/** Keystone's token body, the parts we read. */
export interface KeystoneTokenBody {
  token: {
    user: { id: string; name?: string; domain?: { id?: string } };
    project?: { id: string; name?: string; domain?: { id?: string } };
    system?: { all?: boolean };
    roles?: { id?: string; name: string }[];
    expires_at: string;
    catalog?: CatalogEntry[];
  };
}

export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: { interface: string; url: string; region?: string; region_id?: string }[];
}

export function credentialsFromToken(body: KeystoneTokenBody, tokenId: string): Credentials {
  const t = body.token;
  return {
    userId: t.user.id,
    userName: t.user.name,
    userDomainId: t.user.domain?.id,
    projectId: t.project?.id,
    projectName: t.project?.name,
    ...(t.system?.all === true ? { system: true } : {}),
    roles: (t.roles ?? []).map((r) => r.name),
    expiresAt: new Date(t.expires_at),
    tokenId,
  };
}
