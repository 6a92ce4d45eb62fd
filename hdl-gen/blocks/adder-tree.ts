/**
 * The pairing adder tree shared by the XNOR + popcount block and layer 1's add/subtract tree:
 * neighbours are added level by level (what estimate.ts's adderTreeLuts counts), and `stages`
 * pipeline registers are spread evenly over the levels (registerLevels; the leaves count as
 * level 0, extra stages go at the output). The registers load when `ce` is high, so an engine
 * can stall its whole pipeline.
 */
import type { Expr, Module, Signal } from '../../src/hdl/index.ts';

/** Levels of the adder tree after which a register sits, for `stages` registers over `levels` levels. */
export function registerLevels(levels: number, stages: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= stages; k++) out.push(Math.min(levels, Math.round((levels * k) / (stages + 1)) + (k > levels ? levels : 0)));
  return out.sort((a, b) => a - b);
}

/** Sum of `leaves` through the pairing tree, with `stages` registers (named <prefix><level>_<k>_<i>, prefix 's' by default) enabled by `ce`. */
export function pipelinedAdderTree(m: Module, leaves: Expr[], stages: number, ce: Expr | null, signed: boolean, prefix = 's'): Expr {
  let level = leaves;
  const regAfter = registerLevels(Math.ceil(Math.log2(Math.max(1, leaves.length))), stages);
  let regIndex = 0;
  let depth = 0;
  const registerLevel = () => {
    level = level.map((e, i) => {
      const r: Signal = m.reg(`${prefix}${depth}_${regIndex}_${i}`, e.width, { reset: null, enable: ce!, signed });
      r.set(e);
      return r;
    });
    regIndex++;
  };
  const flush = () => {
    while (regIndex < regAfter.length && regAfter[regIndex] === depth) registerLevel();
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
  while (regIndex < regAfter.length) registerLevel();
  return level[0]!;
}

/**
 * The full-adder (3:2 compressor) reduction of `n` 1-bit leaves that blocks/popcount.ts builds
 * on ECP5: per round, every column of equal-weight bits is cut into groups of three, each
 * group a full adder (sum stays in the column, carry goes one column up), leftovers pass
 * through; rounds repeat until no column holds more than two bits, and one carry-chain adder
 * adds the two rows. Returns the rounds, the full adders and the width of the two rows: what
 * estimate.ts's popcountLuts counts, from the same schedule the generator follows.
 */
export interface CompressorPlan {
  rounds: number;
  fullAdders: number;
  rowWidth: number;
}

export function compressorPlan(n: number): CompressorPlan {
  let cols = n > 0 ? [n] : [];
  let rounds = 0;
  let fullAdders = 0;
  while (cols.some((c) => c > 2)) {
    const next = new Array<number>(cols.length + 1).fill(0);
    cols.forEach((c, k) => {
      const fa = Math.floor(c / 3);
      fullAdders += fa;
      next[k]! += fa + (c - 3 * fa);
      next[k + 1]! += fa;
    });
    while (next.length && next[next.length - 1] === 0) next.pop();
    cols = next;
    rounds++;
  }
  return { rounds, fullAdders, rowWidth: cols.length };
}
