import { randomBytes } from 'node:crypto';
import { errorFields, log } from '../log/index.js';
import { enqueueNotification } from '../notify/queue.js';
import { events, type EventRecord, type Store } from '../store/index.js';

/** Project of events that cannot be attributed (a message too broken to name one). */
export const UNATTRIBUTED_PROJECT = '_unattributed';

/**
 * A UUIDv7 (RFC 9562): the millisecond clock first, so ids sort by time and `marker` paging works
 * newest-first; the rest is random.
 */
export function timeOrderedId(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export type NewEvent = Omit<EventRecord, 'id' | 'time'>;

/**
 * Appends an audit event. The trail must not make a request fail after its work is done, so a
 * write that fails is logged (as an error, for alerting) rather than thrown.
 */
export async function recordEvent(event: NewEvent, store: Pick<Store, 'events'> = { events }): Promise<void> {
  const record = stamped(event, Date.now());
  try {
    await store.events.append(record);
  } catch (e) {
    log.error('audit event not recorded', { action: event.action, project: event.projectId, ...errorFields(e) });
  }
  // Owners hear about what matters to them (issued, renewed, revoked, failures) by webhook.
  await enqueueNotification(record);
}

/**
 * Appends events that happened together in one write (the worker's: BatchWriteItem). Never throws,
 * as recordEvent: what was not written is logged as an error for each event, for alerting.
 */
export async function recordEvents(list: NewEvent[], store: Pick<Store, 'events'>): Promise<void> {
  const now = Date.now();
  const records = list.map((e) => stamped(e, now));
  try {
    await store.events.appendAll(records);
  } catch (e) {
    for (const r of records) log.error('audit event not recorded', { action: r.action, project: r.projectId, ...errorFields(e) });
  }
  await Promise.all(records.map(enqueueNotification));
}

const stamped = (event: NewEvent, now: number): EventRecord => ({ id: timeOrderedId(now), time: new Date(now).toISOString(), ...event });
