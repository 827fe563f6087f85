import { createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyHandle } from '../drivers/index.js';
import { AppError } from '../errors/index.js';
import { caKeySecretName } from '../keystore/index.js';
import { currentGeneration, type Issuer } from '../ca/index.js';
import type { CaKeyGeneration, CaRecord } from '../store/index.js';
import { encodeNameConstraints, isEmptyConstraints, keyTypeOf, OID, readCertificate, type KeyType } from '../x509/index.js';
import { RecordContradictsCertificateError } from './outcomes.js';
import type { WorkerContext } from './context.js';

/**
 * Which key a CA signs with is decided by the job, not by the record: its name (Barbican secret
 * name, PKCS#11 label) is made from the project and CA id the job names and the record was read
 * under, and the key generation. A record copied from another tenant cannot borrow that tenant's key.
 */
export interface CaKeyName {
  projectId: string;
  caId: string;
  /** Rotations so far: generation n's key is `<caId>.g<n>`. */
  generation?: number;
}

const keyId = (k: CaKeyName) => (k.generation ? `${k.caId}.g${k.generation}` : k.caId);
const label = (k: CaKeyName) => caKeySecretName(k.projectId, keyId(k));

/** Keys kept in a PKCS#11 token are referenced by their RFC 7512 URI; others by a Barbican secret. */
const inToken = (keyRef: string) => keyRef.startsWith('pkcs11:');

/** The key of this name, as the configured driver holds it; it must be the one the record references. */
export async function caSigningKey(name: CaKeyName, keyType: KeyType, keyRef: string, ctx: WorkerContext): Promise<KeyHandle> {
  const wantsToken = ctx.driver.capabilities.keyLocation === 'token';
  if (inToken(keyRef) !== wantsToken) {
    throw new AppError('CA_DRIVER_MISMATCH', 409, `CA ${name.caId} keeps its key ${inToken(keyRef) ? 'in a PKCS#11 token' : 'in Barbican'}; the worker's signing driver "${ctx.driver.name}" cannot use it`);
  }
  if (wantsToken) {
    const key = await ctx.driver.findKey!(label(name));
    if (!key || key.uri !== keyRef) throw new AppError('KEY_REF_MISMATCH', 403, `the key reference of CA ${name.caId} does not name this CA's key`);
    return key;
  }
  const privateKey = await ctx.keys.load(name.projectId, keyId(name), keyRef);
  return { location: 'memory', keyType, label: label(name), privateKey, publicKey: createPublicKey(privateKey) };
}

/** Keys newCaKey found stored under their name, and their references: keepCaKey records these instead of storing the key again. */
const alreadyStored = new WeakMap<KeyHandle, string>();

/**
 * A new CA key, or the one an earlier delivery of the same job made but did not record: in a token
 * (by label), in Barbican (by secret name; a worker that stopped between storing the key and
 * recording it left it there). Called only under the CA's claim, for a generation whose key the
 * record does not reference: any other key of that name is referenced by nothing, and removed.
 */
export async function newCaKey(name: CaKeyName, keyType: KeyType, ctx: WorkerContext): Promise<KeyHandle> {
  if (!ctx.driver.capabilities.keyTypes.includes(keyType)) {
    throw new AppError('KEY_TYPE_UNSUPPORTED', 400, `the signing driver "${ctx.driver.name}" cannot make ${keyType} keys (it makes ${ctx.driver.capabilities.keyTypes.join(', ')})`);
  }
  if (ctx.driver.capabilities.keyLocation === 'token') return (await ctx.driver.findKey?.(label(name))) ?? ctx.driver.createKey(keyType, label(name));
  let reused: KeyHandle | undefined;
  for (const ref of await ctx.keys.find(name.projectId, keyId(name))) {
    const key = reused ? undefined : await caSigningKey(name, keyType, ref, ctx);
    if (key && keyTypeOf(key.publicKey) === keyType) {
      reused = key;
      alreadyStored.set(key, ref);
    } else await ctx.keys.remove(ref);
  }
  return reused ?? ctx.driver.createKey(keyType, label(name));
}

/** Where the key is recorded: Barbican for memory keys (stored now, unless newCaKey found it there), the token URI otherwise. */
export async function keepCaKey(name: CaKeyName, key: KeyHandle, ctx: WorkerContext): Promise<string> {
  if (key.location !== 'memory') return key.uri;
  return alreadyStored.get(key) ?? ctx.keys.save(name.projectId, keyId(name), key.privateKey);
}

export type ActiveCa = CaRecord & { keyRef: string; certificatePem: string; subjectKeyId: string; notAfter: string };

export function isActive(ca: CaRecord): ca is ActiveCa {
  return ca.status === 'active' && !!ca.keyRef && !!ca.certificatePem && !!ca.subjectKeyId && !!ca.notAfter;
}

/** An issuer that is one key generation of a CA, with the certificate that certifies its key. */
export type CaIssuer = Issuer & { certificate: X509Certificate; generation: number };

/**
 * An active CA as an issuer (its current key generation, or `generation`, one on record): the key
 * by the job's name for it, checked against the generation's certificate (the public half the
 * certificate certifies must be the key's), so a swapped reference cannot sign. Its Name and key
 * type come from that certificate (worker-written), not from fields of the record the API may write.
 */
export async function issuerFor(ca: ActiveCa, name: CaKeyName, ctx: WorkerContext, generation: CaKeyGeneration = currentGeneration(ca)): Promise<CaIssuer> {
  const certificate = new X509Certificate(generation.certificatePem);
  const keyType = keyTypeOf(certificate.publicKey);
  if (!keyType) throw new AppError('CA_KEY_UNSUPPORTED', 409, `CA ${name.caId}'s certificate has a key this service does not sign with`);
  const key = await caSigningKey({ ...name, generation: generation.generation }, keyType, generation.keyRef, ctx);
  if (!key.publicKey.equals(certificate.publicKey)) throw new AppError('KEY_REF_MISMATCH', 403, `the key of CA ${name.caId} does not match its certificate`);
  return { nameDer: readCertificate(certificate.raw).subjectDer, keyType, key, subjectKeyId: Buffer.from(generation.subjectKeyId, 'hex'), certificate, generation: generation.generation };
}

/**
 * A CA record's path length and name constraints, which go into what it signs (a rotation's new
 * certificate, an intermediate's path length), must be what its certificate says (worker-written):
 * else a CA would be widened through fields the API can write.
 */
export function recordMatchesCertificate(ca: CaRecord, certificate: X509Certificate): void {
  const current = readCertificate(certificate.raw);
  const certified = current.basicConstraints?.pathLen;
  // An external CA's record may be narrower than what its CA wrote (the admin's path length and
  // constraints are enforced on top), never wider; our own CAs' records say exactly what we wrote.
  const wider = certified !== undefined && (ca.pathLen === undefined || ca.pathLen > certified);
  const nc = current.extensions.get(OID.nameConstraints)?.value;
  const recorded = ca.nameConstraints && !isEmptyConstraints(ca.nameConstraints) ? encodeNameConstraints(ca.nameConstraints) : undefined;
  const differs = !ca.external && (certified !== ca.pathLen || (nc?.toString('hex') ?? '') !== (recorded?.toString('hex') ?? ''));
  if (wider || differs) throw new RecordContradictsCertificateError(`CA ${ca.id}: its record's path length or name constraints are not those of its certificate; not used`);
}
