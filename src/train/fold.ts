/**
 * Folding: whatever follows a layer's integer pre-activation (max-pool, PReLU, BatchNorm,
 * threshold, sign) becomes one function of the pooled integer. The float function is evaluated
 * at EVERY reachable integer and stored in the simplest exact form (DESIGN.md section 2).
 */
import type { BitFunction } from '../model/qmodel.ts';
import { bitsToHex } from '../model/qmodel.ts';
import { type ReachableSet, reachableValues } from '../model/shapes.ts';

/**
 * The simplest BitFunction equal to `bit` on every reachable value of `set`:
 * const, a one-sided threshold (ge/le), an interval (in/out), else a table over the hull.
 */
export function simplestBitFunction(bit: (a: number) => 0 | 1, set: ReachableSet): BitFunction {
  const values = reachableValues(set);
  if (values.length === 0) return { kind: 'const', v: 0 };
  const bits = values.map(bit);
  // Runs of equal bits along the reachable values, in ascending order.
  const runs: { v: 0 | 1; from: number; to: number }[] = [];
  bits.forEach((b, i) => {
    const last = runs[runs.length - 1];
    if (last && last.v === b) last.to = i;
    else runs.push({ v: b, from: i, to: i });
  });
  const at = (i: number) => values[i]!;
  if (runs.length === 1) return { kind: 'const', v: runs[0]!.v };
  if (runs.length === 2) {
    return runs[0]!.v === 0 ? { kind: 'ge', t: at(runs[1]!.from) } : { kind: 'le', t: at(runs[0]!.to) };
  }
  if (runs.length === 3) {
    const mid = runs[1]!;
    return mid.v === 1 ? { kind: 'in', lo: at(mid.from), hi: at(mid.to) } : { kind: 'out', lo: at(mid.from), hi: at(mid.to) };
  }
  const size = set.hi - set.lo + 1;
  const table = new Uint8Array(size);
  for (let a = set.lo; a <= set.hi; a++) table[a - set.lo] = bit(a);
  return { kind: 'table', min: set.lo, size, bits: bitsToHex(table) };
}

/** Evaluates a BitFunction (the integer semantics of qmodel.ts), for checks. */
export function applyBitFunction(fn: BitFunction, a: number): 0 | 1 {
  switch (fn.kind) {
    case 'ge':
      return a >= fn.t ? 1 : 0;
    case 'le':
      return a <= fn.t ? 1 : 0;
    case 'in':
      return a >= fn.lo && a <= fn.hi ? 1 : 0;
    case 'out':
      return a < fn.lo || a > fn.hi ? 1 : 0;
    case 'const':
      return fn.v;
    case 'table': {
      const i = a - fn.min;
      const digit = fn.bits.length - 1 - (i >> 2);
      return digit < 0 || i < 0 ? 0 : (((parseInt(fn.bits[digit]!, 16) >> (i & 3)) & 1) as 0 | 1);
    }
  }
}

/** Signed two's-complement width that holds every integer in [lo, hi]. */
export function signedWidth(lo: number, hi: number): number {
  let w = 1;
  while (-(2 ** (w - 1)) > lo || 2 ** (w - 1) - 1 < hi) w++;
  return w;
}
