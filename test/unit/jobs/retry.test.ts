import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../../lib/jobs/index.js';

describe('retryDelaySeconds', () => {
  it('doubles with each receive, between half and all of base × 2^(n-1)', () => {
    expect(retryDelaySeconds(1, 10, 300, () => 0)).toBe(5);
    expect(retryDelaySeconds(1, 10, 300, () => 1)).toBe(10);
    expect(retryDelaySeconds(3, 10, 300, () => 0)).toBe(20);
    expect(retryDelaySeconds(3, 10, 300, () => 1)).toBe(40);
  });
  it('stops at the cap, whatever the receive count', () => {
    expect(retryDelaySeconds(12, 10, 300, () => 1)).toBe(300);
    expect(retryDelaySeconds(1_000, 10, 300, () => 1)).toBe(300);
  });
  it('is never 0, so a failing message cannot spin', () => {
    expect(retryDelaySeconds(1, 1, 20, () => 0)).toBe(1);
    expect(retryDelaySeconds(0, 0, 20, () => 0)).toBe(1);
  });
});
