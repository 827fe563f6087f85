import { createHash, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPkcs11Driver, Pkcs11Driver, rawEcdsaToDer } from '../../../lib/drivers/pkcs11.js';
import type { TokenKeyHandle } from '../../../lib/drivers/index.js';
import { signatureAlgorithmFor, type KeyType } from '../../../lib/x509/index.js';
import { softhsmToken } from '../../support/softhsm.js';

const PIN = '1234';
const LABEL = 'pkcs11-test';

// PKCS#11 attribute types and return values the checks read directly.
const CKA = { TOKEN: 0x1, PRIVATE: 0x2, VALUE: 0x11, ID: 0x102, SENSITIVE: 0x103, SIGN: 0x108, PRIVATE_EXPONENT: 0x123, PRIME_1: 0x124, EXTRACTABLE: 0x162, NEVER_EXTRACTABLE: 0x164, ALWAYS_SENSITIVE: 0x165, CLASS: 0x0 };
const CKR_ATTRIBUTE_SENSITIVE = 0x11;
const CKO_PRIVATE_KEY = 3;

let hsm: ReturnType<typeof softhsmToken>;
let driver: Pkcs11Driver;

beforeAll(() => {
  hsm = softhsmToken(LABEL, PIN);
  driver = createPkcs11Driver({ tokenLabel: LABEL, pin: PIN, module: hsm.module });
});
afterAll(async () => {
  await driver.close();
  hsm.cleanup();
});

/** The private half's object handle, found by CKA_ID, and a reader of its attributes. */
async function privateAttributes(key: TokenKeyHandle, types: number[]) {
  return driver.withSession((lib, session) => {
    lib.C_FindObjectsInit(session, [
      { type: CKA.CLASS, value: CKO_PRIVATE_KEY },
      { type: CKA.ID, value: Buffer.from(key.id, 'hex') },
    ]);
    const [handle] = lib.C_FindObjects(session, 2);
    lib.C_FindObjectsFinal(session);
    const read = (type: number) => {
      try {
        return { value: lib.C_GetAttributeValue(session, handle, [{ type }])[0].value };
      } catch (e) {
        return { error: (e as { code?: number }).code };
      }
    };
    const setExtractable = () => {
      try {
        lib.C_SetAttributeValue(session, handle, [{ type: CKA.EXTRACTABLE, value: true }]);
        return 'changed';
      } catch (e) {
        return (e as Error).message;
      }
    };
    return { values: Object.fromEntries(types.map((t) => [t, read(t)])), setExtractable: setExtractable() };
  });
}

const bool = (r: { value?: Buffer }) => r.value?.[0] === 1;

describe('rawEcdsaToDer', () => {
  it('turns r||s into a minimal DER ECDSA-Sig-Value that node:crypto verifies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 50; i++) {
      const data = Buffer.from(`message ${i}`);
      const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const der = rawEcdsaToDer(raw, 32);
      expect(verify('sha256', data, publicKey, der)).toBe(true);
    }
  });

  it('keeps INTEGERs positive and minimal', () => {
    const r = Buffer.alloc(32, 0);
    r[31] = 1; // leading zeros dropped
    const s = Buffer.alloc(32, 0xff); // high bit: a 0x00 is prepended
    const der = rawEcdsaToDer(Buffer.concat([r, s]), 32);
    expect(der.toString('hex')).toBe(`3026020101022100${'ff'.repeat(32)}`);
  });

  it('refuses what is not r||s of the curve', () => {
    expect(() => rawEcdsaToDer(Buffer.alloc(63), 32)).toThrow();
    expect(() => rawEcdsaToDer(Buffer.alloc(96), 32)).toThrow();
  });
});

describe('pkcs11 driver on a SoftHSM2 token', () => {
  it.each<[KeyType, number[]]>([
    ['RSA-2048', [CKA.PRIVATE_EXPONENT, CKA.PRIME_1]],
    ['EC-P256', [CKA.VALUE]],
    ['Ed25519', [CKA.VALUE]],
  ])('keeps the %s private key in the token: sensitive, never extractable, secret parts unreadable', async (keyType, secretParts) => {
    const key = await driver.createKey(keyType, `secret-${keyType}-${randomUUID()}`);
    const attrs = await privateAttributes(key, [CKA.TOKEN, CKA.PRIVATE, CKA.SENSITIVE, CKA.EXTRACTABLE, CKA.NEVER_EXTRACTABLE, CKA.ALWAYS_SENSITIVE, CKA.SIGN, ...secretParts]);
    expect(bool(attrs.values[CKA.TOKEN])).toBe(true);
    expect(bool(attrs.values[CKA.PRIVATE])).toBe(true);
    expect(bool(attrs.values[CKA.SENSITIVE])).toBe(true);
    expect(bool(attrs.values[CKA.EXTRACTABLE])).toBe(false);
    expect(bool(attrs.values[CKA.NEVER_EXTRACTABLE])).toBe(true);
    expect(bool(attrs.values[CKA.ALWAYS_SENSITIVE])).toBe(true);
    expect(bool(attrs.values[CKA.SIGN])).toBe(true);
    for (const part of secretParts) expect(attrs.values[part]).toEqual({ error: CKR_ATTRIBUTE_SENSITIVE });
    // CKA_EXTRACTABLE cannot be turned back on.
    expect(attrs.setExtractable).not.toBe('changed');
    // And the handle the process holds has no private material at all.
    expect(Object.keys(key).sort()).toEqual(['id', 'keyType', 'label', 'location', 'publicKey', 'uri']);
  });

  it('names the key with an RFC 7512 URI and finds it again by label, in a new session', async () => {
    const label = `ca/${randomUUID()}`;
    const key = await driver.createKey('EC-P256', label);
    expect(key.uri).toBe(`pkcs11:token=${LABEL};object=ca%2f${label.slice(3)};id=${key.id.replace(/../g, '%$&')};type=private`);

    const other = createPkcs11Driver({ tokenLabel: LABEL, pin: PIN, module: hsm.module });
    try {
      const found = await other.findKey(label);
      expect(found).toBeDefined();
      expect(found!.id).toBe(key.id);
      expect(found!.keyType).toBe('EC-P256');
      expect(found!.uri).toBe(key.uri);
      expect(found!.publicKey.equals(key.publicKey)).toBe(true);
      const algorithm = signatureAlgorithmFor('EC-P256');
      const data = Buffer.from('signed through the other session');
      expect(verify(algorithm.hash, data, key.publicKey, await other.sign(data, algorithm, found!))).toBe(true);
      expect(await other.findKey(`missing-${randomUUID()}`)).toBeUndefined();
    } finally {
      await other.close();
    }
    // The first driver's session is untouched by the other's close.
    const algorithm = signatureAlgorithmFor('EC-P256');
    expect(verify(algorithm.hash, Buffer.from('x'), key.publicKey, await driver.sign(Buffer.from('x'), algorithm, key))).toBe(true);
  });

  it('refuses a second key under a label already in the token', async () => {
    const label = `dup-${randomUUID()}`;
    await driver.createKey('EC-P256', label);
    await expect(driver.createKey('EC-P256', label)).rejects.toThrow(/already holds a key labelled/);
  });

  it('deletes both halves of a key', async () => {
    const label = `gone-${randomUUID()}`;
    const key = await driver.createKey('EC-P384', label);
    await driver.deleteKey(key);
    expect(await driver.findKey(label)).toBeUndefined();
    await expect(driver.sign(Buffer.from('x'), signatureAlgorithmFor('EC-P384'), key)).rejects.toThrow(/0 private keys/);
  });

  it('signs RSA with the mechanism of the hash and refuses an algorithm of another family', async () => {
    const key = await driver.createKey('RSA-2048', `rsa-${randomUUID()}`);
    const data = Buffer.from('tbs');
    const sha384 = { oid: '1.2.840.113549.1.1.12', name: 'sha384WithRSAEncryption', hash: 'sha384' as const };
    expect(verify('sha384', data, key.publicKey, await driver.sign(data, sha384, key))).toBe(true);
    expect(verify('sha256', data, key.publicKey, await driver.sign(data, signatureAlgorithmFor('RSA-2048'), key))).toBe(true);
    await expect(driver.sign(data, signatureAlgorithmFor('EC-P256'), key)).rejects.toThrow(/not an RSA signature/);
    await expect(driver.sign(data, signatureAlgorithmFor('RSA-2048'), { location: 'memory' } as never)).rejects.toThrow(/token keys only/);
  });

  it('serialises concurrent calls on its session', async () => {
    const key = await driver.createKey('EC-P256', `busy-${randomUUID()}`);
    const algorithm = signatureAlgorithmFor('EC-P256');
    const data = Array.from({ length: 40 }, (_, i) => createHash('sha256').update(String(i)).digest());
    const signatures = await Promise.all(data.map((d) => driver.sign(d, algorithm, key)));
    signatures.forEach((s, i) => expect(verify('sha256', data[i], key.publicKey, s)).toBe(true));
  });

  it('needs a token label and a PIN, and says which token it cannot find', async () => {
    expect(() => createPkcs11Driver({}, {})).toThrow(/PKCS11_TOKEN_LABEL/);
    expect(() => createPkcs11Driver({ tokenLabel: 'x' }, {})).toThrow(/PKCS11_PIN/);
    const nowhere = createPkcs11Driver({ tokenLabel: 'no-such-token', pin: PIN, module: hsm.module });
    await expect(nowhere.createKey('EC-P256', 'x')).rejects.toThrow(/no PKCS#11 token labelled "no-such-token"/);
    await nowhere.close();
  });

  it('never shows the PIN: not in inspect or JSON of the driver, not in a failed login', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(driver, { showHidden: true, depth: 5 })).not.toContain(PIN);
    expect(JSON.stringify(driver)).not.toContain(PIN);

    // The login is the application's: only with every session of this process closed is a wrong PIN checked.
    await driver.close();
    const wrongPin = 'wrong-pin-97531';
    const wrong = createPkcs11Driver({ tokenLabel: LABEL, pin: wrongPin, module: hsm.module });
    const error = await wrong.createKey('EC-P256', 'never').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/login to token "pkcs11-test" failed: .*CKR_PIN_INCORRECT/);
    expect(`${error?.message} ${error?.stack} ${inspect(error)}`).not.toContain(wrongPin);
    await wrong.close();

    // The driver reopens (and logs in again) on next use.
    const key = await driver.createKey('EC-P256', `after-close-${randomUUID()}`);
    expect(key.keyType).toBe('EC-P256');
  });
});
