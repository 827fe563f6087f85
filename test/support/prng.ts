/**
 * A small deterministic PRNG (mulberry32) and the helpers the fuzzers draw with: the same seed
 * replays the same run, so a failure is reproduced by its seed alone.
 */
export interface Rng {
  /** A float in [0, 1). */
  (): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export function prng(seed: number): Rng {
  let s = seed | 0;
  const next = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = next as Rng;
  rng.int = (n) => Math.floor(next() * n);
  rng.pick = (xs) => xs[Math.floor(next() * xs.length)];
  rng.chance = (p) => next() < p;
  return rng;
}
