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
 *
 * ECP5 (`family: 'ecp5'`) gets another structure: a full-adder compressor tree
 * (adder-tree.ts's compressorPlan) whose full adders are instances of a small module
 * (`<name>_fa`), and one carry-chain adder of the two rows left. Why: Yosys 0.23 alumacc merges
 * the pairing tree into one $macc, maccmap turns it into a full-adder netlist, and synth_ecp5's
 * ABC run with wide LUTs (LUT5..7 built from LUT4 + PFUMX/L6MUX21) maps that netlist to about
 * twice the LUT4s of `synth_ecp5 -nowidelut` or synth_ice40: 615 LUT4 at 112 bits against 289
 * (-nowidelut). Synthesis keeps the hierarchy (-noflatten), so a full adder in its own module
 * is mapped alone, to the two LUT4s of its sum and carry, whatever ABC's LUT costs. Measured
 * (Yosys 0.23 synth_ecp5 -noflatten, XNOR popcount with a w input, LUT4 + CCU2C):
 * bits 8 / 16 / 32 / 56 / 112 / 224: pairing tree 41 / 52+3 / 147+3 / 328+3 / 615+4 / 1,348+4,
 * compressor tree 21 / 38+3 / 84+3 / 152+3 / 318+4 / 652+4. The XNORs stay in the parent, one
 * LUT4 each (a full adder of three XNORs would have six inputs). iCE40 keeps the pairing tree
 * (synth_ice40 maps it to about 2.2 LUT4 per bit with SB_CARRY).
 */
import { cat, constant, Module, type Expr } from '../../src/hdl/index.ts';
import type { Family } from '../../src/design/targets.ts';
import { compressorPlan, pipelinedAdderTree, registerLevels } from './adder-tree.ts';
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
  /** the target's family: 'ecp5' builds the full-adder compressor tree (default: the pairing tree) */
  family?: Family;
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

  const leaves = Array.from({ length: simd }, (_, i) => agreeW.bit(i));
  const top = opts.family === 'ecp5' ? compressorTree(m, leaves, stages, ce, fullAdder(`${name}_fa`)) : pipelinedAdderTree(m, leaves, stages, ce, false);
  const cw = countWidth(simd);
  m.output('count', cw).set(top.width >= cw ? top.trunc(cw) : cat(constant(0, cw - top.width), top));
  return m;
}

/** A full adder in its own module, so synthesis maps it alone (two LUT4s). */
function fullAdder(name: string): Module {
  const m = new Module(name, { description: 'full adder (3:2 compressor) of the ECP5 popcount tree, a module of its own so that Yosys maps it to two LUT4s' });
  const a = m.input('a', 1);
  const b = m.input('b', 1);
  const c = m.input('c', 1);
  // the sum as a sum of products, not a ^ b ^ c: Verilator 5.006 at -O3 (cosim's build)
  // simulated XOR trees of inlined full adders wrong (a 7-bit tree: every input off; right at
  // -O0 and in this form). Yosys maps either to one LUT4.
  m.output('s', 1).set(a.and(b.not()).and(c.not()).or(a.not().and(b).and(c.not())).or(a.not().and(b.not()).and(c)).or(a.and(b).and(c)));
  m.output('co', 1).set(a.and(b).or(a.and(c)).or(b.and(c)));
  return m;
}

/**
 * Sum of 1-bit `leaves` by full-adder rounds (compressorPlan's schedule: full adders named
 * fa<round>_<i>) and one final adder of the two rows; `stages` registers (s<level>_<k>_c<column>)
 * spread over the rounds and the final adder as registerLevels places them in the pairing tree.
 */
function compressorTree(m: Module, leaves: Expr[], stages: number, ce: Expr | null, fa: Module): Expr {
  const plan = compressorPlan(leaves.length);
  const regAfter = registerLevels(plan.rounds + 1, stages);
  let regIndex = 0;
  let depth = 0;
  let cols: Expr[][] = leaves.length ? [leaves] : [];
  let sum: Expr | null = null;
  const registerLevel = () => {
    if (sum) {
      const r = m.reg(`s${depth}_${regIndex}`, sum.width, { reset: null, enable: ce! });
      r.set(sum);
      sum = r;
    } else {
      cols = cols.map((col, k) => {
        const r = m.reg(`s${depth}_${regIndex}_c${k}`, col.length, { reset: null, enable: ce! });
        r.set(cat(...col.slice().reverse()));
        return col.map((_, i) => r.bit(i));
      });
    }
    regIndex++;
  };
  const flush = () => {
    while (regIndex < regAfter.length && regAfter[regIndex] === depth) registerLevel();
  };
  flush();
  for (let round = 0; round < plan.rounds; round++) {
    const next: Expr[][] = Array.from({ length: cols.length + 1 }, () => []);
    let i = 0;
    cols.forEach((col, k) => {
      let j = 0;
      for (; j + 3 <= col.length; j += 3) {
        const inst = m.instance(`fa${round}_${i++}`, fa, { a: col[j]!, b: col[j + 1]!, c: col[j + 2]! });
        next[k]!.push(inst.out('s'));
        next[k + 1]!.push(inst.out('co'));
      }
      next[k]!.push(...col.slice(j));
    });
    while (next.length && next[next.length - 1]!.length === 0) next.pop();
    cols = next;
    depth++;
    flush();
  }
  const zero = constant(0, 1);
  const row = (r: number) => cat(...cols.map((col) => col[r] ?? zero).reverse());
  sum = cols.length === 0 ? zero : row(0).add(row(1));
  depth++;
  flush();
  while (regIndex < regAfter.length) registerLevel();
  return sum;
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
