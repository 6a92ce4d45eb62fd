/**
 * Layer-1 dot product: integer inputs (the normalizer's z) times binary weights, as an
 * add/subtract tree: sum_i (w_i ? x_i : -x_i). With constant weights (one ROM word) each
 * term is fixed to x or -x at generation time. The tree pairs neighbours like the popcount's,
 * and like it takes optional pipeline registers (`stages`, enabled by `ce`) between levels:
 * on the iCE40 the unregistered tree + accumulator + threshold + pool of layer 1 was the
 * critical path of the whole accelerator (17 MHz on the UP5K).
 */
import { Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import { signedBits, unsignedBits } from '../widths.ts';
import { pipelinedAdderTree } from './adder-tree.ts';
import { ice40AddSubPair } from './ice40-addsub.ts';

export interface IntDotOptions {
  simd: number;
  /** width of each signed input */
  bits: number;
  /** constant weights (bit i = tap i); omit for a `w` input */
  weights?: bigint;
  /** pipeline register stages (default 0: combinational) */
  stages?: number;
  /**
   * iCE40 with two spare SB_MAC16 (weights from memory only, intDotDspFits): taps 0-5 are
   * added and subtracted in the DSPs' four 16-bit add/subtract units, the rest in LUTs (see
   * buildDspDot). The result arrives INT_DOT_DSP_STAGES enabled cycles later; `stages` is not used.
   */
  dsp?: boolean;
  name?: string;
}

/** Register stages of the DSP form (two SB_MAC16 output registers in series). */
export const INT_DOT_DSP_STAGES = 2;
/** SB_MAC16 cells the DSP form takes. */
export const INT_DOT_DSP_CELLS = 2;

/** Whether the DSP form applies: six taps for its four units, and sums of four taps within 16 bits. */
export function intDotDspFits(simd: number, bits: number): boolean {
  return simd >= 6 && intDotWidth(4, bits) <= 16;
}

export function intDotWidth(simd: number, bits: number): number {
  const m = simd * 2 ** (bits - 1);
  return signedBits(-m, m);
}

export function intDot(o: IntDotOptions): Module {
  const { simd, bits } = o;
  const stages = o.stages ?? 0;
  const m = new Module(o.name ?? `int_dot_${simd}x${bits}${o.weights !== undefined ? 'c' : ''}${o.dsp ? '_dsp' : `_p${stages}`}`, {
    description: o.dsp ? 'integer x binary weight dot product (add/subtract units in two SB_MAC16, the rest in LUTs)' : 'integer x binary weight dot product (add/subtract tree)',
    params: o.dsp ? { simd, bits, dsp: true } : { simd, bits, constantWeights: o.weights !== undefined, stages },
  });
  const x = m.input('x', simd * bits);
  const w = o.weights === undefined ? m.input('w', simd) : null;
  const ce = stages > 0 || o.dsp ? m.input('ce', 1) : null;
  let sum: Expr;
  if (o.dsp) {
    if (!w || !intDotDspFits(simd, bits)) throw new RangeError(`intDot: the DSP form needs weights from memory and ${simd} >= 6 taps of at most ${bits} bits whose sums of four fit 16 bits`);
    sum = buildDspDot(m, x, w, ce!, simd, bits, m.name);
  } else if (w) {
    // -x = ~x + 1: each term is x or ~x (a LUT per bit, no carry chain), and the +1s are one
    // more leaf, the count of minus weights. On the iCE40 a negation was an adder of its own
    // and the w-select a LUT per bit on top: 224 -> 131 LUT4 for 7 taps of 8 bits.
    const terms: Expr[] = [];
    for (let i = 0; i < simd; i++) {
      const xi = x.slice(i * bits + bits - 1, i * bits).asSigned();
      terms.push(m.let(`t${i}`, xi.xnor(w.bit(i).replicate(bits).asSigned())));
    }
    const minus = Array.from({ length: simd }, (_, i) => w.bit(i).not());
    const countBits = unsignedBits(simd);
    const count = minus.length === 1 ? minus[0]! : pipelinedAdderTree(m, minus.map((b) => b.zext(countBits)), 0, null, false).trunc(countBits);
    terms.push(m.let('minus_count', count.zext(Math.max(bits, countBits + 1)).asSigned()));
    // the leaves count as level 0, so a single stage on a small tree may sit right after the terms
    sum = pipelinedAdderTree(m, terms, stages, ce, true);
  } else {
    // Constant weights: the plus taps' sum minus the minus taps' sum, two pairing trees and one
    // subtraction at the end, instead of a negation (an adder of its own) per minus tap.
    const plus: Expr[] = [];
    const minus: Expr[] = [];
    for (let i = 0; i < simd; i++) {
      const xi = x.slice(i * bits + bits - 1, i * bits).asSigned();
      (((o.weights! >> BigInt(i)) & 1n) === 1n ? plus : minus).push(xi);
    }
    const p = plus.length ? m.let('plus_sum', pipelinedAdderTree(m, plus, stages, ce, true, 'p')) : null;
    const q = minus.length ? m.let('minus_sum', pipelinedAdderTree(m, minus, stages, ce, true, 'q')) : null;
    sum = p && q ? p.sub(q) : p ?? q!.neg();
  }
  const W = intDotWidth(simd, bits);
  m.output('sum', W, { signed: true }).set(sum.width >= W ? sum.trunc(W) : sum.sext(W));
  return m;
}

/**
 * The DSP form. Each SB_MAC16 unit computes upper +- lower, never -upper, so the taps are
 * grouped, each group's sum taken relative to the sign of its first tap:
 *   DSP 1:  A = x0 +- x1   (minus where w0 != w1)     B = x2 +- x3   (w2 != w3)
 *   DSP 2:  G = A +- B     (w0 != w2)                 P = x4 +- x5   (w4 != w5, behind the
 *           DSP's input registers, so that P arrives with G)
 * so that s0*G = sum of s_i x_i over taps 0-3 and s4*P over taps 4-5 (s_i = +1 where w_i = 1,
 * else -1). The LUTs then add s0*G, s4*P and s_i x_i for the taps from 6 on, each as x or ~x
 * with the count of the ~ terms as one more leaf, as the LUT form does for every tap (x_6 and
 * the weights' sign bits wait two cycles in flip-flops). The relative signs are XORs of two
 * weight bits, which Yosys merges into the weight ROM's LUTs. On the UP5K, 7 taps of 8 bits:
 * 131 -> 63 LUT4 for the two DSPs (Yosys 0.23, the block alone).
 * Each partial sum is exact in 16 bits (intDotDspFits) and is read back at its own width.
 */
function buildDspDot(m: Module, x: Expr, w: Expr, ce: Expr, simd: number, bits: number, name: string): Expr {
  const tap = (i: number) => x.slice(i * bits + bits - 1, i * bits).asSigned();
  const to16 = (e: Expr) => e.sext(16).asUnsigned();
  const differ = (i: number, j: number) => m.let(`sub_${i}_${j}`, w.bit(i).xor(w.bit(j)));
  const reg = (regName: string, e: Expr): Signal => {
    const r = m.reg(regName, e.width, { reset: null, enable: ce, signed: e.signed });
    r.set(e);
    return r;
  };
  const dsp1 = m.instance('dsp1', ice40AddSubPair({ name: `${name}_dsp1` }));
  dsp1.bind('ce', ce).bind('c', to16(tap(0))).bind('a', to16(tap(1))).bind('d', to16(tap(2))).bind('b', to16(tap(3)));
  dsp1.bind('sub_top', differ(0, 1)).bind('sub_bot', differ(2, 3));
  const o1 = dsp1.out('o');
  const dsp2 = m.instance('dsp2', ice40AddSubPair({ bottomInputRegs: true, name: `${name}_dsp2` }));
  dsp2.bind('ce', ce).bind('c', o1.slice(31, 16)).bind('a', o1.slice(15, 0)).bind('d', to16(tap(4))).bind('b', to16(tap(5)));
  dsp2.bind('sub_top', reg('sub_g', differ(0, 2))).bind('sub_bot', reg('sub_p', differ(4, 5)));
  const o2 = dsp2.out('o');
  const g = m.let('sum_g', o2.slice(16 + intDotWidth(4, bits) - 1, 16).asSigned());
  const p = m.let('sum_p', o2.slice(intDotWidth(2, bits) - 1, 0).asSigned());
  // the terms and their signs (weight bits), two cycles late like G and P
  const values: Expr[] = [g, p];
  const signs: Expr[] = [reg('w0_d1', w.bit(0)), reg('w4_d1', w.bit(4))];
  for (let i = 6; i < simd; i++) {
    values.push(reg(`x${i}_d1`, tap(i)));
    signs.push(reg(`w${i}_d1`, w.bit(i)));
  }
  const late = values.map((v, k) => (k < 2 ? v : reg(`x${k + 4}_d2`, v)));
  const lateSigns = signs.map((s, k) => reg(`w${k < 2 ? 4 * k : k + 4}_d2`, s));
  const terms = late.map((v, k) => m.let(`t${k}`, v.xnor(lateSigns[k]!.replicate(v.width).asSigned())));
  const countBits = unsignedBits(terms.length);
  const minus = lateSigns.map((s) => s.not().zext(countBits));
  const count = pipelinedAdderTree(m, minus, 0, null, false).trunc(countBits);
  terms.push(m.let('minus_count', count.zext(countBits + 1).asSigned()));
  return pipelinedAdderTree(m, terms, 0, null, true);
}

export function intDotModel(x: number[], w: bigint): number {
  return x.reduce((s, v, i) => s + (((w >> BigInt(i)) & 1n) === 1n ? v : -v), 0);
}
