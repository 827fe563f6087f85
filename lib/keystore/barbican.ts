import { AppError, unavailable } from '../errors/index.js';
import type { ServiceSession } from '../auth/serviceSession.js';

export interface SecretMeta {
  name?: string;
  content_types?: Record<string, string>;
  secret_type?: string;
  algorithm?: string;
  bit_length?: number;
  creator_id?: string;
  status?: string;
  /** In lists: the secret's reference and creation time. */
  secret_ref?: string;
  created?: string;
}

/** A Barbican container: named references to secrets (certificate, private_key, ...). */
export interface ContainerMeta {
  type?: string;
  name?: string;
  creator_id?: string;
  secret_refs: { name: string; secret_ref: string }[];
  /** In lists: the container's reference. */
  container_ref?: string;
}

export interface NewSecret {
  name: string;
  payload: Buffer;
  secretType: 'private' | 'symmetric' | 'certificate' | 'opaque' | 'passphrase';
  /** Default application/octet-stream (sent base64); text/plain for PEM that clients read as text. */
  contentType?: 'application/octet-stream' | 'text/plain';
  algorithm?: string;
  bitLength?: number;
}

/** The path of a container reference; like secrets, only the id is taken from it. */
export function containerPath(ref: string): string {
  const m = /\/v1\/containers\/([0-9a-f-]{36})$/i.exec(ref);
  if (!m) throw new AppError('CONTAINER_REF_INVALID', 400, 'not a Barbican container reference');
  return `/v1/containers/${m[1]}`;
}

/** Barbican v1 secrets, as the worker's service user. Retries once with a fresh token on 401. */
export class BarbicanClient {
  constructor(
    private readonly session: ServiceSession,
    private readonly configuredUrl?: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async store(secret: NewSecret): Promise<string> {
    const res = await this.call('POST', '/v1/secrets', {
      body: JSON.stringify({
        name: secret.name,
        ...(secret.contentType === 'text/plain'
          ? { payload: secret.payload.toString('utf8'), payload_content_type: 'text/plain' }
          : { payload: secret.payload.toString('base64'), payload_content_type: 'application/octet-stream', payload_content_encoding: 'base64' }),
        secret_type: secret.secretType,
        algorithm: secret.algorithm,
        bit_length: secret.bitLength,
      }),
      contentType: 'application/json',
    });
    if (res.status !== 201) throw await this.failure('store a secret', res);
    const { secret_ref } = (await res.json()) as { secret_ref: string };
    return secret_ref;
  }

  async metadata(ref: string): Promise<SecretMeta> {
    const res = await this.call('GET', this.pathOf(ref), { accept: 'application/json' });
    if (res.status !== 200) throw await this.failure('read secret metadata', res);
    return (await res.json()) as SecretMeta;
  }

  /** The Keystone user id this client acts as: the creator of every secret the worker stores. */
  async actingUserId(): Promise<string> {
    return (await this.session.token()).userId;
  }

  /** A container of this service's own secrets (e.g. a certificate delivered with its key). */
  async createContainer(name: string, type: 'certificate' | 'generic', secretRefs: { name: string; secret_ref: string }[]): Promise<string> {
    const res = await this.call('POST', '/v1/containers', { body: JSON.stringify({ name, type, secret_refs: secretRefs }), contentType: 'application/json' });
    if (res.status !== 201) throw await this.failure('create a container', res);
    return ((await res.json()) as { container_ref: string }).container_ref;
  }

  /** Lets exactly these users read a secret or container of ours (project-access off: not the service project). */
  async grantRead(ref: string, userIds: string[]): Promise<void> {
    const path = /\/v1\/containers\//.test(ref) ? containerPath(ref) : this.pathOf(ref);
    const res = await this.call('PUT', `${path}/acl`, { body: JSON.stringify({ read: { users: userIds, 'project-access': false } }), contentType: 'application/json' });
    if (res.status !== 200 && res.status !== 201) throw await this.failure('set an ACL', res);
  }

  async deleteContainer(ref: string): Promise<void> {
    const res = await this.call('DELETE', containerPath(ref), {});
    if (res.status !== 204 && res.status !== 404) throw await this.failure('delete a container', res);
  }

  async container(ref: string): Promise<ContainerMeta> {
    const res = await this.call('GET', containerPath(ref), { accept: 'application/json' });
    if (res.status !== 200) throw await this.failure('read a container', res);
    const body = (await res.json()) as ContainerMeta;
    return { ...body, secret_refs: body.secret_refs ?? [] };
  }

  /** A secret's user metadata (`/v1/secrets/{id}/metadata`): readable through an ACL, writable only by its project. */
  async userMetadata(ref: string): Promise<Record<string, string>> {
    const res = await this.call('GET', `${this.pathOf(ref)}/metadata`, { accept: 'application/json' });
    if (res.status !== 200) throw await this.failure('read secret metadata', res);
    return ((await res.json()) as { metadata?: Record<string, string> }).metadata ?? {};
  }

  /** The payload in the content type it was stored with (the default of `content_types`). */
  async payload(ref: string, contentType = 'application/octet-stream'): Promise<Buffer> {
    const res = await this.call('GET', `${this.pathOf(ref)}/payload`, { accept: contentType });
    if (res.status !== 200) throw await this.failure('read a secret payload', res);
    return Buffer.from(await res.arrayBuffer());
  }

  async delete(ref: string): Promise<void> {
    const res = await this.call('DELETE', this.pathOf(ref), {});
    if (res.status !== 204 && res.status !== 404) throw await this.failure('delete a secret', res);
  }

  /** The service's own secrets (its user made them) named exactly `name`, oldest first. */
  async ownSecretsNamed(name: string): Promise<Array<SecretMeta & { secret_ref: string }>> {
    // Unsorted, Barbican's secret list has no defined order (containers' is by creation).
    return this.ownNamed<SecretMeta & { secret_ref: string }>('secrets', name, { sort: 'created:asc' });
  }

  /** The service's own containers named exactly `name`, oldest first. */
  async ownContainersNamed(name: string): Promise<Array<ContainerMeta & { container_ref: string }>> {
    return this.ownNamed<ContainerMeta & { container_ref: string }>('containers', name);
  }

  /**
   * GET /v1/{secrets,containers}?name=&limit=&offset=, every page. Barbican filters the name with
   * SQL LIKE (`_` matches any character) and lists the whole project, whoever made each item, and its
   * `next` link drops the name: so pages are asked for by offset, and name and creator checked here.
   */
  private async ownNamed<T extends { name?: string; creator_id?: string }>(collection: 'secrets' | 'containers', name: string, extra: Record<string, string> = {}): Promise<T[]> {
    const me = await this.actingUserId();
    const out: T[] = [];
    for (let offset = 0; ; ) {
      const res = await this.call('GET', `/v1/${collection}?${new URLSearchParams({ name, ...extra, limit: '100', offset: String(offset) })}`, { accept: 'application/json' });
      if (res.status !== 200) throw await this.failure(`list ${collection}`, res);
      const body = (await res.json()) as Record<string, unknown> & { total?: number };
      const page = (body[collection] ?? []) as T[];
      out.push(...page.filter((i) => i.name === name && i.creator_id === me));
      offset += page.length;
      if (!page.length || offset >= (body.total ?? 0)) return out;
    }
  }

  /** Only references to this Barbican's secrets are followed: a stored ref cannot redirect the worker elsewhere. */
  private pathOf(ref: string): string {
    const m = /\/v1\/secrets\/([0-9a-f-]{36})$/i.exec(ref);
    if (!m) throw new AppError('KEY_REF_INVALID', 400, 'not a Barbican secret reference');
    return `/v1/secrets/${m[1]}`;
  }

  private async baseUrl(): Promise<string> {
    const url = this.configuredUrl ?? (await this.session.endpoint('key-manager'));
    if (!url) throw unavailable('KEYSTORE_UNAVAILABLE', 'no key-manager endpoint in the Keystone catalog; set BARBICAN_URL', 30);
    return url.replace(/\/+$/, '');
  }

  private async call(method: string, path: string, opts: { body?: string; contentType?: string; accept?: string }, retried = false): Promise<Response> {
    const { token } = await this.session.token();
    const headers: Record<string, string> = { 'X-Auth-Token': token };
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    if (opts.accept) headers.Accept = opts.accept;
    let res: Response;
    try {
      res = await fetch(`${await this.baseUrl()}${path}`, { method, headers, body: opts.body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw unavailable('KEYSTORE_UNAVAILABLE', 'Barbican could not be reached', 5, e);
    }
    if (res.status === 401 && !retried) {
      await res.arrayBuffer().catch(() => undefined);
      this.session.invalidate();
      return this.call(method, path, opts, true);
    }
    return res;
  }

  private async failure(what: string, res: Response): Promise<AppError> {
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 500 || res.status === 401) return unavailable('KEYSTORE_UNAVAILABLE', `Barbican failed to ${what} (${res.status})`, 5);
    return new AppError('KEYSTORE_REFUSED', res.status, `Barbican refused to ${what} (${res.status})`);
  }
}
