/**
 * Bit widths the generator needs, derived once from the model so the analytical estimate and
 * the generated blocks agree on them.
 */

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

/** n is a power of two (1, 2, 4, ...). */
export function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}
