import { sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleCsr, buildCsrInfo } from '../../lib/x509/csrBuilder.js';
import { encodeName, signatureAlgorithmFor, toPem, type KeyType } from '../../lib/x509/index.js';
import { openssl } from './openssl.js';
import { keyPairFor } from './keys.js';

/**
 * External CAs as a tenant runs them: keys, roots and intermediates made by the openssl CLI
 * (`req -x509`, `x509 -req`, `ca`), never by our code. Our CA's key and CSR come from node:crypto
 * and lib/x509/csrBuilder, as the worker would make them.
 */
export interface Issued {
  certPath: string;
  keyPath?: string;
  /** The file openssl wrote: with `ca`, the text dump of the certificate followed by its PEM. */
  pem: string;
}

export interface Issuer extends Issued {
  keyPath: string;
}

/** Extension lines of an ordinary CA certificate (openssl x509v3_config). */
export const CA_EXT = ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'];

export interface IssueOptions {
  /** Subject of the certificate when `csrPath` is not given (a fresh P-256 key is made). */
  cn?: string;
  csrPath?: string;
  /** Extension lines; default CA_EXT. */
  ext?: string[];
  days?: number;
  /** `openssl ca` instead of `openssl x509 -req`: needed for explicit dates. */
  via?: 'x509' | 'ca';
  /** With `via: 'ca'`: YYYYMMDDHHMMSSZ. */
  startdate?: string;
  enddate?: string;
  /** Copy the CSR's requested extensions (those the extension lines do not set). */
  copyExtensions?: boolean;
}

export class ExternalPki {
  private n = 0;

  constructor(readonly dir: string) {}

  private path(name: string): string {
    return join(this.dir, `${++this.n}-${name}`);
  }

  key(): string {
    const keyPath = this.path('key.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
    return keyPath;
  }

  /** A self-signed root: `openssl req -x509` with our extension section. */
  root(cn: string, ext: string[] = CA_EXT, days = 30): Issuer {
    const keyPath = this.key();
    const cfg = this.path('root.cnf');
    writeFileSync(cfg, `[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = ${cn}\n[ext]\n${ext.join('\n')}\n`);
    const certPath = this.path('root.pem');
    openssl(['req', '-x509', '-new', '-key', keyPath, '-config', cfg, '-extensions', 'ext', '-days', String(days), '-out', certPath]);
    return { certPath, keyPath, pem: readFileSync(certPath, 'utf8') };
  }

  /** A certificate signed by `issuer`, for a CSR given or made here (then with a fresh key). */
  issue(issuer: Issuer, o: IssueOptions = {}): Issuer | Issued {
    let keyPath: string | undefined;
    let csrPath = o.csrPath;
    if (!csrPath) {
      keyPath = this.key();
      csrPath = this.path('req.csr');
      openssl(['req', '-new', '-key', keyPath, '-subj', `/CN=${o.cn ?? 'Unnamed'}`, '-out', csrPath]);
    }
    const ext = this.path('ext.cnf');
    writeFileSync(ext, `[ext]\n${(o.ext ?? CA_EXT).join('\n')}\n`);
    const certPath = this.path('cert.pem');
    if ((o.via ?? 'x509') === 'x509') {
      const args = ['x509', '-req', '-in', csrPath, '-CA', issuer.certPath, '-CAkey', issuer.keyPath, '-set_serial', String(1000 + this.n), '-days', String(o.days ?? 20), '-extfile', ext, '-extensions', 'ext', '-out', certPath];
      if (o.copyExtensions) args.push('-copy_extensions', 'copy');
      openssl(args);
    } else {
      const cfg = this.caConfig(issuer, o, ext);
      const args = ['ca', '-batch', '-config', cfg, '-in', csrPath, '-out', certPath];
      if (o.startdate) args.push('-startdate', o.startdate);
      if (o.enddate) args.push('-enddate', o.enddate);
      else args.push('-days', String(o.days ?? 20));
      openssl(args);
    }
    return { certPath, keyPath, pem: readFileSync(certPath, 'utf8') };
  }

  /** A minimal `openssl ca` configuration in its own directory: index, serial, policy_anything. */
  private caConfig(issuer: Issuer, o: IssueOptions, extPath: string): string {
    const home = this.path('ca');
    mkdirSync(join(home, 'newcerts'), { recursive: true });
    writeFileSync(join(home, 'index.txt'), '');
    writeFileSync(join(home, 'serial'), '1000\n');
    const cfg = join(home, 'ca.cnf');
    writeFileSync(
      cfg,
      [
        '[ca]',
        'default_ca = ext_ca',
        '[ext_ca]',
        `dir = ${home}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir/newcerts',
        'serial = $dir/serial',
        `certificate = ${issuer.certPath}`,
        `private_key = ${issuer.keyPath}`,
        'default_md = sha256',
        'policy = policy_anything',
        'unique_subject = no',
        'email_in_dn = no',
        'preserve = yes',
        `copy_extensions = ${o.copyExtensions ? 'copy' : 'none'}`,
        'x509_extensions = ext',
        '[policy_anything]',
        'countryName = optional',
        'stateOrProvinceName = optional',
        'localityName = optional',
        'organizationName = optional',
        'organizationalUnitName = optional',
        'commonName = supplied',
        'emailAddress = optional',
        readFileSync(extPath, 'utf8'),
      ].join('\n'),
    );
    return cfg;
  }
}


export interface OurCa {
  keyType: KeyType;
  publicKey: KeyObject;
  privateKey: KeyObject;
  spkiDer: Buffer;
  csrPem: string;
  csrPath: string;
}

/** Our CA's key (node:crypto) and its CSR (csrBuilder), as the worker makes them for an external CA. */
export function ourCaCsr(dir: string, subject: { CN: string; O?: string }, keyType: KeyType = 'EC-P256', extensions: Parameters<typeof buildCsrInfo>[0]['extensions'] = { basicConstraintsCa: true }): OurCa {
  const { publicKey, privateKey } = keyPairFor(keyType);
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const info = buildCsrInfo({ subjectDer: encodeName(subject), spkiDer, extensions });
  const alg = signatureAlgorithmFor(keyType);
  const csrPem = toPem(assembleCsr(info, alg, sign(alg.hash, info, privateKey)), 'CERTIFICATE REQUEST');
  const csrPath = join(dir, `our-${Math.random().toString(36).slice(2)}.csr`);
  writeFileSync(csrPath, csrPem);
  return { keyType, publicKey, privateKey, spkiDer, csrPem, csrPath };
}
