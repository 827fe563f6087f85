/**
 * No-op API functions of bench/noop/serverless.yml: only the AWS calls a job cannot do without,
 * with the SDK clients and settings of the real ones (lib/store/client.ts, lib/jobs/queue.ts).
 * No token check, policy, body schema or CSR parsing.
 *   version  GET /                            300
 *   submit   POST /v1/cas/{id}/certificates   PutItem (job queued) + SendMessage, 202 {job}
 *   getJob   GET /v1/jobs/{id}                GetItem, 200 {job}
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { db, jobKey, table } from './db.js';

let sqs: SQSClient | undefined;
const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({ statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

export const version = async (): Promise<APIGatewayProxyStructuredResultV2> => json(300, { versions: { values: [{ id: 'v1', status: 'CURRENT' }] } });

export const submit = async (): Promise<APIGatewayProxyStructuredResultV2> => {
  const id = crypto.randomUUID();
  await db().send(new PutCommand({ TableName: table(), Item: { ...jobKey(id), id, status: 'queued' } }));
  sqs ??= new SQSClient({ maxAttempts: 2 });
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.JOBS_QUEUE_URL, MessageBody: JSON.stringify({ jobId: id }) }));
  return json(202, { job: { id, status: 'queued' } });
};

export const getJob = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const id = event.pathParameters?.id ?? '';
  const { Item } = await db().send(new GetCommand({ TableName: table(), Key: jobKey(id) }));
  return Item ? json(200, { job: { id, status: Item.status } }) : json(404, { error: { code: 'JOB_NOT_FOUND' } });
};
