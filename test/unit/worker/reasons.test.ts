import { describe, expect, it } from 'vitest';
import { parseServiceCredentialsSecret } from '../../../lib/keystore/index.js';
import { memoryWorker, pendingCa } from '../../support/worker.js';

/**
 * Defect: a malformed service-credentials secret put part of the worker's Keystone password into
 * job reasons, the CA's failure_reason and events (JSON parse errors quote their input).
 */
const SECRET = 'hunter2-the-keystone-password';
const P = 'project-a';

describe('tenants read only the service\'s own messages', () => {
  it('a malformed secret is reported without a byte of it', () => {
    for (const text of [`{"username":"caworker","password":"${SECRET}"`, `{"username":"caworker","password":${JSON.stringify(SECRET)},"project_name":""}`, `${SECRET}`]) {
      let message = '';
      try {
        parseServiceCredentialsSecret(text);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/service credentials secret/);
      expect(message).not.toContain('hunter2');
    }
  });

  it('an error that quotes its input never reaches the job, the CA or the events', async () => {
    const w = memoryWorker();
    // What JSON.parse throws for a truncated secret: its message quotes the text.
    w.ctx.keys.save = async () => JSON.parse(`{"password":"${SECRET}`);
    const { ca, job } = await pendingCa(w.store, P);
    expect(await w.run(job, 1, 2)).toBe('retry');
    expect(await w.run(job, 2, 2)).toBe('failed');
    const seen = JSON.stringify([await w.store.jobs.get(P, job.id), await w.store.cas.get(P, ca.id), (await w.store.events.list(P, 50)).items]);
    expect(seen).toMatch(/internal error in the worker/);
    expect(seen).not.toContain('hunter2');
  });
});
