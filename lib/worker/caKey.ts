import { createPublicKey } from 'node:crypto';
import type { KeyHandle } from '../drivers/index.js';
import { AppError } from '../errors/index.js';
import { caKeySecretName } from '../keystore/index.js';
import type { CaRecord } from '../store/index.js';
import { encodeName } from '../x509/index.js';
import type { WorkerContext } from './context.js';

/** Keys kept in a PKCS#11 token are referenced by their RFC 7512 URI; others by a Barbican secret. */
const inToken = (keyRef: string) => keyRef.startsWith('pkcs11:');

/** A CA's key is named for its project, CA and generation (each rotation makes a new one). */
const keyName = (ca: CaRecord) => caKeySecretName(ca.projectId, ca.keyGeneration ? `${ca.id}.g${ca.keyGeneration}` : ca.id);
const keyId = (ca: CaRecord) => (ca.keyGeneration ? `${ca.id}.g${ca.keyGeneration}` : ca.id);

/**
 * The CA's signing key as the configured driver holds it. A token key is looked up by the label
 * made from project and CA, never from the stored reference alone, and must be the one recorded:
 * a reference swapped in the store cannot borrow another tenant's key.
 */
export async function caSigningKey(ca: CaRecord & { keyRef: string }, ctx: WorkerContext): Promise<KeyHandle> {
  const label = keyName(ca);
  const wantsToken = ctx.driver.capabilities.keyLocation === 'token';
  if (inToken(ca.keyRef) !== wantsToken) {
    throw new AppError('CA_DRIVER_MISMATCH', 409, `CA ${ca.id} keeps its key ${inToken(ca.keyRef) ? 'in a PKCS#11 token' : 'in Barbican'}; the worker's signing driver "${ctx.driver.name}" cannot use it`);
  }
  if (wantsToken) {
    const key = await ctx.driver.findKey!(label);
    if (!key || key.uri !== ca.keyRef) throw new AppError('KEY_REF_MISMATCH', 403, `the key reference of CA ${ca.id} does not name this CA's key`);
    return key;
  }
  const privateKey = await ctx.keys.load(ca.projectId, keyId(ca), ca.keyRef);
  return { location: 'memory', keyType: ca.keyType, label, privateKey, publicKey: createPublicKey(privateKey) };
}

/** A new CA key (or, for a token, the one an earlier delivery of the same job already made). */
export async function newCaKey(ca: CaRecord, ctx: WorkerContext): Promise<KeyHandle> {
  if (!ctx.driver.capabilities.keyTypes.includes(ca.keyType)) {
    throw new AppError('KEY_TYPE_UNSUPPORTED', 400, `the signing driver "${ctx.driver.name}" cannot make ${ca.keyType} keys (it makes ${ctx.driver.capabilities.keyTypes.join(', ')})`);
  }
  const label = keyName(ca);
  return (await ctx.driver.findKey?.(label)) ?? ctx.driver.createKey(ca.keyType, label);
}

/** The CA's Name as its certificate has it: byte for byte what an external CA wrote, else ours. */
export const issuerNameOf = (ca: CaRecord): Buffer => (ca.subjectDerBase64 ? Buffer.from(ca.subjectDerBase64, 'base64') : encodeName(ca.subject));

/** Where the key is recorded: Barbican for memory keys (stored now), the token URI otherwise. */
export async function keepCaKey(ca: CaRecord, key: KeyHandle, ctx: WorkerContext): Promise<string> {
  return key.location === 'memory' ? ctx.keys.save(ca.projectId, keyId(ca), key.privateKey) : key.uri;
}

/** Undo `keepCaKey` after a lost race. A token key is shared by every delivery of the job (same label): kept. */
export async function discardCaKey(keyRef: string, key: KeyHandle, ctx: WorkerContext): Promise<void> {
  if (key.location === 'memory') await ctx.keys.remove(keyRef);
}
