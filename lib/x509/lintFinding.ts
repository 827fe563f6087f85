/** What the certificate linter (lint.ts) reports, and how its checks make a finding. */
export interface LintFinding {
  code: string;
  severity: 'error' | 'warning';
  message: string;
}

export type LintKind = 'root' | 'intermediate' | 'leaf';

export const err = (code: string, message: string): LintFinding => ({ code, severity: 'error', message });
export const warn = (code: string, message: string): LintFinding => ({ code, severity: 'warning', message });
