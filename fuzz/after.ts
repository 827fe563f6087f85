import { JOB_REASON_CODES } from '../lib/openapi/index.js';
import { api, waitForJob } from '../test/support/api.js';
import { makeCsr, type tempDir } from '../test/support/openssl.js';

/**
 * After the fuzz: the jobs of the accepted requests, followed to their end (a failed one must give
 * a reason that starts with a listed code, or say it gave up), and one normal issuance, which must
 * succeed on the same stack.
 */
export interface JobRef {
  id: string;
  token: string;
}

const CODES = new Set<string>(JOB_REASON_CODES);

/** What kind of reason a failed job gave: its code, "gave up" (transient), or unreadable. */
export function reasonKind(reason: unknown): { code: string; readable: boolean } {
  if (typeof reason !== 'string' || !reason.trim()) return { code: '(no reason)', readable: false };
  if (/^gave up after \d+ attempts: ./.test(reason)) return { code: 'gave up', readable: true };
  const code = /^([A-Z][A-Z0-9_]*(?::[a-z_:]+)?): ./.exec(reason)?.[1];
  return code && CODES.has(code) ? { code, readable: true } : { code: `(unreadable) ${reason.slice(0, 80)}`, readable: false };
}

export async function followJobs(jobs: JobRef[], concurrency: number, timeoutMs = 300_000): Promise<{ summary: string; problems: number }> {
  const statuses = new Map<string, number>();
  const reasons = new Map<string, number>();
  let problems = 0;
  let next = 0;
  const deadline = Date.now() + timeoutMs;
  const lane = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      let job: { status: string; reason?: string | null };
      try {
        job = await waitForJob(jobs[i].token, jobs[i].id, Math.max(1000, deadline - Date.now()), 200);
      } catch (e) {
        job = { status: `unfinished (${(e as Error).message.slice(0, 60)})` };
      }
      statuses.set(job.status, (statuses.get(job.status) ?? 0) + 1);
      if (job.status === 'failed') {
        const r = reasonKind(job.reason);
        reasons.set(r.code, (reasons.get(r.code) ?? 0) + 1);
        if (!r.readable) problems++;
      } else if (job.status !== 'succeeded') problems++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, lane));
  const list = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  return { summary: `${jobs.length} (${list(statuses) || 'none'})${reasons.size ? `; failed by reason: ${list(reasons)}` : ''}`, problems };
}

export async function normalIssuance(tmp: ReturnType<typeof tempDir>, caId: string, token: string): Promise<string> {
  try {
    const csr = makeCsr(tmp.dir, 'ec256', 'after.fuzz.example.org', ['DNS:after.fuzz.example.org']).csr;
    const res = await api('POST', `/v1/cas/${caId}/certificates`, { token, body: { csr } });
    if (res.status !== 202) return `FAILED: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
    const job = await waitForJob(token, res.body.job.id, 120_000);
    if (job.status !== 'succeeded') return `FAILED: job ${job.status}: ${job.reason}`;
    const cert = await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token });
    return /-----BEGIN CERTIFICATE-----/.test(String(cert.body?.certificate?.certificate)) ? 'ok' : `FAILED: no certificate in ${JSON.stringify(cert.body).slice(0, 300)}`;
  } catch (e) {
    return `FAILED: ${(e as Error).message}`;
  }
}
