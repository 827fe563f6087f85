/** DynamoDB's limit on one item, names and values together. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * What DynamoDB refuses a write with (its ValidationException "Item size has exceeded the maximum
 * allowed size"), as the memory store throws it: a store error, as StaleRecordError, not an answer.
 */
export class ItemTooLargeError extends Error {
  readonly code = 'ITEM_TOO_LARGE';
  constructor(what: string, bytes: number) {
    super(`${what} would be ${bytes} bytes, over DynamoDB's item limit of ${MAX_ITEM_BYTES}`);
  }
}

/** An item's size as DynamoDB counts it (UTF-8 names and strings, binary lengths; numbers and nesting approximated). */
export function itemBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return Math.ceil(String(value).length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + itemBytes(v), 0);
  return 3 + Object.entries(value as Record<string, unknown>).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + itemBytes(v), 0);
}

/** Throws as DynamoDB would for an item over the limit (the memory store checks every write). */
export function assertItemFits(what: string, item: Record<string, unknown>): void {
  const bytes = itemBytes(item) - 3;
  if (bytes > MAX_ITEM_BYTES) throw new ItemTooLargeError(what, bytes);
}
