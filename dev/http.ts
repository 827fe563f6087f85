// DEVELOPMENT ONLY — never for production: tiny HTTP helpers shared by the development Keystone and Barbican.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Both services answer every request with an `x-openstack-request-id`. */
export const requestId = () => `req-${randomUUID()}`;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Keystone's (and keystonemiddleware's) error shape: `{"error":{"code","message","title"}}`. */
export function keystoneError(res: ServerResponse, status: number, title: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code: status, message, title } }, headers);
}

/** A Keystone error answer, thrown by the development Keystone's handlers. */
export class KsError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}
export const unauthorized = (message = 'The request you have made requires authentication.') => new KsError(401, 'Unauthorized', message);
export const forbiddenAction = (action: string) => new KsError(403, 'Forbidden', `You are not authorized to perform the requested action: ${action}.`);

/** Barbican's (pecan JSONErrorHook) error shape: `{"code","title","description"}`. */
export function barbicanError(res: ServerResponse, status: number, title: string, description: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { code: status, title, description }, headers);
}

export const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export function splitUrl(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).replace(/\/+$/, '');
  return { path, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok((server.address() as { port: number }).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((ok) => {
    if (!server.listening) return ok();
    server.close(() => ok());
    server.closeAllConnections();
  });
}

/** The host to put into URLs: a wildcard listen address is reached on loopback. */
export const urlHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host);

/** Keystone's time format: ISO 8601 with microseconds and Z. */
export const keystoneTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Barbican's: Python's naive datetime.isoformat() (UTC, microseconds only when non-zero, no Z). */
export const barbicanTime = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.replace(/Z$/, '000');
};
