import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { setFault } from '../support/faults.js';
import { makeCsr, tempDir } from '../support/openssl.js';

/**
 * The local stack runs the worker with Lambda's SQS semantics (dev/lambda): a delivery that fails
 * comes back, five receives later the message is in the dead-letter queue, and nothing is lost: an
 * operator's redrive brings it back and the job finishes. Before dev/lambda, serverless-offline-sqs
 * deleted every message after one invocation, so no failed job was ever retried locally.
 */
const tmp = tempDir();
const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const jobsQueue = process.env.JOBS_QUEUE_URL!;
const deadLetters = `${jobsQueue}-dlq`;
let token: string;
let caId: string;

beforeAll(async () => {
  token = await keystoneToken('admin', 'secret', 'tenant-a');
  caId = (await createActiveCa(token, { subject: { CN: 'Dead Letter Root' } })).id;
});
afterAll(async () => {
  await setFault('dynamodb', {});
  tmp.cleanup();
});

/** Messages of the dead-letter queue about `jobId` (received, so hidden for `hideSeconds`). */
async function deadLettersOf(jobId: string, hideSeconds: number): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetters, MaxNumberOfMessages: 10, VisibilityTimeout: hideSeconds, AttributeNames: ['All'] }));
  return Messages.filter((m) => (JSON.parse(m.Body ?? '{}') as { jobId?: string }).jobId === jobId);
}


describe('a job the worker cannot process', () => {
  it('is retried with backoff, reaches the dead-letter queue after five receives, and finishes when redriven', async () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'dlq.example.org', ['DNS:dlq.example.org']);
    // The worker's store answers 500 to everything; the API's is untouched.
    await setFault('dynamodb', { down: true, errorStatus: 500 });
    const res = await api('POST', `/v1/cas/${caId}/certificates`, { token, body: { csr } });
    expect(res.status).toBe(202);
    const jobId: string = res.body.job.id;

    let dead: Message[] = [];
    const until = Date.now() + 50_000;
    while (dead.length === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1000));
      dead = await deadLettersOf(jobId, 1);
    }
    expect(dead, 'the message reached the dead-letter queue').toHaveLength(1);
    // Delivered five times (maxReceiveCount), each a crash the worker logged.
    const crashes = readFileSync(process.env.STACK_LOG!, 'utf8').split('\n').filter((l) => l.includes('"job crashed"') && l.includes(dead[0].MessageId!));
    expect(crashes).toHaveLength(5);
    // Meanwhile the job is still the tenant's, queued, not half-done.
    expect((await api('GET', `/v1/jobs/${jobId}`, { token })).body.job.status).toMatch(/^(queued|running)$/);

    // The operator fixes the store and redrives the dead letters (on AWS: `aws sqs start-message-move-task`).
    await setFault('dynamodb', {});
    await new Promise((r) => setTimeout(r, 1100));
    const [letter] = await deadLettersOf(jobId, 30);
    await sqs.send(new SendMessageCommand({ QueueUrl: jobsQueue, MessageBody: letter.Body! }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetters, ReceiptHandle: letter.ReceiptHandle! }));
    const job = await waitForJob(token, jobId, 30_000);
    expect(job.status).toBe('succeeded');
    expect((await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token })).body.certificate.status).toBe('issued');
  }, 120_000);
});
