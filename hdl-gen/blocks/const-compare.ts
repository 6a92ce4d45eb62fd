/**
 * Comparisons that Yosys 0.23 maps badly on iCE40, written so they map well.
 *
 * - A magnitude comparison with a constant (x >= c) becomes a carry chain with a LUT per bit;
 *   as the AND/OR chain of x's bits below it is a function of w inputs, about w/3 LUT4s
 *   (measured: `x < 5 | x >= 60`, `x < 8`, `x >= 7` on 7 bits: 17 LUT4 + 20 SB_CARRY).
 * - a - b and a > b between two signals cost two LUT4s per bit (one inverts b for the carry
 *   chain), a + b one (and a restoring choice `carry ? a + b : a` merges into the same LUT).
 *   So where b is a register that can be kept inverted, `carryAdd` compares or subtracts as an
 *   addition: a + ~b + 1 = a - b + 2^w, whose carry out says a >= b.
 */
import { constant, type Expr } from '../../src/hdl/index.ts';

/** x >= c for an unsigned x and a constant c, as an AND/OR chain of x's bits. */
export function geConst(x: Expr, c: number | bigint): Expr {
  const v = BigInt(c);
  const w = x.width;
  if (v <= 0n) return constant(1, 1);
  if (v >= 1n << BigInt(w)) return constant(0, 1);
  // from the lowest set bit of c (below it, any bits of x compare >= zeros) up to the MSB:
  // x[i:0] >= c[i:0] is x_i & (rest) where c_i = 1, x_i | (rest) where c_i = 0
  let low = 0;
  while (((v >> BigInt(low)) & 1n) === 0n) low++;
  let r: Expr = x.bit(low);
  for (let i = low + 1; i < w; i++) r = (v >> BigInt(i)) & 1n ? x.bit(i).and(r) : x.bit(i).or(r);
  return r;
}

/** x < c for an unsigned x and a constant c. */
export function ltConst(x: Expr, c: number | bigint): Expr {
  return geConst(x, c).not();
}

/**
 * a + nb + carryIn as a (w+1)-bit sum of two w-bit unsigned operands: with nb = ~b and
 * carryIn = 1, bit w says a >= b and the low w bits are a - b (mod 2^w); with carryIn = 0,
 * bit w says a > b.
 */
export function carryAdd(a: Expr, nb: Expr, carryIn: 0 | 1): Expr {
  const w = Math.max(a.width, nb.width);
  const s = a.asUnsigned().zext(w + 1).add(nb.asUnsigned().zext(w + 1)).trunc(w + 1);
  return carryIn ? s.add(constant(1, w + 1)).trunc(w + 1) : s;
}

/**
 * x == c for an unsigned x the design keeps at or below c (a counter that stops at c): the
 * AND of x's bits where c has a one (any x <= c with all of them is c itself), about a LUT4
 * per 4 one-bits instead of a full w-bit compare (3 LUT4 fewer on an 8-bit counter, measured
 * on the aami5 1-ms conv4 RAM window). c = 0 falls back to the full compare.
 */
export function eqConstAtMost(x: Expr, c: number | bigint): Expr {
  const v = BigInt(c);
  if (v <= 0n || v >= 1n << BigInt(x.width)) return x.eq(constant(v, x.width));
  let r: Expr | null = null;
  for (let i = x.width - 1; i >= 0; i--) if ((v >> BigInt(i)) & 1n) r = r ? r.and(x.bit(i)) : x.bit(i);
  return r!;
}
