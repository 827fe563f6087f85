import { crlNameInCertificate, crlNameOf, isPartitionOf, liveGenerations, revocationUrls, signCrl, signerOf } from '../ca/index.js';
import { crlRecordId, StaleRecordError, type CaKeyGeneration, type CertificateRecord, type CrlRecord, type RevocationRecord } from '../store/index.js';
import { normaliseSerialHex } from '../x509/index.js';
import { issuerFor, type ActiveCa, type CaIssuer } from './caKey.js';
import type { WorkerContext } from './context.js';

/** How long a CRL and a pre-signed OCSP response stay valid; they are re-signed well before. */
export const validityMs = (name: string, fallbackDays: number) => Number(process.env[name] ?? fallbackDays * 86400) * 1000;

/** Revocation items read per query (each a few dozen bytes: far under a query page's 1 MB). */
const REVOCATION_PAGE = 1000;

/** A generation's CRL entries by serial. */
export type CrlEntries = Map<string, RevocationRecord>;

/**
 * The live key generations of a CA for one publication: which signed a certificate, each one's
 * CRL record id, and its issuer (the key loaded once per run, on first use).
 */
export interface Generations {
  ca: ActiveCa;
  list: CaKeyGeneration[];
  signerOf(c: Pick<CertificateRecord, 'keyGeneration' | 'certificatePem'>): CaKeyGeneration | undefined;
  crlIdOf(g: CaKeyGeneration): string;
  issuer(g: CaKeyGeneration): Promise<CaIssuer>;
  /** The partition a certificate of generation `g` names in its cRLDistributionPoints, if any (lib/ca/crlPartitions.ts). */
  partitionOf(c: Pick<CertificateRecord, 'certificatePem'>, generation: number): string | undefined;
  /** Partitions that revocations recorded in this run went on (name → generation): published before the full CRLs. */
  touched: Map<string, CaKeyGeneration>;
}

/** One partition's CRL: its name, and a time no certificate on it is valid after (the head keeps the latest). */
export interface PartitionTarget {
  name: string;
  coversUntil?: string;
}

export function generationsFor(ca: ActiveCa, ctx: WorkerContext, loaded?: CaIssuer): Generations {
  const list = liveGenerations(ca, ctx.now());
  const issuers = new Map<number, Promise<CaIssuer>>(loaded ? [[loaded.generation, Promise.resolve(loaded)]] : []);
  return {
    touched: new Map(),
    partitionOf: (c, generation) => {
      const name = c.certificatePem ? crlNameInCertificate(c.certificatePem) : undefined;
      return name && isPartitionOf(name, crlNameOf(ca, generation)) ? name : undefined;
    },
    ca,
    list,
    signerOf: signerOf(list),
    crlIdOf: (g) => crlRecordId(ca.id, crlNameOf(ca, g.generation)),
    issuer: (g) => {
      if (!issuers.has(g.generation)) issuers.set(g.generation, issuerFor(ca, { projectId: ca.projectId, caId: ca.id }, ctx, g));
      return issuers.get(g.generation)!;
    },
  };
}

/**
 * Every revocation on a CRL: its revocation items, paged. A head written by an earlier version
 * holds its entries itself (`revokedSerials`): they become revocation items first (idempotent), so
 * the next CRL, which no longer carries them in its head, keeps them.
 */
export async function entriesOf(ca: ActiveCa, crlId: string, head: CrlRecord | undefined, ctx: WorkerContext): Promise<CrlEntries> {
  for (const e of head?.revokedSerials ?? []) {
    await ctx.store.revocations.record({ projectId: ca.projectId, caId: ca.id, crlId, serial: normaliseSerialHex(e.serial), crlRevokedAt: e.revokedAt, ...(e.reason ? { crlRevocationReason: e.reason } : {}) });
  }
  const entries: CrlEntries = new Map();
  let marker: string | undefined;
  do {
    const page = await ctx.store.revocations.list(ca.projectId, ca.id, crlId, REVOCATION_PAGE, marker);
    for (const r of page.items) entries.set(r.serial, r);
    marker = page.next;
  } while (marker);
  return entries;
}

/**
 * One generation's full CRL from its revocation items, under its next CRL number (numbers go up
 * per generation: each has a CRL of its own). Idempotent: running it twice publishes the same
 * entries under a higher number. Returns the entries it signed.
 */
export async function publishCrl(gens: Generations, g: CaKeyGeneration, ctx: WorkerContext, partition?: PartitionTarget): Promise<CrlEntries> {
  const { ca } = gens;
  const crlId = partition ? crlRecordId(ca.id, partition.name) : gens.crlIdOf(g);
  for (let attempt = 0; ; attempt++) {
    // The head first, the entries after: a publisher that read this head read every entry recorded before it was written.
    const previous = await ctx.store.crls.get(ca.projectId, crlId);
    const entries = await entriesOf(ca, crlId, previous, ctx);
    try {
      await signAndStore(gens, g, crlId, previous, entries, ctx, partition);
      return entries;
    } catch (e) {
      if (!(e instanceof StaleRecordError)) throw e;
      // A concurrent job published this number first, perhaps from entries read before ours were
      // recorded: once more over its CRL. A second loss is to a job that read its head after
      // that, so after our entries were recorded: its CRL has them.
      if (attempt > 0) return entries;
    }
  }
}

async function signAndStore(gens: Generations, g: CaKeyGeneration, crlId: string, previous: CrlRecord | undefined, entries: CrlEntries, ctx: WorkerContext, partition?: PartitionTarget): Promise<void> {
  const { ca } = gens;
  const issuer = await gens.issuer(g);
  const now = ctx.now();
  const crlNumber = (previous?.crlNumber ?? 0) + 1;
  const validity = validityMs('CRL_VALIDITY_SECONDS', 7);
  const nextUpdate = new Date(now.getTime() + validity);
  const der = await signCrl(
    {
      thisUpdate: now,
      nextUpdate,
      crlNumber: BigInt(crlNumber),
      revoked: [...entries.values()].map((e) => ({ serialHex: e.serial, revokedAt: new Date(e.crlRevokedAt), reason: e.crlRevocationReason })),
      // A partition names itself (IDP: it covers only the leaves that name its URL). A generation's full
      // CRL names nothing: it is complete for its key, so it serves leaves that name a partition too
      // (OpenSSL refuses a CRL whose IDP is not the leaf's distribution point: "different CRL scope").
      ...(ctx.publicUrl && partition ? { issuingDistributionPointUri: revocationUrls(ctx.publicUrl, ca.projectId, ca.id, partition.name).crlUrl } : {}),
    },
    issuer,
    ctx.driver,
  );
  // Re-signed at half its validity, well before relying parties would reject it. Only the current
  // generation's CRL is scheduled: the job it brings re-signs every generation's.
  // Partitions are re-signed by that job too (crl.publish, scope all), while their window lasts.
  const current = !partition && g.generation === (ca.keyGeneration ?? 0);
  const coversUntil = latest(previous?.coversUntil, partition?.coversUntil);
  await ctx.store.crls.put(
    { id: crlId, projectId: ca.projectId, caId: ca.id, keyGeneration: g.generation, crlNumber, thisUpdate: now.toISOString(), nextUpdate: nextUpdate.toISOString(), updatedAt: now.toISOString(), ...(coversUntil ? { coversUntil } : {}) },
    der,
    current ? new Date(now.getTime() + validity / 2).toISOString() : undefined,
    previous,
  );
}

const latest = (a?: string, b?: string) => (!a ? b : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b);

/** Partition CRLs known to exist, per store: a leaf's issuance reads the head once per worker, not per certificate. */
const published = new WeakMap<object, Set<string>>();

/**
 * A leaf's partition CRL exists before the job that issued it says succeeded (as its OCSP answer
 * does): relying parties that check CRLs refuse a certificate whose CRL is missing. The first leaf of
 * a window publishes it (empty, or with what was revoked meanwhile).
 */
export async function ensurePartitionCrl(gens: Generations, g: CaKeyGeneration, partition: PartitionTarget, ctx: WorkerContext): Promise<void> {
  const crlId = crlRecordId(gens.ca.id, partition.name);
  const seen = published.get(ctx.store) ?? new Set<string>();
  published.set(ctx.store, seen);
  const known = `${gens.ca.projectId}|${crlId}`;
  if (seen.has(known)) return;
  const head = await ctx.store.crls.get(gens.ca.projectId, crlId);
  // A head of a shorter window (the setting changed) is re-signed to cover this leaf's.
  if (!head || latest(head.coversUntil, partition.coversUntil) !== head.coversUntil) await publishCrl(gens, g, ctx, partition);
  seen.add(known);
}
