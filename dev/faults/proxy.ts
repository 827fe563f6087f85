/**
 * A fault-injecting HTTP proxy for loopback services (Keystone, Barbican, dynalite): each request
 * is passed on, delayed, answered with an error, or has its connection reset, at the rates of the
 * current mode. The soak and the dead-letter test put one in front of each service the worker uses.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultMode {
  /** Share of requests answered with `errorStatus` (0..1). */
  errorRate?: number;
  errorStatus?: number;
  /** Body of the error answer (default a JSON error); DynamoDB's throttling needs its own. */
  errorBody?: string;
  errorHeaders?: Record<string, string>;
  /** Share of requests whose connection is destroyed before any answer. */
  resetRate?: number;
  /** Share of requests held `delayMs` before they are passed on. */
  delayRate?: number;
  delayMs?: number;
  /** Every request fails (errorStatus), as a service that is down. */
  down?: boolean;
}

export interface FaultCounts {
  passed: number;
  errors: number;
  resets: number;
  delayed: number;
}

/** DynamoDB's answer when a table's throughput is exceeded: the SDK retries it with backoff. */
export const DYNAMODB_THROTTLE: FaultMode = {
  errorStatus: 400,
  errorHeaders: { 'content-type': 'application/x-amz-json-1.0' },
  errorBody: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded (fault proxy)' }),
};

export class FaultProxy {
  mode: FaultMode = {};
  readonly counts: FaultCounts = { passed: 0, errors: 0, resets: 0, delayed: 0 };
  private server?: Server;
  url = '';

  constructor(
    readonly name: string,
    /** The service behind the proxy (the soak reads Barbican there, fault-free). */
    readonly target: string,
    private readonly random: () => number = Math.random,
  ) {}

  async start(): Promise<string> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => void this.handle(req, res, target));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', () => ok()));
    const { port } = this.server.address() as AddressInfo;
    // Keep the target's path (Keystone's /v3): the proxy replaces only scheme, host and port.
    this.url = `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((ok) => (this.server ? this.server.close(() => ok(undefined)) : ok(undefined)));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
    const m = this.mode;
    if (m.down || (m.errorRate && this.random() < m.errorRate)) {
      this.counts.errors++;
      req.resume();
      res.writeHead(m.errorStatus ?? 503, m.errorHeaders ?? { 'content-type': 'application/json' });
      res.end(m.errorBody ?? JSON.stringify({ error: { code: m.errorStatus ?? 503, title: 'Service Unavailable', message: `injected by the ${this.name} fault proxy` } }));
      return;
    }
    if (m.resetRate && this.random() < m.resetRate) {
      this.counts.resets++;
      req.socket.destroy();
      return;
    }
    if (m.delayRate && m.delayMs && this.random() < m.delayRate) {
      this.counts.delayed++;
      await new Promise((r) => setTimeout(r, m.delayMs));
    }
    this.counts.passed++;
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    // A client that goes away (a worker killed mid-request) takes its upstream request with it: left
    // half-sent, the target would wait for the rest of its body for ever.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}
