// DEVELOPMENT ONLY — the development Barbican's errors, worded as Barbican 15 words them.
export class BbError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    description: string,
  ) {
    super(description);
  }
}
const TITLES: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error' };
export const fail = (status: number, description: string) => new BbError(status, TITLES[status] ?? 'Error', description);
/** PolicyNotAuthorized, as barbican.api.generate_safe_exception_message words it. */
export const denied = (operation: string) => fail(403, `${operation} attempt not allowed - please review your user/project privileges`);
/** A BarbicanHTTPException raised inside an operation. */
export const issue = (operation: string, status: number, reason: string) => fail(status, `${operation} issue seen - ${reason}.`);
export const invalidObject = (schema: string, reason: string, property: string) => fail(400, `Provided object does not match schema '${schema}': ${reason}. Invalid property: '${property}'`);
