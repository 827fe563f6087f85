import * as z from 'zod';

/**
 * The job message on the queue: what to do, for which project, and the ids it concerns. No token,
 * key or secret, and nothing the worker trusts: it re-reads the job from the store and checks
 * these fields against it.
 */
export const JOB_MESSAGE_VERSION = 1 as const;

const id = z.string().uuid();
const projectId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);

export const CaCreateParams = z.object({ caId: id }).strict();
export const CertificateIssueParams = z.object({ caId: id, certificateId: id }).strict();
export const ContainerRegisterParams = z.object({ containerId: id }).strict();
/**
 * `scope` all: the scheduled re-signing (every OCSP answer too); absent: after the revocation of
 * `certificateId` (absent on jobs queued by earlier versions: then every certificate is looked at).
 */
export const CrlPublishParams = z.object({ caId: id, scope: z.literal('all').optional(), certificateId: id.optional() }).strict();
export const CaRotateParams = z.object({ caId: id }).strict();
export const CaInstallParams = z.object({ caId: id }).strict();

const envelope = { v: z.literal(JOB_MESSAGE_VERSION), jobId: id, projectId };

export const JobMessage = z.discriminatedUnion('kind', [
  z.object({ ...envelope, kind: z.literal('ca.create'), params: CaCreateParams }).strict(),
  z.object({ ...envelope, kind: z.literal('certificate.issue'), params: CertificateIssueParams }).strict(),
  z.object({ ...envelope, kind: z.literal('container.register'), params: ContainerRegisterParams }).strict(),
  z.object({ ...envelope, kind: z.literal('crl.publish'), params: CrlPublishParams }).strict(),
  z.object({ ...envelope, kind: z.literal('ca.rotate'), params: CaRotateParams }).strict(),
  z.object({ ...envelope, kind: z.literal('ca.install'), params: CaInstallParams }).strict(),
]);

export type JobMessage = z.infer<typeof JobMessage>;
export type CaCreateParams = z.infer<typeof CaCreateParams>;
export type CertificateIssueParams = z.infer<typeof CertificateIssueParams>;

/** Parses a raw queue body; returns a readable reason instead of throwing. */
export function parseJobMessage(body: string): { ok: true; message: JobMessage } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'message body is not JSON' };
  }
  const parsed = JobMessage.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `invalid job message at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, message: parsed.data };
}

/** True when the message names exactly the parameters stored with the job. */
export function sameParams(stored: Record<string, string>, sent: Record<string, string>): boolean {
  const a = Object.keys(stored).sort();
  const b = Object.keys(sent).sort();
  return a.length === b.length && a.every((k, i) => k === b[i] && stored[k] === sent[k]);
}
