/**
 * Combinational multipliers for the input normalizer: shift-add for u^2 in pass 1, radix 4
 * with precomputed multiples for (x - mean) * r in pass 2 (r is fixed for a whole window).
 * They are partial-product sums built from adders, for devices without DSP cells (the
 * normalizer's multipliers: 'logic'); with 'dsp' it uses the HDL library's `mul` instead.
 *
 * Each partial product `b_j ? a << j : 0` is kept as a term (value, shift) without its
 * constant-zero low bits, and two terms are added only where both have real bits: the low
 * bits of the less-shifted term pass through as wires. That keeps every adder as narrow as
 * the product allows (no carry-chain cells spent on adding zeros). All adds are modular in the
 * product width, which is exact because the final product fits.
 */
import { cat, constant, mux, type Expr, type Module } from '../../src/hdl/index.ts';

interface Term {
  /** bits [width-1 : shift] of the partial sum (width - shift bits) */
  value: Expr;
  shift: number;
}

/**
 * a * b as a `width`-bit expression (signed when `a` is), `b` unsigned. `width` must hold the
 * product: a.width + b.width always does. Intermediate sums are named `<name>_l<level>_<i>`.
 */
export function multiplyShiftAdd(m: Module, name: string, a: Expr, b: Expr, width = a.width + b.width): Expr {
  if (b.signed) throw new Error(`multiplyShiftAdd ${name}: the multiplier b must be unsigned`);
  const signed = a.signed;
  const aExt = a.extend(Math.max(width, a.width)).trunc(width);
  const terms: Term[] = [];
  for (let j = 0; j < b.width && j < width; j++) {
    const shifted = aExt.slice(width - 1 - j, 0).as(signed);
    terms.push({ value: mux(b.bit(j), shifted, constant(0, width - j, signed)), shift: j });
  }
  return sumTerms(m, name, terms, width, signed);
}

/**
 * d * r for a signed `d` and an unsigned `r` that stays constant for many products (pass 2's
 * reciprocal), given its precomputed multiples `r3` = 3r and `rNeg` = -r (registers loaded
 * once per window): radix 4, so each pair of d's bits selects one of {0, r, 2r, 3r} and the
 * sign bit (weight -2^(w-1)) adds -r there. Half the rows of multiplyShiftAdd, each a 4:1 mux.
 */
export function multiplyRadix4(m: Module, name: string, d: Expr, r: Expr, r3: Expr, rNeg: Expr, width = d.width + r.width): Expr {
  if (!d.signed || r.signed || r3.signed || !rNeg.signed) throw new Error(`multiplyRadix4 ${name}: d and rNeg must be signed, r and r3 unsigned`);
  const low = d.width - 1; // magnitude bits below the sign
  const fit = (e: Expr, bits: number): Expr => (e.width >= bits ? e.trunc(bits) : e.extend(bits)).as(true);
  const terms: Term[] = [];
  for (let j = 0; 2 * j < low && 2 * j < width; j++) {
    const bits = width - 2 * j;
    const lo = d.bit(2 * j);
    const hi = 2 * j + 1 < low ? d.bit(2 * j + 1) : constant(0, 1);
    const one = fit(r.zext(r.width + 1), bits);
    const two = fit(cat(r, constant(0, 1)), bits);
    const three = fit(r3.zext(r3.width + 1), bits);
    const row = mux(hi, mux(lo, three, two), mux(lo, one, constant(0, bits, true)));
    terms.push({ value: m.let(`${name}_row${j}`, row), shift: 2 * j });
  }
  if (low < width) terms.push({ value: m.let(`${name}_sign`, mux(d.bit(low), fit(rNeg, width - low), constant(0, width - low, true))), shift: low });
  return sumTerms(m, name, terms, width, true);
}

function sumTerms(m: Module, name: string, terms: Term[], width: number, signed: boolean): Expr {
  for (let level = 1; terms.length > 1; level++) {
    const next: Term[] = [];
    for (let i = 0; i + 1 < terms.length; i += 2) next.push(addTerms(m, `${name}_l${level}_${i / 2}`, terms[i]!, terms[i + 1]!, width, signed));
    if (terms.length % 2 === 1) next.push(terms[terms.length - 1]!);
    terms = next;
  }
  const t = terms[0]!;
  return t.shift === 0 ? t.value : cat(t.value, constant(0, t.shift)).as(signed);
}

function addTerms(m: Module, name: string, x: Term, y: Term, width: number, signed: boolean): Term {
  const [lo, hi] = x.shift <= y.shift ? [x, y] : [y, x];
  const d = hi.shift - lo.shift;
  const top = lo.value.width - 1;
  // lo's bits at or above hi.shift line up with hi's; the ones below pass through unchanged.
  const loHigh = d === 0 ? lo.value : lo.value.slice(top, d).as(signed);
  const sum = loHigh.add(hi.value).trunc(width - hi.shift).as(signed);
  const value = d === 0 ? sum : cat(sum, lo.value.slice(d - 1, 0)).as(signed);
  return { value: m.let(name, value), shift: lo.shift };
}

/**
 * LUT4 estimate of multiplyShiftAdd(a, b, width) on iCE40 (LUT4 + carry chain), mirroring the
 * tree above: one LUT per added bit, and half a LUT more per bit of an operand that is still
 * a gated partial product (calibrated on Yosys 0.23 synth_ice40: 12x12 -> 291 LUT4, estimate
 * 306; 13x16 -> 523, estimate 483; 8x8 -> 128, estimate 132).
 */
export function multiplyShiftAddLuts(aWidth: number, bWidth: number, width = aWidth + bWidth): number {
  let terms = Array.from({ length: Math.min(bWidth, width) }, (_, j) => ({ bits: width - j, shift: j, gated: true }));
  let luts = 0;
  while (terms.length > 1) {
    const next: typeof terms = [];
    for (let i = 0; i + 1 < terms.length; i += 2) {
      const [lo, hi] = terms[i]!.shift <= terms[i + 1]!.shift ? [terms[i]!, terms[i + 1]!] : [terms[i + 1]!, terms[i]!];
      luts += hi.bits * (1 + 0.5 * ((lo.gated ? 1 : 0) + (hi.gated ? 1 : 0)));
      next.push({ bits: lo.bits, shift: lo.shift, gated: false });
    }
    if (terms.length % 2 === 1) next.push(terms[terms.length - 1]!);
    terms = next;
  }
  return Math.ceil(luts);
}

/**
 * LUT4 estimate of multiplyRadix4 (d of dWidth bits): one LUT and a quarter per row bit (the
 * 4:1 multiple select) plus one per added bit, mirroring the term tree (calibrated on Yosys
 * 0.23 synth_ice40 for 13 x 16 bits: about 335 LUT4).
 */
export function multiplyRadix4Luts(dWidth: number, width: number): number {
  const low = dWidth - 1;
  let terms: { bits: number; shift: number }[] = [];
  for (let j = 0; 2 * j < low && 2 * j < width; j++) terms.push({ bits: width - 2 * j, shift: 2 * j });
  if (low < width) terms.push({ bits: width - low, shift: low });
  let luts = 1.25 * terms.reduce((a, t) => a + t.bits, 0);
  while (terms.length > 1) {
    const next: typeof terms = [];
    for (let i = 0; i + 1 < terms.length; i += 2) {
      const [lo, hi] = terms[i]!.shift <= terms[i + 1]!.shift ? [terms[i]!, terms[i + 1]!] : [terms[i + 1]!, terms[i]!];
      luts += hi.bits;
      next.push(lo);
    }
    if (terms.length % 2 === 1) next.push(terms[terms.length - 1]!);
    terms = next;
  }
  return Math.ceil(luts);
}
