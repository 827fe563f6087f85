import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './openssl.js';

export const SOFTHSM_MODULE = process.env.PKCS11_MODULE || '/usr/lib/softhsm/libsofthsm2.so';

/**
 * A SoftHSM2 token of its own, in a temp dir: SOFTHSM2_CONF points at it (SoftHSM reads it at
 * C_Initialize, so set it before a driver first opens its token). `cleanup` removes the token.
 */
export function softhsmToken(label = 'test', pin = '1234'): { label: string; pin: string; module: string; dir: string; cleanup: () => void } {
  const tmp = tempDir();
  const tokens = join(tmp.dir, 'tokens');
  mkdirSync(tokens, { mode: 0o700 });
  const conf = join(tmp.dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '5678'], { stdio: 'pipe', env: { ...process.env, SOFTHSM2_CONF: conf } });
  return {
    label,
    pin,
    module: SOFTHSM_MODULE,
    dir: tmp.dir,
    cleanup: () => {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
      tmp.cleanup();
    },
  };
}
