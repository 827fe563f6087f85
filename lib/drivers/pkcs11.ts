import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Handle, PKCS11, Template } from 'pkcs11js';
import { keyTypeOf, type KeyType, type SignatureAlgorithm } from '../x509/index.js';
import { bitString, nullValue, OIDS, sequence, unsignedInteger, unwrap } from './asn1.js';
import type { Driver, DriverCapabilities, KeyHandle, TokenKeyHandle } from './types.js';

/*
 * CA keys inside a PKCS#11 token (SoftHSM2, a network HSM, a cloud HSM's PKCS#11 library).
 * Keys are generated in the token (sensitive, never extractable) and every signature is a C_Sign;
 * the process only ever holds the public key and the object's label and id.
 */

/** PKCS#11 numbers used here (v2.40 / v3.0). Defined locally so that nothing needs pkcs11js before a token is opened. */
const CK = {
  CKO_PUBLIC_KEY: 2,
  CKO_PRIVATE_KEY: 3,
  CKK_RSA: 0x0,
  CKK_EC: 0x3,
  CKK_EC_EDWARDS: 0x40,
  CKA_CLASS: 0x0,
  CKA_TOKEN: 0x1,
  CKA_PRIVATE: 0x2,
  CKA_LABEL: 0x3,
  CKA_KEY_TYPE: 0x100,
  CKA_ID: 0x102,
  CKA_SENSITIVE: 0x103,
  CKA_ENCRYPT: 0x104,
  CKA_DECRYPT: 0x105,
  CKA_WRAP: 0x106,
  CKA_UNWRAP: 0x107,
  CKA_SIGN: 0x108,
  CKA_VERIFY: 0x10a,
  CKA_DERIVE: 0x10c,
  CKA_MODULUS: 0x120,
  CKA_MODULUS_BITS: 0x121,
  CKA_PUBLIC_EXPONENT: 0x122,
  CKA_EXTRACTABLE: 0x162,
  CKA_EC_PARAMS: 0x180,
  CKA_EC_POINT: 0x181,
  CKM_RSA_PKCS_KEY_PAIR_GEN: 0x0,
  CKM_SHA256_RSA_PKCS: 0x40,
  CKM_SHA384_RSA_PKCS: 0x41,
  CKM_EC_KEY_PAIR_GEN: 0x1040,
  CKM_ECDSA: 0x1041,
  CKM_EC_EDWARDS_KEY_PAIR_GEN: 0x1055,
  CKM_EDDSA: 0x1057,
  CKF_RW_SESSION: 0x2,
  CKF_SERIAL_SESSION: 0x4,
  CKF_OS_LOCKING_OK: 0x2,
  CKU_USER: 1,
  CKR_USER_ALREADY_LOGGED_IN: 0x100,
  CKR_CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

/** Return values after which the session is gone and a fresh one (with a fresh login) may succeed. */
const SESSION_LOST = new Set([0x30 /* DEVICE_ERROR */, 0x32 /* DEVICE_REMOVED */, 0xb0 /* SESSION_CLOSED */, 0xb3 /* SESSION_HANDLE_INVALID */, 0xe0 /* TOKEN_NOT_PRESENT */, 0x101 /* USER_NOT_LOGGED_IN */, 0x190 /* CRYPTOKI_NOT_INITIALIZED */]);

const ckrOf = (e: unknown): number | undefined => (typeof (e as { code?: unknown })?.code === 'number' ? (e as { code: number }).code : undefined);

/** The curves, by key type: CKA_EC_PARAMS (a DER OID), the SPKI algorithm, the size of r and s. */
const EC_CURVES = {
  'EC-P256': { params: OIDS.prime256v1, fieldBytes: 32 },
  'EC-P384': { params: OIDS.secp384r1, fieldBytes: 48 },
} as const;

const ALG = { rsaPrefix: '1.2.840.113549.1.1.', ecdsaPrefix: '1.2.840.10045.4.3.', ed25519: '1.3.101.112' } as const;

const SUPPORTED: readonly KeyType[] = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'EC-P256', 'EC-P384', 'Ed25519'];

export interface Pkcs11Config {
  /** Path of the PKCS#11 library. */
  module: string;
  /** CKA_LABEL of the token (as in `softhsm2-util --show-slots`). */
  tokenLabel: string;
  /** The user PIN. Never logged, never put in an error. */
  pin: string;
}

/** PKCS11_MODULE (default SoftHSM2), PKCS11_TOKEN_LABEL and PKCS11_PIN. */
export function pkcs11ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): Pkcs11Config {
  const tokenLabel = env.PKCS11_TOKEN_LABEL;
  const pin = env.PKCS11_PIN;
  if (!tokenLabel) throw new Error('the pkcs11 driver needs PKCS11_TOKEN_LABEL');
  if (!pin) throw new Error('the pkcs11 driver needs PKCS11_PIN');
  return { module: env.PKCS11_MODULE || '/usr/lib/softhsm/libsofthsm2.so', tokenLabel, pin };
}

type Pkcs11Module = typeof import('pkcs11js');

/**
 * pkcs11js is a native addon: it is loaded on first use only, through a require that bundlers
 * leave alone, so that the native driver (and any bundle holding this file) never needs it.
 */
function loadPkcs11js(): Pkcs11Module {
  // Not the module-scope `require`: bundlers do not follow this one, so the addon is never inlined.
  const requireHere = createRequire(import.meta.url);
  return requireHere('pkcs11js') as Pkcs11Module;
}

/** One loaded and initialised library per path, shared by every driver in the process. */
const libraries = new Map<string, { lib: PKCS11; users: number; finalize: boolean }>();

function acquireLibrary(path: string): PKCS11 {
  const known = libraries.get(path);
  if (known) {
    known.users++;
    return known.lib;
  }
  const { PKCS11: Library } = loadPkcs11js();
  const lib = new Library();
  lib.load(path);
  let finalize = true;
  try {
    // The driver awaits async calls, which run on libuv's threads: the library must lock for itself.
    lib.C_Initialize({ flags: CK.CKF_OS_LOCKING_OK });
  } catch (e) {
    if (ckrOf(e) !== CK.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      try {
        lib.close();
      } catch {
        /* unloading a library that failed to initialise */
      }
      throw e;
    }
    finalize = false;
  }
  libraries.set(path, { lib, users: 1, finalize });
  return lib;
}

function releaseLibrary(path: string): void {
  const known = libraries.get(path);
  if (!known || --known.users > 0) return;
  libraries.delete(path);
  if (known.finalize) {
    try {
      known.lib.C_Finalize();
    } catch {
      /* already finalised */
    }
  }
  try {
    known.lib.close();
  } catch {
    /* unloaded */
  }
}

const trimLabel = (s: string) => s.replace(/[\s\0]+$/, '');

/** RFC 7512 percent-encoding: everything but unreserved characters. */
const pct = (s: string) =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');

/** PKCS#11 CKM_ECDSA gives r||s, each the curve's size; X.509 wants ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }. */
export function rawEcdsaToDer(raw: Buffer, fieldBytes?: number): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0 || (fieldBytes !== undefined && raw.length !== 2 * fieldBytes)) {
    throw new Error(`an ECDSA signature of ${raw.length} bytes is not r||s${fieldBytes ? ` for a ${fieldBytes * 8}-bit curve` : ''}`);
  }
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

/** CKA_EC_POINT is normally DER OCTET STRING(point); a few tokens return the bare point. */
function unwrapEcPoint(value: Buffer, expectLength: number): Buffer {
  if (value.length === expectLength) return value;
  const point = unwrap(value, 0x04);
  if (!point || point.length !== expectLength) throw new Error('CKA_EC_POINT is neither a point nor an OCTET STRING of one');
  return point;
}

/** SubjectPublicKeyInfo of a token public key, from its attributes. */
function spkiOf(keyType: KeyType, attr: (type: number) => Buffer): Buffer {
  if (keyType.startsWith('RSA')) {
    const rsaPublicKey = sequence(unsignedInteger(attr(CK.CKA_MODULUS)), unsignedInteger(attr(CK.CKA_PUBLIC_EXPONENT)));
    return sequence(sequence(OIDS.rsaEncryption, nullValue()), bitString(rsaPublicKey));
  }
  if (keyType === 'Ed25519') {
    return sequence(sequence(OIDS.ed25519), bitString(unwrapEcPoint(attr(CK.CKA_EC_POINT), 32)));
  }
  const curve = EC_CURVES[keyType as keyof typeof EC_CURVES];
  if (!attr(CK.CKA_EC_PARAMS).equals(curve.params)) throw new Error(`the token key is not on the curve of ${keyType}`);
  const point = unwrapEcPoint(attr(CK.CKA_EC_POINT), 1 + 2 * curve.fieldBytes);
  if (point[0] !== 0x04) throw new Error('CKA_EC_POINT is not an uncompressed point');
  return sequence(sequence(OIDS.ecPublicKey, curve.params), bitString(point));
}

/** The key type of a token key, from CKA_KEY_TYPE and its size or curve. */
function keyTypeOfToken(ckk: number, attr: (type: number) => Buffer): KeyType {
  if (ckk === CK.CKK_RSA) {
    const bits = attr(CK.CKA_MODULUS).length * 8;
    const kt = ({ 2048: 'RSA-2048', 3072: 'RSA-3072', 4096: 'RSA-4096' } as Record<number, KeyType>)[bits];
    if (kt) return kt;
    throw new Error(`RSA-${bits} token keys are not supported`);
  }
  if (ckk === CK.CKK_EC_EDWARDS) return 'Ed25519';
  if (ckk === CK.CKK_EC) {
    const params = attr(CK.CKA_EC_PARAMS);
    for (const [kt, c] of Object.entries(EC_CURVES)) if (params.equals(c.params)) return kt as KeyType;
    throw new Error('the token key is on an unsupported curve');
  }
  throw new Error(`CKA_KEY_TYPE ${ckk} is not supported`);
}

const readUlong = (b: Buffer) => (b.length >= 8 ? Number(b.readBigUInt64LE(0)) : b.readUInt32LE(0));

interface Open {
  lib: PKCS11;
  session: Handle;
}

/**
 * The PKCS#11 driver: one logged-in read-write session per driver, operations one at a time on it
 * (a PKCS#11 session runs one operation at a time). A lost session is reopened once per call.
 */
export class Pkcs11Driver implements Driver {
  readonly name = 'pkcs11';
  readonly capabilities: DriverCapabilities = { name: 'pkcs11', keyTypes: SUPPORTED, keyLocation: 'token', buildsOwnCertificate: false };
  /** Private fields: the PIN is not visible to util.inspect, JSON.stringify or a log of the driver. */
  readonly #config: Pkcs11Config;
  #open: Open | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(config: Pkcs11Config) {
    this.#config = { ...config };
  }

  get tokenLabel(): string {
    return this.#config.tokenLabel;
  }

  toJSON() {
    return { name: this.name, module: this.#config.module, tokenLabel: this.#config.tokenLabel };
  }

  async createKey(keyType: KeyType, label: string): Promise<TokenKeyHandle> {
    if (!SUPPORTED.includes(keyType)) throw new Error(`the pkcs11 driver cannot create ${keyType} keys`);
    if (!label) throw new Error('a token key needs a label');
    return this.#run(async ({ lib, session }) => {
      if (this.#find(lib, session, CK.CKO_PRIVATE_KEY, [{ type: CK.CKA_LABEL, value: label }]).length) {
        throw new Error(`the token already holds a key labelled "${label}"`);
      }
      const id = randomBytes(16);
      const common: Template = [
        { type: CK.CKA_TOKEN, value: true },
        { type: CK.CKA_LABEL, value: label },
        { type: CK.CKA_ID, value: id },
      ];
      const publicTemplate: Template = [...common, { type: CK.CKA_CLASS, value: CK.CKO_PUBLIC_KEY }, { type: CK.CKA_PRIVATE, value: false }, { type: CK.CKA_VERIFY, value: true }, { type: CK.CKA_ENCRYPT, value: false }, { type: CK.CKA_WRAP, value: false }];
      const privateTemplate: Template = [
        ...common,
        { type: CK.CKA_CLASS, value: CK.CKO_PRIVATE_KEY },
        { type: CK.CKA_PRIVATE, value: true },
        { type: CK.CKA_SENSITIVE, value: true },
        { type: CK.CKA_EXTRACTABLE, value: false },
        { type: CK.CKA_SIGN, value: true },
        { type: CK.CKA_DECRYPT, value: false },
        { type: CK.CKA_UNWRAP, value: false },
        { type: CK.CKA_DERIVE, value: false },
      ];
      let mechanism: number;
      if (keyType.startsWith('RSA')) {
        mechanism = CK.CKM_RSA_PKCS_KEY_PAIR_GEN;
        publicTemplate.push({ type: CK.CKA_MODULUS_BITS, value: Number(keyType.slice(4)) }, { type: CK.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) });
        privateTemplate.push({ type: CK.CKA_KEY_TYPE, value: CK.CKK_RSA });
      } else if (keyType === 'Ed25519') {
        mechanism = CK.CKM_EC_EDWARDS_KEY_PAIR_GEN;
        publicTemplate.push({ type: CK.CKA_EC_PARAMS, value: OIDS.ed25519 });
        privateTemplate.push({ type: CK.CKA_KEY_TYPE, value: CK.CKK_EC_EDWARDS });
      } else {
        mechanism = CK.CKM_EC_KEY_PAIR_GEN;
        publicTemplate.push({ type: CK.CKA_EC_PARAMS, value: EC_CURVES[keyType as keyof typeof EC_CURVES].params });
        privateTemplate.push({ type: CK.CKA_KEY_TYPE, value: CK.CKK_EC });
      }
      const pair = await lib.C_GenerateKeyPairAsync(session, { mechanism }, publicTemplate, privateTemplate);
      try {
        return this.#handle(lib, session, pair.publicKey, label, id, keyType);
      } catch (e) {
        // A key we cannot describe is a key nobody will use: do not leave it in the token.
        for (const h of [pair.privateKey, pair.publicKey]) {
          try {
            lib.C_DestroyObject(session, h);
          } catch {
            /* best effort */
          }
        }
        throw e;
      }
    });
  }

  async findKey(label: string): Promise<TokenKeyHandle | undefined> {
    return this.#run(({ lib, session }) => {
      const privates = this.#find(lib, session, CK.CKO_PRIVATE_KEY, [{ type: CK.CKA_LABEL, value: label }]);
      if (privates.length === 0) return undefined;
      if (privates.length > 1) throw new Error(`the token holds ${privates.length} private keys labelled "${label}"`);
      const [{ value: id }] = lib.C_GetAttributeValue(session, privates[0], [{ type: CK.CKA_ID }]);
      const publics = this.#find(lib, session, CK.CKO_PUBLIC_KEY, [{ type: CK.CKA_ID, value: id }]);
      if (publics.length !== 1) throw new Error(`the key labelled "${label}" has ${publics.length} public halves in the token`);
      return this.#handle(lib, session, publics[0], label, id);
    });
  }

  async deleteKey(key: TokenKeyHandle): Promise<void> {
    const id = Buffer.from(key.id, 'hex');
    await this.#run(({ lib, session }) => {
      for (const cls of [CK.CKO_PRIVATE_KEY, CK.CKO_PUBLIC_KEY]) {
        for (const h of this.#find(lib, session, cls, [{ type: CK.CKA_ID, value: id }, { type: CK.CKA_LABEL, value: key.label }])) lib.C_DestroyObject(session, h);
      }
    });
  }

  async sign(tbsDer: Buffer, algorithm: SignatureAlgorithm, key: KeyHandle): Promise<Buffer> {
    if (key.location !== 'token') throw new Error('the pkcs11 driver signs with token keys only');
    const { mechanism, data, fieldBytes } = this.#mechanismFor(key.keyType, algorithm, tbsDer);
    return this.#run(async ({ lib, session }) => {
      const found = this.#find(lib, session, CK.CKO_PRIVATE_KEY, [{ type: CK.CKA_ID, value: Buffer.from(key.id, 'hex') }, { type: CK.CKA_LABEL, value: key.label }]);
      if (found.length !== 1) throw new Error(`the token holds ${found.length} private keys for "${key.label}"`);
      lib.C_SignInit(session, { mechanism }, found[0]);
      const signature = await lib.C_SignAsync(session, data, Buffer.alloc(1024));
      return fieldBytes ? rawEcdsaToDer(signature, fieldBytes) : Buffer.from(signature);
    });
  }

  /** Runs `fn` with the driver's logged-in session, after every earlier call. For tests and tooling. */
  withSession<T>(fn: (lib: PKCS11, session: Handle) => T | Promise<T>): Promise<T> {
    return this.#run(({ lib, session }) => fn(lib, session));
  }

  async close(): Promise<void> {
    await this.#run(() => undefined).catch(() => undefined);
    this.#drop(true);
  }

  #mechanismFor(keyType: KeyType, algorithm: SignatureAlgorithm, tbs: Buffer): { mechanism: number; data: Buffer; fieldBytes?: number } {
    if (keyType.startsWith('RSA')) {
      if (!algorithm.oid.startsWith(ALG.rsaPrefix)) throw new Error(`${algorithm.name} is not an RSA signature`);
      if (algorithm.hash === 'sha256') return { mechanism: CK.CKM_SHA256_RSA_PKCS, data: tbs };
      if (algorithm.hash === 'sha384') return { mechanism: CK.CKM_SHA384_RSA_PKCS, data: tbs };
      throw new Error(`no PKCS#11 mechanism for ${algorithm.name}`);
    }
    if (keyType === 'Ed25519') {
      if (algorithm.oid !== ALG.ed25519) throw new Error(`${algorithm.name} is not an Ed25519 signature`);
      // PureEdDSA over the whole TBS; CKM_EDDSA without parameters is Ed25519.
      return { mechanism: CK.CKM_EDDSA, data: tbs };
    }
    if (!algorithm.oid.startsWith(ALG.ecdsaPrefix) || !algorithm.hash) throw new Error(`${algorithm.name} is not an ECDSA signature`);
    // CKM_ECDSA signs a digest: hash here, so any token with plain ECDSA will do (SoftHSM has no CKM_ECDSA_SHA256).
    return { mechanism: CK.CKM_ECDSA, data: createHash(algorithm.hash).update(tbs).digest(), fieldBytes: EC_CURVES[keyType as keyof typeof EC_CURVES].fieldBytes };
  }

  #find(lib: PKCS11, session: Handle, cls: number, template: Template): Handle[] {
    lib.C_FindObjectsInit(session, [{ type: CK.CKA_CLASS, value: cls }, { type: CK.CKA_TOKEN, value: true }, ...template]);
    try {
      const out: Handle[] = [];
      for (;;) {
        const batch = lib.C_FindObjects(session, 16);
        out.push(...batch);
        if (batch.length < 16) return out;
      }
    } finally {
      lib.C_FindObjectsFinal(session);
    }
  }

  #handle(lib: PKCS11, session: Handle, publicKeyObject: Handle, label: string, id: Buffer, expected?: KeyType): TokenKeyHandle {
    const [{ value: kt }] = lib.C_GetAttributeValue(session, publicKeyObject, [{ type: CK.CKA_KEY_TYPE }]);
    const ckk = readUlong(kt);
    const wanted = ckk === CK.CKK_RSA ? [CK.CKA_MODULUS, CK.CKA_PUBLIC_EXPONENT] : [CK.CKA_EC_PARAMS, CK.CKA_EC_POINT];
    const values = new Map(lib.C_GetAttributeValue(session, publicKeyObject, wanted.map((type) => ({ type }))).map((a) => [a.type, a.value]));
    const attr = (type: number) => {
      const v = values.get(type);
      if (!v) throw new Error(`the token did not return attribute 0x${type.toString(16)}`);
      return v;
    };
    const keyType = keyTypeOfToken(ckk, attr);
    if (expected && keyType !== expected) throw new Error(`the token made a ${keyType} key where ${expected} was asked for`);
    const publicKey: KeyObject = createPublicKey({ key: spkiOf(keyType, attr), format: 'der', type: 'spki' });
    if (keyTypeOf(publicKey) !== keyType) throw new Error(`the token's public key is not a ${keyType} key`);
    const uri = `pkcs11:token=${pct(this.#config.tokenLabel)};object=${pct(label)};id=${Array.from(id, (b) => `%${b.toString(16).padStart(2, '0')}`).join('')};type=private`;
    return { location: 'token', keyType, label, id: id.toString('hex'), uri, publicKey };
  }

  /** Serialises calls on the session; a lost session is reopened (and logged into) once. */
  #run<T>(fn: (open: Open) => T | Promise<T>): Promise<T> {
    const attempt = async (): Promise<T> => {
      try {
        return await fn(this.#ensureOpen());
      } catch (e) {
        const code = ckrOf(e);
        if (code === undefined || !SESSION_LOST.has(code)) throw e;
        this.#drop(code === 0x190);
        return fn(this.#ensureOpen());
      }
    };
    const result = this.#queue.then(attempt, attempt);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #ensureOpen(): Open {
    if (this.#open) return this.#open;
    const { module, tokenLabel, pin } = this.#config;
    const lib = acquireLibrary(module);
    try {
      const slot = lib.C_GetSlotList(true).find((s) => trimLabel(lib.C_GetTokenInfo(s).label) === tokenLabel);
      if (!slot) throw new Error(`no PKCS#11 token labelled "${tokenLabel}" in ${module}`);
      const session = lib.C_OpenSession(slot, CK.CKF_SERIAL_SESSION | CK.CKF_RW_SESSION);
      try {
        lib.C_Login(session, CK.CKU_USER, pin);
      } catch (e) {
        if (ckrOf(e) !== CK.CKR_USER_ALREADY_LOGGED_IN) {
          try {
            lib.C_CloseSession(session);
          } catch {
            /* closing a session that failed to log in */
          }
          // pkcs11js names the return value (e.g. CKR_PIN_INCORRECT), never the PIN.
          throw new Error(`PKCS#11 login to token "${tokenLabel}" failed: ${(e as Error).message}`);
        }
      }
      this.#open = { lib, session };
      return this.#open;
    } catch (e) {
      releaseLibrary(module);
      throw e;
    }
  }

  #drop(libraryGone = false): void {
    const open = this.#open;
    if (!open) return;
    this.#open = undefined;
    if (!libraryGone) {
      // No C_Logout: the login is the application's, shared with other drivers on this token;
      // closing the application's last session logs it out.
      try {
        open.lib.C_CloseSession(open.session);
      } catch {
        /* already closed */
      }
    }
    releaseLibrary(this.#config.module);
  }
}

/** A driver for the token named in `config`, completed from the environment (PKCS11_MODULE, PKCS11_TOKEN_LABEL, PKCS11_PIN). */
export function createPkcs11Driver(config: Partial<Pkcs11Config> = {}, env: NodeJS.ProcessEnv = process.env): Pkcs11Driver {
  return new Pkcs11Driver(
    pkcs11ConfigFromEnv({
      PKCS11_MODULE: config.module ?? env.PKCS11_MODULE,
      PKCS11_TOKEN_LABEL: config.tokenLabel ?? env.PKCS11_TOKEN_LABEL,
      PKCS11_PIN: config.pin ?? env.PKCS11_PIN,
    }),
  );
}
