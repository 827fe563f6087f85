/**
 * The API document:
 *   openapi.ts            writes lib/openapi/openapi.json (what GET /v1/openapi.json serves; commit it)
 *   openapi.ts --lint     writes it to a temp file and runs `redocly lint` on it (redocly.yaml)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentDocument, DOCUMENT_FILE, documentText, ROOT } from '../lib/openapi/index.js';

const text = documentText(await currentDocument());
if (process.argv.includes('--lint')) {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, text);
  const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'redocly'), ['lint', '--config', join(ROOT, 'redocly.yaml'), file], { stdio: 'inherit', cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
  rmSync(dir, { recursive: true, force: true });
  process.exit(run.status ?? 1);
}
writeFileSync(DOCUMENT_FILE, text);
console.error(`wrote ${DOCUMENT_FILE}`);
