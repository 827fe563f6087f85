import { checkAnswer } from '../test/support/contract.js';
import type { Sent } from './send.js';
import { describeRequest } from './send.js';

/** Counts of one category, and the findings to print (the first few in full). */
export class Tally {
  sent = 0;
  accepted = 0;
  refused = 0;
  readonly codes = new Map<string, number>();
  readonly findings = new Map<string, number>();
  readonly examples: { index: number; sent: Sent }[] = [];
  /** Answers the API document does not describe (a status or code it does not list): told, not failed. */
  readonly undocumented = new Map<string, number>();
  started = Date.now();
  ms = 0;

  constructor(readonly category: string) {}

  add(s: Sent, index: number): void {
    this.sent++;
    const v = s.verdict;
    if (v.ok) this.checkContract(s);
    if (v.ok) {
      if (v.outcome === 'accepted') this.accepted++;
      else {
        this.refused++;
        this.codes.set(v.code, (this.codes.get(v.code) ?? 0) + 1);
      }
      return;
    }
    this.findings.set(v.finding, (this.findings.get(v.finding) ?? 0) + 1);
    if (this.examples.length < 10) this.examples.push({ index, sent: s });
  }

  private checkContract(s: Sent): void {
    const path = /^https?:/.test(s.request.path) ? new URL(s.request.path).pathname : s.request.path;
    try {
      checkAnswer(s.request.method, path, s.status, s.contentType ?? null, s.json);
    } catch (e) {
      // The route's template, the status and the code (or the check's complaint), without ids.
      const v = s.verdict;
      const what = `${s.request.label.split(':')[0]} → ${s.status}${v.ok && v.outcome === 'refused' ? ` ${v.code}` : ''}`;
      this.undocumented.set(what, (this.undocumented.get(what) ?? 0) + 1);
      if (!(e instanceof Error) || e.name !== 'ContractViolation') throw e;
    }
  }

  done(): void {
    this.ms = Date.now() - this.started;
  }

  get failed(): number {
    return [...this.findings.values()].reduce((a, b) => a + b, 0);
  }

  count(finding: string): number {
    return this.findings.get(finding) ?? 0;
  }
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

export function printSummary(tallies: Tally[], seed: number): void {
  console.log(`\n== fuzz summary (seed ${seed})`);
  console.log(`${'category'.padEnd(9)} ${pad('sent', 7)} ${pad('2xx', 6)} ${pad('4xx', 7)} ${pad('5xx', 5)} ${pad('hangs', 6)} ${pad('dropped', 8)} ${pad('not JSON', 9)} ${pad('no code', 8)} ${pad('other', 6)} ${pad('s', 7)} ${pad('req/s', 7)}`);
  for (const t of tallies) {
    const other = t.count('unexpected status');
    console.log(
      `${t.category.padEnd(9)} ${pad(t.sent, 7)} ${pad(t.accepted, 6)} ${pad(t.refused, 7)} ${pad(t.count('server error'), 5)} ${pad(t.count('hang'), 6)} ${pad(t.count('connection failed'), 8)} ${pad(t.count('not JSON'), 9)} ${pad(t.count('no code'), 8)} ${pad(other, 6)} ${pad((t.ms / 1000).toFixed(1), 7)} ${pad((t.sent / Math.max(t.ms / 1000, 0.001)).toFixed(1), 7)}`,
    );
  }
  for (const t of tallies) {
    const top = [...t.codes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log(`  ${t.category} 4xx by code: ${top.map(([c, n]) => `${c} ${n}`).join(', ')}${t.codes.size > 12 ? `, … (${t.codes.size} codes)` : ''}`);
  }
  for (const t of tallies) {
    if (!t.undocumented.size) continue;
    const top = [...t.undocumented.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.log(`  ${t.category} answers the API document does not describe (not failures): ${top.map(([c, n]) => `${c} (${n})`).join('; ')}${t.undocumented.size > 8 ? `; … (${t.undocumented.size} kinds)` : ''}`);
  }
}

export function printFindings(tallies: Tally[], seed: number): void {
  for (const t of tallies) {
    for (const { index, sent } of t.examples) {
      const v = sent.verdict;
      if (v.ok) continue;
      console.log(`\n!! ${t.category} case #${index}: ${v.finding} — ${sent.request.label}\n  replay: FUZZ_SEED=${seed} FUZZ_CASE=${t.category}:${index} npm run fuzz\n  ${describeRequest(sent.request)}\n  answer: ${v.detail}`);
    }
  }
}
