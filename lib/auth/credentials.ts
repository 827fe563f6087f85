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
  /** How the token was obtained (`password`, `token`, `mapped`, `application_credential`…). */
  methods?: string[];
  /** An application credential, trust or OAuth1 token: it acts for the user within limits, not as the user. */
  delegated?: boolean;
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
    methods?: string[];
    application_credential?: unknown;
    'OS-TRUST:trust'?: unknown;
    'OS-OAUTH1'?: unknown;
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
    ...(Array.isArray(t.methods) ? { methods: t.methods.map(String) } : {}),
    ...(t.application_credential || t['OS-TRUST:trust'] || t['OS-OAUTH1'] ? { delegated: true } : {}),
    roles: (t.roles ?? []).map((r) => r.name),
    expiresAt: new Date(t.expires_at),
    tokenId,
  };
}
