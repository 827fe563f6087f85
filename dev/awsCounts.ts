/**
 * Counts of what the local stack asks of DynamoDB and SQS, for the bench's cost per certificate:
 * requests by action (from each request's X-Amz-Target), and DynamoDB capacity units computed by
 * dynalite's own arithmetic (DynamoDB's rules: a write unit per started KB of the larger of the old
 * and new item, a read unit per started 4 KB, eventually consistent reads half), whether or not the
 * caller asked for ReturnConsumedCapacity. Global secondary indexes are charged as DynamoDB does:
 * a write to an item that is (or was) in an index writes the index too, and an index partition
 * takes those writes (the hot-partition question of a service-wide day bucket).
 */
import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';

type Item = Record<string, Record<string, unknown>>;
interface DynaliteDb {
  addConsumedCapacity(data: Record<string, unknown>, isRead: boolean, newItem?: Item | null, oldItem?: Item | null): unknown;
  capacityUnits(item: Item | null | undefined, isRead: boolean, isConsistent?: boolean): number;
  queryTable(...args: unknown[]): void;
}

export interface GsiSpec {
  name: string;
  hashKey: string;
  rangeKey: string;
  /** KEYS_ONLY indexes take one unit a write; ALL ones the item's size. */
  keysOnly: boolean;
}

export class AwsCounts {
  readonly requests = new Map<string, number>();
  readUnits = 0;
  writeUnits = 0;
  /** Of writeUnits, those of index writes. */
  indexWriteUnits = 0;
  /** Write units per partition key value ("table P#…", "gsi2 RENEW#…"). */
  readonly partitionWrites = new Map<string, number>();
  /** Table write units and writes by item kind (the sort key's prefix: CERT, JOB, EVT, …). */
  readonly kindWrites = new Map<string, { writes: number; units: number }>();
  private readonly started = Date.now();

  reset(): void {
    this.requests.clear();
    this.partitionWrites.clear();
    this.kindWrites.clear();
    this.readUnits = this.writeUnits = this.indexWriteUnits = 0;
  }

  count(service: string, action: string): void {
    const k = `${service} ${action}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
  }

  total(service: string): number {
    let n = 0;
    for (const [k, v] of this.requests) if (k.startsWith(`${service} `)) n += v;
    return n;
  }

  write(partition: string, units: number): void {
    this.writeUnits += units;
    this.partitionWrites.set(partition, (this.partitionWrites.get(partition) ?? 0) + units);
  }

  get ageMs(): number {
    return Date.now() - this.started;
  }
}

const stringOf = (v: Record<string, unknown> | undefined) => (v && typeof v.S === 'string' ? v.S : undefined);

/**
 * The index entries one item write changes, with their units: none if the item is in neither
 * version; an entry whose keys stay is rewritten (unless the index holds only keys, which did not
 * change); keys that change delete the old entry and put the new one.
 */
function indexWrites(g: GsiSpec, a: Item | null | undefined, b: Item | null | undefined, units: (x: Item) => number): Array<[Item, number]> {
  const keyOf = (x: Item | null | undefined) => (x && stringOf(x[g.hashKey]) ? `${stringOf(x[g.hashKey])}\u0000${stringOf(x[g.rangeKey]) ?? ''}` : undefined);
  const [ka, kb] = [keyOf(a), keyOf(b)];
  const cost = (x: Item) => (g.keysOnly ? 1 : units(x));
  if (ka && kb && ka === kb) return g.keysOnly ? [] : [[b!, cost(b!)]];
  return [...(ka ? [[a!, cost(a!)] as [Item, number]] : []), ...(kb ? [[b!, cost(b!)] as [Item, number]] : [])];
}

/** Attaches the request counter to a server (dynalite's or the SQS emulator's). */
export function countRequests(server: Server, service: string, counts: AwsCounts): void {
  server.on('request', (req: IncomingMessage) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    counts.count(service, target.split('.').pop() || 'query-protocol');
  });
}

/**
 * Makes dynalite (loaded in this process) report the capacity of every operation to `counts`.
 * Patches its db module's exported functions, which its actions call through the module object.
 */
let patched: { counts: AwsCounts; gsis: GsiSpec[] } | undefined;
export function countDynamoCapacity(counts: AwsCounts, gsis: GsiSpec[]): void {
  // One dynalite module per process: the patch goes in once, counting into the latest counter.
  const first = !patched;
  patched = { counts, gsis };
  if (first) patchDynalite();
}

function patchDynalite(): void {
  const db = createRequire(import.meta.url)('dynalite/db/index.js') as DynaliteDb;
  const addConsumedCapacity = db.addConsumedCapacity;
  db.addConsumedCapacity = function (data, isRead, newItem, oldItem) {
    const { counts, gsis } = patched!;
    const units = Math.max(db.capacityUnits(newItem, isRead, data.ConsistentRead === true), oldItem ? db.capacityUnits(oldItem, isRead, data.ConsistentRead === true) : 0);
    if (isRead) counts.readUnits += units;
    else {
      const item = newItem ?? oldItem;
      counts.write(`table ${stringOf(item?.pk) ?? '?'}`, units);
      const kind = (stringOf(item?.sk) ?? '?').split('#')[0];
      const k = counts.kindWrites.get(kind) ?? { writes: 0, units: 0 };
      counts.kindWrites.set(kind, { writes: k.writes + 1, units: k.units + units });
      for (const g of gsis) for (const [it, units] of indexWrites(g, newItem, oldItem, (x) => db.capacityUnits(x, false))) {
        counts.indexWriteUnits += units;
        counts.write(`${g.name} ${stringOf(it[g.hashKey])}`, units);
      }
    }
    return addConsumedCapacity.call(this, data, isRead, newItem, oldItem);
  };
  const queryTable = db.queryTable;
  db.queryTable = function (...args: unknown[]) {
    const { counts } = patched!;
    const data = args[2] as Record<string, unknown>;
    const cb = args[7] as (err: unknown, res?: Record<string, unknown>) => void;
    const asked = data.ReturnConsumedCapacity;
    args[2] = { ...data, ReturnConsumedCapacity: 'TOTAL' };
    args[7] = (err: unknown, res?: Record<string, unknown>) => {
      if (res?.ConsumedCapacity) {
        counts.readUnits += Number((res.ConsumedCapacity as { CapacityUnits?: number }).CapacityUnits ?? 0);
        if (!asked) delete res.ConsumedCapacity;
      }
      cb(err, res);
    };
    return queryTable.apply(this, args);
  };
}
