/**
 * Partitioned CRLs (RFC 5280 5.2.5, the issuingDistributionPoint extension): each key generation's
 * leaves are split by the day window their notAfter falls in, as Let's Encrypt shards its CRLs by
 * expiry. A leaf's cRLDistributionPoints names its partition's CRL, whose IDP names the same URL, so
 * revoking one certificate re-signs a CRL as large as one window's revocations, not the CA's. The
 * generation's full CRL (the unsuffixed or `g<n>` URL) still lists every revocation, for relying
 * parties configured with one CRL per CA and for leaves issued before partitions.
 */
import { children, content, parseCertificate, pemToDer, readTlv } from '../x509/index.js';

const DAY_MS = 86_400_000;
/** `p<yyyymmdd>` (the window's first day), after the generation's name if it has one. */
const PARTITION = /^(?:(g[1-9][0-9]{0,5})\.)?(p[0-9]{8})$/;
const CDP_OID = '2.5.29.31';

/** Days per partition window; 0 turns partitions off (every leaf names its generation's full CRL). */
export function crlPartitionDays(): number {
  const days = Number(process.env.CRL_PARTITION_DAYS ?? 1);
  return Number.isInteger(days) && days >= 0 && days <= 366 ? days : 1;
}

export interface CrlPartition {
  /** The CRL's name in its URL and record id (`p20270301`, `g2.p20270301`). */
  name: string;
  /** The end of its window: no certificate on it is valid after this, so nor is the CRL needed. */
  coversUntil: Date;
}

/** The partition a leaf with this notAfter belongs to, under its generation's CRL name; none when partitions are off. */
export function crlPartitionFor(generationName: string | undefined, notAfter: Date, days = crlPartitionDays()): CrlPartition | undefined {
  if (days === 0) return undefined;
  const windowMs = days * DAY_MS;
  const start = Math.floor(notAfter.getTime() / windowMs) * windowMs;
  const day = new Date(start).toISOString().slice(0, 10).replace(/-/g, '');
  return { name: `${generationName ? `${generationName}.` : ''}p${day}`, coversUntil: new Date(start + windowMs) };
}

/** Whether `name` is a partition of the generation named `generationName` (undefined: the unsuffixed one). */
export function isPartitionOf(name: string, generationName: string | undefined): boolean {
  const m = PARTITION.exec(name);
  return !!m && m[1] === generationName;
}

/**
 * The CRL name a certificate's own cRLDistributionPoints ends with (`.../crl/<name>`), read from the
 * worker-written certificate: which CRL relying parties read for it is what it says, whatever the
 * configuration is now. Undefined without the extension or a name (the unsuffixed URL).
 */
export function crlNameInCertificate(certificatePem: string): string | undefined {
  // Our DER reader alone: no node:crypto certificate or key objects for one extension.
  const ext = parseCertificate(pemToDer(certificatePem, 'CERTIFICATE')).extensions?.find((e) => e.oid === CDP_OID);
  if (!ext) return undefined;
  for (const uri of urisIn(ext.value)) {
    const m = /\/crl\/([^/?#]+)$/.exec(uri);
    if (m) return m[1];
  }
  return undefined;
}

/** Every uniformResourceIdentifier [6] anywhere under a DER value (CRLDistributionPoints nests them in fullName). */
function urisIn(der: Buffer): string[] {
  const out: string[] = [];
  const walk = (t: ReturnType<typeof readTlv>) => {
    if (t.tag === 0x86) out.push(content(der, t).toString('ascii'));
    else if (t.tag & 0x20) for (const c of children(der, t)) walk(c);
  };
  walk(readTlv(der, 0));
  return out;
}
