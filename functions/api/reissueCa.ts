import { conflict, notFound } from '../../lib/errors/index.js';
import { pageParams, projectRoute } from '../../lib/http/index.js';
import { submitJob, successorOf } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas, certificates } from '../../lib/store/index.js';
import { jobView } from '../../lib/views/index.js';

/**
 * POST /v1/cas/{id}/reissue[?limit=&marker=] — re-issues every live certificate of the CA (after a
 * CA change, say): one job each, each idempotent in the worker. CSR-based certificates are signed
 * again from their CSR; server-side keys get fresh keys delivered through Barbican. The answer
 * lists the jobs (follow them with GET /v1/jobs/{id}); a large CA is worked through page by page
 * with `marker`.
 */
export const handler = projectRoute({ params: { id: 'ca' } }, async ({ params, query, credentials, baseUrl }) => {
  const { projectId } = credentials;
  enforce('ca:cas:update', credentials, { project_id: projectId });
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  if (ca.status !== 'active') throw conflict('CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}.`);
  const { limit, marker } = pageParams(query);
  const page = await certificates.list(projectId, limit, marker, ca.id);
  const now = Date.now();
  const started = [];
  for (const old of page.items) {
    // Live: issued, not yet expired, not already replaced by a renewal.
    if (old.status !== 'issued' || !old.notAfter || Date.parse(old.notAfter) <= now || old.renewedBy) continue;
    const { fresh, job } = successorOf(old, { reissuedFrom: old.id });
    await certificates.create(fresh);
    await submitJob(job, async (reason) => {
      await certificates.update(projectId, fresh.id, { status: 'failed', failureReason: reason });
    });
    started.push({ certificate_id: old.id, new_certificate_id: fresh.id, job: jobView(job, baseUrl) });
  }
  return {
    status: 202,
    audit: { action: 'ca.reissue.requested', object: { type: 'ca', id: ca.id } },
    body: {
      reissued: started,
      ...(page.next ? { next: `${baseUrl}/v1/cas/${ca.id}/reissue?limit=${limit}&marker=${page.next}` } : {}),
    },
  };
});
