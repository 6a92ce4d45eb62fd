/**
 * XNOR array + popcount tree: count = popcount(~(x ^ w) & mask), the number of agreeing
 * (+1 * +1 or -1 * -1) taps among the real ones. The engine turns it into the signed
 * partial sum 2*count - popcount(mask).
 *
 * The adder tree pairs neighbours level by level (exactly what estimate.ts's adderTreeLuts
 * counts). `stages` pipeline registers are spread evenly over the tree levels (extra stages
 * go at the output); they load when `ce` is high, so the engine can stall the whole pipeline.
 * With `weights` given, w is a constant (one ROM word: a fully parallel engine) and the XNOR
 * becomes wiring and inverters.
 */
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
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

/** Levels of the adder tree after which a register sits, for `stages` registers over `levels` levels. */
export function registerLevels(levels: number, stages: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= stages; k++) out.push(Math.min(levels, Math.round((levels * k) / (stages + 1)) + (k > levels ? levels : 0)));
  return out.sort((a, b) => a - b);
}

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

  let level: Expr[] = Array.from({ length: simd }, (_, i) => agreeW.bit(i));
  const levels = Math.ceil(Math.log2(Math.max(1, simd)));
  const regAfter = registerLevels(levels, stages);
  let regIndex = 0;
  const registerLevel = (items: Expr[], depth: number): Expr[] =>
    items.map((e, i) => {
      const r: Signal = m.reg(`s${depth}_${regIndex}_${i}`, e.width, { reset: null, enable: ce! });
      r.set(e);
      return r;
    });
  let depth = 0;
  const flush = () => {
    while (regIndex < regAfter.length && regAfter[regIndex] === depth) {
      level = registerLevel(level, depth);
      regIndex++;
    }
  };
  flush();
  while (level.length > 1) {
    const next: Expr[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(level[i]!.add(level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
    depth++;
    flush();
  }
  while (regIndex < regAfter.length) {
    level = registerLevel(level, depth);
    regIndex++;
  }
  const cw = countWidth(simd);
  const top = level[0]!;
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
