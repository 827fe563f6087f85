import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { checkApiWrite, isStoreWriter } from './writers.js';

/**
 * One document client per process (Lambda reuses it across invocations). Locally the SDK's own
 * AWS_ENDPOINT_URL_DYNAMODB points it at dynalite; no code path differs between local and AWS.
 */
let doc: DynamoDBDocumentClient | undefined;

/**
 * The SDK waits forever for an answer unless told otherwise; a request stuck on a dead keep-alive
 * socket then holds the whole function until its own timeout. Bounded, it fails and is retried.
 * `requestTimeout` alone only logs a warning in the current SDK (the soak found DynamoDB requests
 * stalled past it, each held until Lambda killed the worker): it must throw.
 */
export const SDK_HTTP_TIMEOUTS = { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true } as const;

export function documentClient(): DynamoDBDocumentClient {
  if (!doc) {
    doc = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 3, requestHandler: SDK_HTTP_TIMEOUTS }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    // STORE_WRITER=api (the API's and the scheduler's functions), notifier, acme, enroll: refuse what
    // their IAM role refuses. STORE_WRITER=validator (the ACME validator): the same, with its own finding allowed.
    const writer = process.env.STORE_WRITER;
    if (isStoreWriter(writer)) {
      // The options (an abortSignal) pass through: bounded calls stay bounded locally.
      type Send = (c: unknown, options?: unknown) => Promise<unknown>;
      const send = doc.send.bind(doc) as Send;
      (doc as unknown as { send: Send }).send = (command, options) => {
        checkApiWrite(command, writer);
        return send(command, options);
      };
    }
  }
  return doc;
}

export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error('TABLE_NAME is not set');
  return name;
}
