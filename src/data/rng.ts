/**
 * Seeded pseudo-random numbers (mulberry32). Every random choice in bitbeat that must be
 * reproducible (splits, synthetic ECG, training shuffles) draws from one of these, so the same
 * seed gives byte-identical output on every machine: only 32-bit integer arithmetic is used.
 */
export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of resolution. */
  (): number;
  /** Uniform integer in [0, maxExclusive); maxExclusive must be a positive integer <= 2^32. */
  int(maxExclusive: number): number;
  /** Standard normal deviate (Box-Muller, one value per call). */
  normal(): number;
}

/** Creates a mulberry32 generator. The seed is reduced to an unsigned 32-bit integer. */
export function makeRng(seed: number): Rng {
  let state = (Math.trunc(seed) >>> 0) ^ 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const rng = (() => nextUint32() / 4294967296) as Rng;
  rng.int = (maxExclusive: number): number => {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 4294967296) {
      throw new RangeError(`rng.int: maxExclusive must be an integer in [1, 2^32], got ${maxExclusive}`);
    }
    return Math.floor(rng() * maxExclusive);
  };
  rng.normal = (): number => {
    // 1 - u keeps the logarithm finite (u can be 0, never 1).
    const u = 1 - rng();
    const v = rng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return rng;
}

/** Integer in [0, maxExclusive) from any [0,1) source (helper for code holding a bare function). */
export function randomInt(rng: () => number, maxExclusive: number): number {
  return Math.floor(rng() * maxExclusive);
}

/** In-place Fisher-Yates shuffle driven by `rng`; returns the same array. */
export function shuffleInPlace<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}
