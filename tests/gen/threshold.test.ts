import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { compileFns, evalFn } from '../../src/reference/fns.ts';
import type { BitFunction } from '../../src/model/qmodel.ts';
import { fnIntervals, thresholdUnit } from '../../hdl-gen/blocks/threshold.ts';
import { lintAndCheck } from './tools.ts';

// Every kind, bounds inside, at and beyond the 6-bit accumulator range [-32, 31].
const FNS: BitFunction[] = [
  { kind: 'ge', t: 3 },
  { kind: 'le', t: -4 },
  { kind: 'in', lo: -5, hi: 7 },
  { kind: 'out', lo: 0, hi: 2 },
  { kind: 'const', v: 1 },
  { kind: 'const', v: 0 },
  { kind: 'table', min: -32, size: 64, bits: 'f0e1d2c3b4a59687' },
  { kind: 'ge', t: 40 },
  { kind: 'le', t: -40 },
  { kind: 'in', lo: -100, hi: 100 },
  { kind: 'table', min: -32, size: 64, bits: '00ff00000f0f0001' },
  { kind: 'out', lo: 31, hi: 31 },
];

describe('threshold unit', () => {
  it('interval forms of tables merge runs across unreachable values', () => {
    const t: BitFunction = { kind: 'table', min: 0, size: 6, bits: '15' }; // bits 0,2,4 set
    expect(fnIntervals(t).parts).toEqual([[0, 0], [2, 2], [4, 4]]);
    expect(fnIntervals(t, { lo: 0, hi: 4, parts: [{ lo: 0, hi: 4, step: 2 }] }).parts).toEqual([[0, 4]]);
  });

  for (const pe of [1, 3, 12]) {
    it(`PE ${pe} (${12 / pe} folds): exhaustive over every fold and every 6-bit a`, async () => {
      const sim = await Simulator.build(thresholdUnit({ fns: FNS, pe, accWidth: 6 }));
      const folds = FNS.length / pe;
      const rng = makeRng(pe);
      const cycles: Record<string, number>[] = [];
      for (let f = 0; f < folds; f++) {
        for (let a = -32; a < 32; a++) {
          const c: Record<string, number> = folds > 1 ? { fold: f } : {};
          // lane 0 sweeps a; the others get random values, also checked
          for (let l = 0; l < pe; l++) c[`a${l}`] = l === 0 ? a : -32 + rng.int(64);
          cycles.push(c);
        }
      }
      const got = sim.run(cycles);
      const compiled = compileFns(FNS);
      cycles.forEach((c, t) => {
        const f = c.fold ?? 0;
        let want = 0n;
        for (let l = 0; l < pe; l++) want |= BigInt(evalFn(compiled, f * pe + l, c[`a${l}`]!)) << BigInt(l);
        expect(got[t]!.bits, `fold ${f} a0=${c.a0}`).toBe(want);
      });
    });
  }

  it('is lint-clean and passes yosys check -assert', async () => {
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 3, accWidth: 6 }));
    await lintAndCheck(thresholdUnit({ fns: FNS.slice(0, 1), pe: 1, accWidth: 9 }));
  });
});
