import { log } from '../log/index.js';
import type { KeystoneJwsClaims } from './jws.js';
import type { ServiceSession } from './serviceSession.js';

/** A Keystone revocation event (GET /v3/OS-REVOKE/events), the fields a token can match on. */
export interface RevokeEvent {
  user_id?: string;
  project_id?: string;
  domain_id?: string;
  domain_scope_id?: string;
  trust_id?: string;
  consumer_id?: string;
  access_token_id?: string;
  audit_id?: string;
  audit_chain_id?: string;
  role_id?: string;
  expires_at?: string;
  issued_before?: string;
  revoked_at?: string;
}

/** What we know of a JWS token besides its claims: from the cached online answer for its user and project. */
export interface TokenContext {
  roleIds: string[];
  userDomainId?: string;
  projectDomainId?: string;
}

/**
 * Whether `event` may revoke the token, after keystone/models/revoke_model.py and the revoke SQL
 * backend. Where we cannot tell (a field we do not know for this token) the answer is yes: the
 * caller then asks Keystone online, which has the last word, rather than trusting the token.
 */
export function mayRevoke(event: RevokeEvent, t: KeystoneJwsClaims, ctx: TokenContext): boolean {
  if (event.issued_before && t.issuedAt.getTime() > Date.parse(event.issued_before)) return false;
  if (event.user_id && event.user_id !== t.userId && !t.delegated) return false;
  if (event.project_id && event.project_id !== t.projectId) return false;
  if (event.audit_id && event.audit_id !== t.auditIds[0]) return false;
  if (event.audit_chain_id && !t.auditIds.includes(event.audit_chain_id)) return false;
  if (event.expires_at && Math.floor(Date.parse(event.expires_at) / 1000) !== Math.floor(t.expiresAt.getTime() / 1000)) return false;
  if (event.role_id && !ctx.roleIds.includes(event.role_id)) return false;
  if (event.domain_id && ctx.userDomainId && ctx.projectDomainId && ![ctx.userDomainId, ctx.projectDomainId].includes(event.domain_id)) return false;
  if (event.domain_scope_id && event.domain_scope_id !== t.domainId && t.domainId !== undefined) return false;
  // trust/consumer/access-token events concern delegated tokens, which never take the offline path.
  if ((event.trust_id || event.consumer_id || event.access_token_id) && !t.delegated) return false;
  return true;
}

/**
 * Keystone's revocation events, fetched at a fixed interval by a reader with the `service` role
 * (Keystone's `identity:list_revoke_events` is `rule:service_or_admin`). Until the first fetch
 * succeeds, and whenever the list is older than `maxStaleMs`, `ready` is false and the caller
 * validates online instead.
 */
export class RevocationList {
  private events: RevokeEvent[] = [];
  private fetchedAt = 0;
  private pending?: Promise<void>;

  constructor(
    private readonly authUrl: string,
    private readonly session: ServiceSession,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Refreshes if the interval has passed; never throws (a failed fetch leaves the list stale). */
  async refresh(): Promise<void> {
    if (this.now() - this.fetchedAt < this.intervalMs) return;
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    await this.pending;
  }

  /** The list is fresh enough to decide on: fetched within two intervals. */
  get ready(): boolean {
    return this.fetchedAt > 0 && this.now() - this.fetchedAt < 2 * this.intervalMs;
  }

  matching(claims: KeystoneJwsClaims, ctx: TokenContext): RevokeEvent | undefined {
    return this.events.find((e) => mayRevoke(e, claims, ctx));
  }

  private async fetch(): Promise<void> {
    const started = this.now();
    try {
      const { token } = await this.session.token();
      const res = await fetch(`${this.authUrl.replace(/\/+$/, '')}/OS-REVOKE/events`, {
        headers: { 'X-Auth-Token': token, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (res.status === 401) this.session.invalidate();
      if (res.status !== 200) {
        await res.arrayBuffer().catch(() => undefined);
        log.warn('revocation events unavailable', { status: res.status });
        return;
      }
      const body = (await res.json()) as { events?: RevokeEvent[] };
      this.events = body.events ?? [];
      this.fetchedAt = started;
    } catch (e) {
      log.warn('revocation events unavailable', { reason: (e as Error).name });
    }
  }
}
