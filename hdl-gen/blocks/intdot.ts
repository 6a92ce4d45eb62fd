/**
 * Layer-1 dot product: integer inputs (the normalizer's z) times binary weights, as an
 * add/subtract tree: sum_i (w_i ? x_i : -x_i). With constant weights (one ROM word) each
 * term is fixed to x or -x at generation time. The tree pairs neighbours like the popcount's,
 * and like it takes optional pipeline registers (`stages`, enabled by `ce`) between levels:
 * on the iCE40 the unregistered tree + accumulator + threshold + pool of layer 1 was the
 * critical path of the whole accelerator (17 MHz on the UP5K).
 */
import { Module, type Expr } from '../../src/hdl/index.ts';
import { signedBits, unsignedBits } from '../widths.ts';
import { pipelinedAdderTree } from './adder-tree.ts';

export interface IntDotOptions {
  simd: number;
  /** width of each signed input */
  bits: number;
  /** constant weights (bit i = tap i); omit for a `w` input */
  weights?: bigint;
  /** pipeline register stages (default 0: combinational) */
  stages?: number;
  name?: string;
}

export function intDotWidth(simd: number, bits: number): number {
  const m = simd * 2 ** (bits - 1);
  return signedBits(-m, m);
}

export function intDot(o: IntDotOptions): Module {
  const { simd, bits } = o;
  const stages = o.stages ?? 0;
  const m = new Module(o.name ?? `int_dot_${simd}x${bits}${o.weights !== undefined ? 'c' : ''}_p${stages}`, {
    description: 'integer x binary weight dot product (add/subtract tree)',
    params: { simd, bits, constantWeights: o.weights !== undefined, stages },
  });
  const x = m.input('x', simd * bits);
  const w = o.weights === undefined ? m.input('w', simd) : null;
  const ce = stages > 0 ? m.input('ce', 1) : null;
  let sum: Expr;
  if (w) {
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

export function intDotModel(x: number[], w: bigint): number {
  return x.reduce((s, v, i) => s + (((w >> BigInt(i)) & 1n) === 1n ? v : -v), 0);
}
