/** The no-op worker of bench/noop/serverless.yml: marks each job of the batch `succeeded`, nothing else. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { db, jobKey, table } from './db.js';

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  await Promise.all(
    event.Records.map((record) => {
      const { jobId } = JSON.parse(record.body) as { jobId: string };
      return db().send(
        new UpdateCommand({ TableName: table(), Key: jobKey(jobId), UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': 'succeeded' } }),
      );
    }),
  );
  return { batchItemFailures: [] };
};
