import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import type { ReachableSet } from '../../src/model/shapes.ts';
import { reachableValues } from '../../src/model/shapes.ts';
import { applyBitFunction, signedWidth, simplestBitFunction } from '../../src/train/fold.ts';

const binarySet = (m: number): ReachableSet => ({ lo: -m, hi: m, parts: [{ lo: -m, hi: m, step: 2 }] });
const intSet = (lo: number, hi: number): ReachableSet => ({ lo, hi, parts: [{ lo, hi, step: 1 }] });

describe('simplestBitFunction', () => {
  it('finds const, ge, le, in and out forms', () => {
    expect(simplestBitFunction(() => 1, intSet(-5, 5))).toEqual({ kind: 'const', v: 1 });
    expect(simplestBitFunction((a) => (a >= 2 ? 1 : 0), intSet(-5, 5))).toEqual({ kind: 'ge', t: 2 });
    expect(simplestBitFunction((a) => (a <= -3 ? 1 : 0), intSet(-5, 5))).toEqual({ kind: 'le', t: -3 });
    expect(simplestBitFunction((a) => (a >= -1 && a <= 3 ? 1 : 0), intSet(-5, 5))).toEqual({ kind: 'in', lo: -1, hi: 3 });
    expect(simplestBitFunction((a) => (a >= -1 && a <= 3 ? 0 : 1), intSet(-5, 5))).toEqual({ kind: 'out', lo: -1, hi: 3 });
  });

  it('uses reachable values only: on a parity set a threshold lands on a reachable value', () => {
    // Reachable: -7, -5, ..., 7. The float function switches at 0.5 -> first reachable 1 is at 1.
    const fn = simplestBitFunction((a) => (a >= 0.5 ? 1 : 0), binarySet(7));
    expect(fn).toEqual({ kind: 'ge', t: 1 });
    // A function that wiggles only on unreachable (even) values is still a threshold.
    const wiggly = simplestBitFunction((a) => (a % 2 === 0 ? 1 : a >= 3 ? 1 : 0), binarySet(7));
    expect(wiggly).toEqual({ kind: 'ge', t: 3 });
  });

  it('falls back to a table, exact at every reachable value', () => {
    const rng = makeRng(9);
    for (let trial = 0; trial < 50; trial++) {
      const set = trial % 2 ? binarySet(1 + rng.int(40)) : intSet(-rng.int(30), rng.int(30));
      const bits = new Map<number, 0 | 1>();
      const f = (a: number): 0 | 1 => {
        if (!bits.has(a)) bits.set(a, rng() < 0.5 ? 0 : 1);
        return bits.get(a)!;
      };
      const fn = simplestBitFunction(f, set);
      for (const a of reachableValues(set)) expect(applyBitFunction(fn, a)).toBe(f(a));
    }
  });
});

describe('signedWidth', () => {
  it('is the two\'s-complement width of a range', () => {
    expect(signedWidth(0, 0)).toBe(1);
    expect(signedWidth(-1, 0)).toBe(1);
    expect(signedWidth(-128, 127)).toBe(8);
    expect(signedWidth(-129, 0)).toBe(9);
    expect(signedWidth(0, 128)).toBe(9);
  });
});
