/**
 * Per-channel bit functions compiled into flat arrays, so a hot loop evaluates any of them
 * with no dispatch on strings: every kind except 'table' is an interval test with an optional
 * inversion.
 *   ge t    -> a in [t, +inf]          le t    -> a in [-inf, t]
 *   in lo hi -> a in [lo, hi]          out lo hi -> not (a in [lo, hi])
 *   const v -> a in [-inf, +inf], inverted when v = 0
 *   table   -> bits[a - min]
 */
import { hexBit, type BitFunction } from '../model/qmodel.ts';

/**
 * How max-pooling may be done on bits instead of integers (DESIGN.md section 2): a monotone
 * function commutes with max, so f(max a) = OR f(a) when f increases (ge, const) and
 * AND f(a) when it decreases (le). Other functions pool the integers first.
 */
export const PoolMode = { Int: 0, Or: 1, And: 2 } as const;

export interface CompiledFns {
  n: number;
  lo: Float64Array;
  hi: Float64Array;
  inv: Uint8Array;
  isTable: Uint8Array;
  tableMin: Float64Array;
  tableOffset: Int32Array;
  table: Uint8Array;
  poolMode: Uint8Array;
}

export function compileFns(fns: BitFunction[]): CompiledFns {
  const n = fns.length;
  const c: CompiledFns = {
    n,
    lo: new Float64Array(n),
    hi: new Float64Array(n),
    inv: new Uint8Array(n),
    isTable: new Uint8Array(n),
    tableMin: new Float64Array(n),
    tableOffset: new Int32Array(n),
    table: new Uint8Array(fns.reduce((s, f) => s + (f.kind === 'table' ? f.size : 0), 0)),
    poolMode: new Uint8Array(n),
  };
  let off = 0;
  fns.forEach((f, i) => {
    c.lo[i] = -Infinity;
    c.hi[i] = Infinity;
    c.poolMode[i] = PoolMode.Int;
    switch (f.kind) {
      case 'ge':
        c.lo[i] = f.t;
        c.poolMode[i] = PoolMode.Or;
        break;
      case 'le':
        c.hi[i] = f.t;
        c.poolMode[i] = PoolMode.And;
        break;
      case 'in':
        c.lo[i] = f.lo;
        c.hi[i] = f.hi;
        break;
      case 'out':
        c.lo[i] = f.lo;
        c.hi[i] = f.hi;
        c.inv[i] = 1;
        break;
      case 'const':
        c.inv[i] = f.v === 1 ? 0 : 1;
        c.poolMode[i] = PoolMode.Or;
        break;
      case 'table':
        c.isTable[i] = 1;
        c.tableMin[i] = f.min;
        c.tableOffset[i] = off;
        for (let b = 0; b < f.size; b++) c.table[off + b] = hexBit(f.bits, b);
        off += f.size;
        break;
    }
  });
  return c;
}

/** The bit of channel `ch` for pre-activation `a` (a must be reachable for tables). */
export function evalFn(c: CompiledFns, ch: number, a: number): number {
  if (c.isTable[ch]) return c.table[c.tableOffset[ch]! + a - c.tableMin[ch]!]!;
  return (a >= c.lo[ch]! && a <= c.hi[ch]! ? 1 : 0) ^ c.inv[ch]!;
}
