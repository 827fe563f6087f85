import { randomBytes } from 'node:crypto';
import type { Handle, PKCS11 } from 'pkcs11js';
import type { KeyType, SignatureAlgorithm } from '../x509/index.js';
import { CK } from './pkcs11Constants.js';
import { describeTokenKey, keyPairTemplates, rawEcdsaToDer, signMechanism, SUPPORTED } from './pkcs11Keys.js';
import { ckrOf, closeSession, findObjects, openLoggedInSession, SESSION_LOST, type Open } from './pkcs11Session.js';
import type { Driver, DriverCapabilities, KeyHandle, TokenKeyHandle } from './types.js';

/*
 * CA keys inside a PKCS#11 token (SoftHSM2, a network HSM, a cloud HSM's PKCS#11 library).
 * Keys are generated in the token (sensitive, never extractable) and every signature is a C_Sign;
 * the process only ever holds the public key and the object's label and id.
 */

export { rawEcdsaToDer } from './pkcs11Keys.js';

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
      if (findObjects(lib, session, CK.CKO_PRIVATE_KEY, [{ type: CK.CKA_LABEL, value: label }]).length) {
        throw new Error(`the token already holds a key labelled "${label}"`);
      }
      const id = randomBytes(16);
      const { mechanism, publicTemplate, privateTemplate } = keyPairTemplates(keyType, label, id);
      const pair = await lib.C_GenerateKeyPairAsync(session, { mechanism }, publicTemplate, privateTemplate);
      try {
        return describeTokenKey(lib, session, pair.publicKey, this.#config.tokenLabel, label, id, keyType);
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
      const privates = findObjects(lib, session, CK.CKO_PRIVATE_KEY, [{ type: CK.CKA_LABEL, value: label }]);
      if (privates.length === 0) return undefined;
      if (privates.length > 1) throw new Error(`the token holds ${privates.length} private keys labelled "${label}"`);
      const [{ value: id }] = lib.C_GetAttributeValue(session, privates[0], [{ type: CK.CKA_ID }]);
      const publics = findObjects(lib, session, CK.CKO_PUBLIC_KEY, [{ type: CK.CKA_ID, value: id }]);
      if (publics.length !== 1) throw new Error(`the key labelled "${label}" has ${publics.length} public halves in the token`);
      return describeTokenKey(lib, session, publics[0], this.#config.tokenLabel, label, id);
    });
  }

  async deleteKey(key: TokenKeyHandle): Promise<void> {
    const id = Buffer.from(key.id, 'hex');
    await this.#run(({ lib, session }) => {
      for (const cls of [CK.CKO_PRIVATE_KEY, CK.CKO_PUBLIC_KEY]) {
        for (const h of findObjects(lib, session, cls, [{ type: CK.CKA_ID, value: id }, { type: CK.CKA_LABEL, value: key.label }])) lib.C_DestroyObject(session, h);
      }
    });
  }

  async sign(tbsDer: Buffer, algorithm: SignatureAlgorithm, key: KeyHandle): Promise<Buffer> {
    if (key.location !== 'token') throw new Error('the pkcs11 driver signs with token keys only');
    const { mechanism, data, fieldBytes } = signMechanism(key.keyType, algorithm, tbsDer);
    return this.#run(async ({ lib, session }) => {
      const found = findObjects(lib, session, CK.CKO_PRIVATE_KEY, [{ type: CK.CKA_ID, value: Buffer.from(key.id, 'hex') }, { type: CK.CKA_LABEL, value: key.label }]);
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
    this.#open = openLoggedInSession(this.#config);
    return this.#open;
  }

  #drop(libraryGone = false): void {
    const open = this.#open;
    if (!open) return;
    this.#open = undefined;
    closeSession(open, this.#config.module, libraryGone);
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
