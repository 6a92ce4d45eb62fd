/**
 * Bit widths the generator needs, derived once from the model so the analytical estimate and
 * the generated blocks agree on them.
 */
import type { Normalizer, QModel, ZScoreNormalizer } from '../src/model/qmodel.ts';

/** Bits of an unsigned number holding 0..n (at least 1). */
export function unsignedBits(n: number | bigint): number {
  let v = BigInt(n);
  if (v < 0n) throw new RangeError(`unsignedBits of negative ${v}`);
  let b = 0;
  while (v > 0n) {
    b++;
    v >>= 1n;
  }
  return Math.max(1, b);
}

/** Bits of a two's-complement number holding every integer in [lo, hi] (at least 2). */
export function signedBits(lo: number, hi: number): number {
  let b = 2;
  while (-(2 ** (b - 1)) > lo || 2 ** (b - 1) - 1 < hi) b++;
  return b;
}

/** Bits of a counter counting 0..n-1 (at least 1). */
export function counterBits(n: number): number {
  return unsignedBits(Math.max(0, n - 1));
}

/**
 * The z-score normalizer's register widths and its sequential step counts (see
 * blocks/normalizer.ts for the state machine these iterate in).
 *   S1 = sum x (signed), S2 = sum x^2 (unsigned), D = N*S2 - S1^2 (unsigned, >= 0),
 *   sdN = isqrt(D), numerator = N << recipBits, r = min(numerator / max(sdN,1), 2^recipWidth-1).
 */
export interface ZScoreWidths {
  n: number;
  sampleBits: number;
  s1: number;
  s2: number;
  d: number;
  sd: number;
  num: number;
  recip: number;
  /** x - mean */
  diff: number;
  /** (x - mean) * r */
  product: number;
  /** cycles of the stats phase, from the end of pass 1 to the first pass-2 read */
  statsCycles: number;
}

export function zscoreWidths(nz: ZScoreNormalizer, n: number, sampleBits: number): ZScoreWidths {
  const xMax = 2 ** (sampleBits - 1);
  const s1 = signedBits(-xMax * n, (xMax - 1) * n);
  const s2 = unsignedBits(BigInt(xMax) * BigInt(xMax) * BigInt(n));
  // D = N*S2 - S1^2 <= N*S2
  const d = unsignedBits(BigInt(xMax) * BigInt(xMax) * BigInt(n) * BigInt(n));
  const sd = Math.ceil(d / 2);
  const num = unsignedBits(BigInt(n) << BigInt(nz.recipBits));
  const recip = nz.recipWidth;
  const diff = sampleBits + 1;
  const product = diff + recip + 1;
  const nBits = unsignedBits(n);
  // mean: restoring division of |S1| by N (s1 steps); S1^2: shift-add (s1 steps);
  // N*S2: shift-add over the bits of N (nBits steps); isqrt: one step per result bit (sd);
  // reciprocal: restoring division (num steps); plus 4 state transitions.
  const statsCycles = s1 + s1 + nBits + sd + num + 4;
  return { n, sampleBits, s1, s2, d, sd, num, recip, diff, product, statsCycles };
}

/** Width of the normalizer's output z (layer 1's input). */
export function zBits(nz: Normalizer): number {
  return nz.outBits;
}

/** The z-score widths of a model, or null for another normalizer. */
export function modelZScoreWidths(model: QModel): ZScoreWidths | null {
  return model.normalizer.kind === 'zscore' ? zscoreWidths(model.normalizer, model.input.length, model.input.sampleBits) : null;
}
