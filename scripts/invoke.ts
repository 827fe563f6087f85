/**
 * Invokes a function of the running local stack by name, as AWS would (serverless-offline's Lambda
 * endpoint), e.g. the renewal scheduler on demand:
 *   npm run renew                                  # now
 *   npm run renew -- '{"now":"2027-01-01T00:00:00Z"}'   # with the clock moved (local stack only)
 * Usage: node --import tsx scripts/invoke.ts FUNCTION [JSON event]
 */
const [fn, payload = '{}'] = process.argv.slice(2);
if (!fn) {
  console.error('usage: invoke.ts FUNCTION [JSON event]');
  process.exit(2);
}
const port = process.env.LAMBDA_PORT ?? '3002';
const res = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/openstack-ca-local-${fn}/invocations`, { method: 'POST', body: payload });
const text = await res.text();
console.log(text);
process.exit(res.ok && !res.headers.get('x-amz-function-error') ? 0 : 1);
export {};
