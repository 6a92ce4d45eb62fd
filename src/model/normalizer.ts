/**
 * The input normalizer's exact integer arithmetic, shared by training (as a fixed
 * preprocessing step, so the network is trained on exactly what the hardware feeds it), the
 * integer reference model and the hardware generator's TypeScript block model.
 */
import type { Normalizer, OffsetNormalizer, ZScoreNormalizer } from './qmodel.ts';

/** floor(sqrt(n)) for a non-negative bigint, exactly (Newton's method from above). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError(`isqrt of negative ${n}`);
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n)))) + 1n;
  while (x * x > n) x = (x + n / x) >> 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** Integer division rounding toward minus infinity (JavaScript's `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** The per-window statistics the z-score hardware computes once per window. */
export interface ZScoreStats {
  mean: number;
  /** isqrt(N*S2 - S1^2), i.e. N times the standard deviation, floored */
  sdN: bigint;
  /** the reciprocal scale r */
  recip: number;
}

export function zscoreStats(x: ArrayLike<number>, nz: ZScoreNormalizer): ZScoreStats {
  const n = x.length;
  // Sums stay exact in doubles for any realistic window (|x| < 2^15, N < 2^20 keeps S2 < 2^50).
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    s1 += v;
    s2 += v * v;
  }
  const N = BigInt(n);
  const S1 = BigInt(s1);
  const S2 = BigInt(s2);
  const mean = Number(floorDiv(S1, N));
  const sdN = isqrt(N * S2 - S1 * S1);
  const rFull = (N << BigInt(nz.recipBits)) / (sdN > 0n ? sdN : 1n);
  const rMax = (1n << BigInt(nz.recipWidth)) - 1n;
  const recip = Number(rFull < rMax ? rFull : rMax);
  return { mean, sdN, recip };
}

export function zscoreWindow(x: ArrayLike<number>, nz: ZScoreNormalizer, out: Int32Array = new Int32Array(x.length)): Int32Array {
  const { mean, recip } = zscoreStats(x, nz);
  const div = 2 ** (nz.recipBits - nz.fracBits);
  // Clamp bounds hoisted out of the loop: computing 2 ** (outBits - 1) per sample made this
  // loop most of the integer reference's time per window.
  const hi = 2 ** (nz.outBits - 1) - 1;
  const lo = -(2 ** (nz.outBits - 1));
  for (let i = 0; i < x.length; i++) {
    // |x - mean| < 2^16 and recip < 2^recipWidth (<= 2^31) keep the product exact in a double.
    const v = Math.floor(((x[i]! - mean) * recip) / div);
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

export function offsetWindow(x: ArrayLike<number>, nz: OffsetNormalizer, out: Int32Array = new Int32Array(x.length)): Int32Array {
  const div = 2 ** nz.shift;
  const hi = 2 ** (nz.outBits - 1) - 1;
  const lo = -(2 ** (nz.outBits - 1));
  for (let i = 0; i < x.length; i++) {
    const v = Math.floor((x[i]! - nz.offset) / div);
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

/** Normalizes one raw window into the integer z stream that feeds layer 1. */
export function normalizeWindow(x: ArrayLike<number>, nz: Normalizer, out?: Int32Array): Int32Array {
  if (nz.kind === 'zscore') {
    if (nz.recipBits < nz.fracBits) throw new RangeError('zscore normalizer needs recipBits >= fracBits');
    return zscoreWindow(x, nz, out);
  }
  return offsetWindow(x, nz, out);
}

/** The default normalizer of the shipped models: z in units of 1/32 standard deviation, 8 bits. */
export const DEFAULT_ZSCORE: ZScoreNormalizer = {
  kind: 'zscore',
  recipBits: 16,
  recipWidth: 16,
  fracBits: 5,
  outBits: 8,
};
