import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's interpreter (the OpenStack libraries are Debian packages, not pip ones). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const PACKAGE = join(import.meta.dirname, '..', '..', 'integrations', 'python');

/** Whether the Debian packages a suite needs are there (python3-openstackclient, python3-octavia). */
export function hasPythonModules(...modules: string[]): boolean {
  if (!existsSync(SYSTEM_PYTHON)) return false;
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs integrations/python into `dir`/site (pip --target, offline, no dependencies: they are
 * Debian's), nothing global: PYTHONPATH=<site> makes the package and its entry points (openstack.cli.extension,
 * octavia.cert_generator) visible to /usr/bin/openstack and /usr/bin/python3. Copied first so the source
 * tree gets no build/ directory. Returns the site directory.
 */
export function installPackage(dir: string): string {
  const src = join(dir, 'src');
  const site = join(dir, 'site');
  cpSync(PACKAGE, src, { recursive: true, filter: (p) => !/(^|\/)(build|__pycache__|[^/]*\.egg-info)$/.test(p) });
  mkdirSync(site, { recursive: true });
  execFileSync(SYSTEM_PYTHON, ['-m', 'pip', 'install', '--quiet', '--no-deps', '--no-build-isolation', '--no-index', '--target', site, src], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });
  return site;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with a clean OpenStack environment (no OS_* of the test process) plus `env`. */
export function runCommand(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...clean, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
