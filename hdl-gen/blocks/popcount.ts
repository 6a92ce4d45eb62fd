/**
 * XNOR array + popcount tree: count = popcount(~(x ^ w) & mask), the number of agreeing
 * (+1 * +1 or -1 * -1) taps among the real ones. The engine turns it into the signed
 * partial sum 2*count - popcount(mask).
 *
 * The adder tree (adder-tree.ts, shared with layer 1's add/subtract tree) pairs neighbours
 * level by level; `stages` pipeline registers are spread evenly over its levels and load when
 * `ce` is high, so the engine can stall the whole pipeline.
 * With `weights` given, w is a constant (one ROM word: a fully parallel engine) and the XNOR
 * becomes wiring and inverters.
 */
import { cat, constant, Module, type Expr } from '../../src/hdl/index.ts';
import { pipelinedAdderTree, registerLevels } from './adder-tree.ts';
import { unsignedBits } from '../widths.ts';

export interface XnorPopcountOptions {
  simd: number;
  /** a mask input (zero padding: masked taps contribute nothing) */
  mask?: boolean;
  /** constant weights (bit i = tap i); omit for a `w` input */
  weights?: bigint;
  /** pipeline register stages (default 0: combinational) */
  stages?: number;
  name?: string;
}

export function countWidth(simd: number): number {
  return unsignedBits(simd);
}

export { registerLevels };

export function xnorPopcount(opts: XnorPopcountOptions): Module {
  const { simd } = opts;
  const stages = opts.stages ?? 0;
  const name = opts.name ?? `xnor_popcount_${simd}${opts.mask ? 'm' : ''}${opts.weights !== undefined ? 'c' : ''}_p${stages}`;
  const m = new Module(name, {
    description: 'XNOR array and popcount tree: count = popcount(~(x ^ w) & mask)',
    params: { simd, mask: !!opts.mask, constantWeights: opts.weights !== undefined, stages },
  });
  const x = m.input('x', simd);
  const w: Expr = opts.weights !== undefined ? constant(opts.weights, simd) : m.input('w', simd);
  const mask = opts.mask ? m.input('mask', simd) : null;
  const ce = stages > 0 ? m.input('ce', 1) : null;
  let agree: Expr = x.xnor(w);
  if (mask) agree = agree.and(mask);
  const agreeW = m.let('agree', agree);

  const top = pipelinedAdderTree(
    m,
    Array.from({ length: simd }, (_, i) => agreeW.bit(i)),
    stages,
    ce,
    false,
  );
  const cw = countWidth(simd);
  m.output('count', cw).set(top.width >= cw ? top.trunc(cw) : cat(constant(0, cw - top.width), top));
  return m;
}

/** TypeScript model: popcount(~(x ^ w) & mask) over `simd` bits. */
export function xnorPopcountModel(x: bigint, w: bigint, mask: bigint, simd: number): number {
  let v = ~(x ^ w) & mask & ((1n << BigInt(simd)) - 1n);
  let c = 0;
  while (v > 0n) {
    c += Number(v & 1n);
    v >>= 1n;
  }
  return c;
}
