/** The one DynamoDB document client of a no-op function, made as lib/store/client.ts makes it. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let doc: DynamoDBDocumentClient | undefined;
export const db = () => (doc ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 3 }), { marshallOptions: { removeUndefinedValues: true } }));
export const table = () => process.env.TABLE_NAME!;
export const jobKey = (id: string) => ({ pk: `JOB#${id}`, sk: 'JOB' });
