import { execFile } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../errors/index.js';
import { decodeName, keyTypeOf, parseCsr, type KeyType, type SignatureAlgorithm } from '../x509/index.js';
import { generateMemoryKey, memoryPrivateKey, signInMemory } from './native.js';
import type { Driver, DriverCapabilities, IssueRequest, KeyHandle, MemoryKeyHandle } from './types.js';

const run = promisify(execFile);

/*
 * CloudFlare's cfssl (Debian's golang-cfssl, 1.2.0) as the certificate builder. cfssl does not sign
 * a bare TBS: it builds the whole certificate from a CSR and a signing profile, so this driver
 * issues leaves with `cfssl sign`. Keys stay what they are for the native driver (node:crypto
 * KeyObjects kept in Barbican): cfssl 1.2.0 `genkey` would only hand back a PEM on stdout, knows no
 * Ed25519, and would add nothing but a second path for key material. The CA's own self-signature
 * (before any CA certificate exists, which `cfssl sign` needs) is made in-process, on the same key.
 */

/** cfssl 1.2.0 parses RSA and ECDSA CA keys only ("Failed to parse private key" for Ed25519), and cannot verify Ed25519 CSRs. */
const SUPPORTED: readonly KeyType[] = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'EC-P256', 'EC-P384'];

const USAGE = {
  digitalSignature: 'digital signature',
  keyEncipherment: 'key encipherment',
  keyAgreement: 'key agreement',
  serverAuth: 'server auth',
  clientAuth: 'client auth',
  codeSigning: 'code signing',
  emailProtection: 'email protection',
} as const;

export interface CfsslOptions {
  /** The cfssl executable (CFSSL_BIN; default `cfssl` on PATH). */
  binary: string;
  /** Where the per-call private directory is made (CFSSL_TMPDIR; default /dev/shm when writable, so the CA key stays off disk, else the OS temp dir). */
  tmpRoot?: string;
  /** How long cfssl may run (CFSSL_TIMEOUT_MS; default 30 s). */
  timeoutMs: number;
}

export function cfsslOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CfsslOptions {
  const timeoutMs = Number(env.CFSSL_TIMEOUT_MS ?? 30_000);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('CFSSL_TIMEOUT_MS must be a positive number of milliseconds');
  return { binary: env.CFSSL_BIN || 'cfssl', tmpRoot: env.CFSSL_TMPDIR || undefined, timeoutMs };
}

/** A memory file system when there is one (Linux /dev/shm), so the CA key file never reaches a disk. */
function defaultTmpRoot(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', fsConstants.W_OK);
      return '/dev/shm';
    }
  } catch {
    /* no /dev/shm (macOS, AWS Lambda) */
  }
  return tmpdir();
}

/** Go's RFC 3339 (certificates hold whole seconds). */
const rfc3339 = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');

/** cfssl reports failures as one JSON line on stderr, `{"code":1234,"message":"..."}`; only that (or the last line, cut short) is kept. */
function cfsslFailure(stderr: string, fallback: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const line of lines.reverse()) {
    const m = /\{"code":\s*(\d+),\s*"message":\s*("(?:[^"\\]|\\.)*")\}/.exec(line);
    if (m) return `cfssl error ${m[1]}: ${JSON.parse(m[2]) as string}`;
  }
  return lines.length ? lines[0].slice(0, 300) : fallback;
}

export class CfsslError extends Error {}

/** cfssl's subject file: {"CN": ..., "names": [{"C", "ST", "L", "O", "OU"}]}. */
function cfsslSubject(s: NonNullable<IssueRequest['subject']>): Record<string, unknown> {
  const { CN, ...names } = s;
  return { ...(CN !== undefined ? { CN } : {}), ...(Object.keys(names).length ? { names: [names] } : {}) };
}

/**
 * cfssl 1.2.0 fills every subject field the SUBJECT file leaves empty from the CSR, and ignores
 * the profile's csr_whitelist for the subject: a CSR subject with fields the profile does not copy
 * (O=system:masters, serialNumber...) cannot be issued exactly as decided. Refused before cfssl
 * runs, with a reason the requester can act on (the issued = decided check would refuse it after).
 */
function refuseUncopiedSubjectFields(subjectDer: Buffer, subject: NonNullable<IssueRequest['subject']>): void {
  const extra = decodeName(subjectDer).filter((a) => (subject as Record<string, string | undefined>)[a.type] !== a.value);
  if (extra.length) {
    throw new AppError(
      'CFSSL_SUBJECT_UNSUPPORTED',
      422,
      `The cfssl signing driver copies every field of the CSR subject, and this CSR has ${[...new Set(extra.map((a) => a.type))].join(', ')} beyond what the profile issues; send a CSR whose subject has only the fields the profile copies (copy_subject_fields).`,
    );
  }
}

export class CfsslDriver implements Driver {
  readonly name = 'cfssl';
  readonly capabilities: DriverCapabilities = { name: 'cfssl', keyTypes: SUPPORTED, keyLocation: 'memory', buildsOwnCertificate: true };
  private readonly options: CfsslOptions;

  constructor(options: Partial<CfsslOptions> = {}) {
    this.options = { ...cfsslOptionsFromEnv(), ...options };
  }

  /** node:crypto makes the key (see above); only the types cfssl can sign with are offered. */
  async createKey(keyType: KeyType, label: string): Promise<MemoryKeyHandle> {
    if (!SUPPORTED.includes(keyType)) throw new Error(`cfssl 1.2.0 cannot sign with ${keyType} keys`);
    return generateMemoryKey(keyType, label);
  }

  /** The CA's self-signature only: leaves go through `issue`. Computed in-process with node:crypto. */
  async sign(tbsDer: Buffer, algorithm: SignatureAlgorithm, key: KeyHandle): Promise<Buffer> {
    return signInMemory(tbsDer, algorithm, memoryPrivateKey(key, 'cfssl'));
  }

  /**
   * `cfssl sign` of the CSR by the CA, with a one-off signing profile. The CA key, CA certificate,
   * CSR and profile are written to a fresh private directory (0700, files 0600) which is removed
   * whatever happens; cfssl runs with an empty environment (no PIN or password to inherit).
   */
  async issue(request: IssueRequest): Promise<string> {
    const caKey = memoryPrivateKey(request.caKey, 'cfssl');
    const caKeyType = keyTypeOf(caKey);
    if (!caKeyType || !SUPPORTED.includes(caKeyType)) throw new Error(`cfssl cannot sign with a ${caKeyType ?? caKey.asymmetricKeyType} CA key`);
    const caCert = new X509Certificate(request.caCertPem);
    if (!createPublicKey(caKey).equals(caCert.publicKey)) throw new Error('the CA key does not match the CA certificate');

    const notBefore = request.notBefore ?? new Date();
    const notAfter = request.notAfter ?? (request.expirySeconds !== undefined ? new Date(notBefore.getTime() + request.expirySeconds * 1000) : undefined);
    if (!notAfter) throw new Error('issue needs notAfter or expirySeconds');
    if (notAfter <= notBefore) throw new Error('notAfter must be after notBefore');

    const hostnames = request.sans.map((san) => {
      if (/[,\s]/.test(san.value)) throw new Error(`"${san.value}" cannot be passed to cfssl -hostname`);
      return san.value;
    });
    const csr = (() => {
      try {
        return parseCsr(request.csrPem);
      } catch {
        return undefined; // cfssl judges the CSR itself, and says why it refuses it
      }
    })();
    const subjectKeyType = csr?.keyType;
    if (request.subject && csr) refuseUncopiedSubjectFields(csr.subjectDer, request.subject);
    const keyUsage = request.keyUsage ?? (subjectKeyType?.startsWith('RSA') ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
    const extKeyUsage = request.extKeyUsage ?? ['serverAuth', 'clientAuth'];
    const profile = {
      signing: {
        default: {
          usages: [...keyUsage, ...extKeyUsage].map((u) => USAGE[u]),
          expiry: `${Math.max(1, Math.ceil((notAfter.getTime() - notBefore.getTime()) / 1000))}s`,
          not_before: rfc3339(notBefore),
          not_after: rfc3339(notAfter),
          ...(request.revocation ? { crl_url: request.revocation.crlUrl, ocsp_url: request.revocation.ocspUrl } : {}),
        },
      },
    };

    const dir = await mkdtemp(join(this.options.tmpRoot ?? defaultTmpRoot(), 'cfssl-'));
    const keyPath = join(dir, 'ca-key.pem');
    try {
      await chmod(dir, 0o700);
      const write = (name: string, data: string) => writeFile(join(dir, name), data, { mode: 0o600, flag: 'wx' });
      // PKCS#1 / SEC1: the forms every cfssl version parses.
      await write('ca-key.pem', caKey.export({ type: caKeyType.startsWith('RSA') ? 'pkcs1' : 'sec1', format: 'pem' }) as string);
      await write('ca.pem', request.caCertPem);
      await write('request.csr', request.csrPem);
      await write('config.json', JSON.stringify(profile));
      if (request.subject) await write('subject.json', JSON.stringify(cfsslSubject(request.subject)));

      const args = ['sign', '-loglevel', '2', '-ca', join(dir, 'ca.pem'), '-ca-key', keyPath, '-config', join(dir, 'config.json')];
      if (hostnames.length) args.push('-hostname', hostnames.join(','));
      args.push(join(dir, 'request.csr'));
      // cfssl's optional SUBJECT file: the decided subject, instead of the CSR's.
      if (request.subject) args.push(join(dir, 'subject.json'));

      let stdout: string;
      try {
        ({ stdout } = await run(this.options.binary, args, {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
          timeout: this.options.timeoutMs,
          maxBuffer: 1 << 20,
          encoding: 'utf8',
        }));
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { stderr?: string; killed?: boolean; signal?: string };
        if (err.code === 'ENOENT') throw new CfsslError(`cfssl not found ("${this.options.binary}")`);
        if (err.killed) throw new CfsslError(`cfssl sign did not finish within ${this.options.timeoutMs} ms`);
        throw new CfsslError(`cfssl sign failed: ${cfsslFailure(err.stderr ?? '', `exit ${String(err.code ?? err.signal)}`)}`);
      }
      let pem: unknown;
      try {
        pem = (JSON.parse(stdout) as { cert?: unknown }).cert;
      } catch {
        throw new CfsslError('cfssl sign printed no JSON');
      }
      if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) throw new CfsslError('cfssl sign returned no certificate');
      const issued = new X509Certificate(pem);
      if (!issued.verify(caCert.publicKey) || !issued.checkIssued(caCert)) throw new CfsslError('self-check failed: the cfssl certificate does not chain to its CA');
      return pem.endsWith('\n') ? pem : `${pem}\n`;
    } finally {
      // Overwrite the key file before unlinking it (it is in RAM on /dev/shm; on a disk this is best effort).
      await stat(keyPath)
        .then((s) => writeFile(keyPath, Buffer.alloc(s.size)))
        .catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }
}

export function createCfsslDriver(options: Partial<CfsslOptions> = {}): CfsslDriver {
  return new CfsslDriver(options);
}
