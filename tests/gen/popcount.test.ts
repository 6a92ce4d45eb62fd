import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { registerLevels, xnorPopcount, xnorPopcountModel } from '../../hdl-gen/blocks/popcount.ts';
import { lintAndCheck } from './tools.ts';

function randBits(rng: () => number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) if (rng() < 0.5) v |= 1n << BigInt(i);
  return v;
}

describe('XNOR + popcount block', () => {
  it('places pipeline registers evenly over the tree levels', () => {
    expect(registerLevels(3, 0)).toEqual([]);
    expect(registerLevels(4, 1)).toEqual([2]);
    expect(registerLevels(6, 2)).toEqual([2, 4]);
  });

  it('simd 4 with mask, combinational: exhaustive over x, w, mask', async () => {
    const sim = await Simulator.build(xnorPopcount({ simd: 4, mask: true }));
    const cycles = [];
    for (let x = 0; x < 16; x++) for (let w = 0; w < 16; w++) for (let k = 0; k < 16; k++) cycles.push({ x, w, mask: k });
    const got = sim.run(cycles);
    cycles.forEach((c, t) => expect(got[t]!.count, `x=${c.x} w=${c.w} mask=${c.mask}`).toBe(BigInt(xnorPopcountModel(BigInt(c.x), BigInt(c.w), BigInt(c.mask), 4))));
  });

  for (const [simd, stages] of [[37, 2], [64, 1], [7, 4]] as const) {
    it(`simd ${simd}, ${stages} pipeline stages, with clock-enable stalls: random`, async () => {
      const sim = await Simulator.build(xnorPopcount({ simd, stages }));
      const rng = makeRng(simd);
      const all = (1n << BigInt(simd)) - 1n;
      const cycles = Array.from({ length: 3000 }, (_, i) => {
        // biased draws reach the extremes (all agree / none agree)
        const x = i % 50 === 0 ? all : randBits(rng, simd);
        const w = i % 77 === 0 ? x ^ all : i % 50 === 0 ? all : randBits(rng, simd);
        return { x, w, ce: rng() < 0.7 ? 1 : 0 };
      });
      const got = sim.run(cycles);
      // model: a pipeline of `stages` registers that load when ce is high
      const pipe: number[] = Array.from({ length: stages }, () => -1);
      let checked = 0;
      cycles.forEach((c, t) => {
        const comb = xnorPopcountModel(c.x, c.w, all, simd);
        const want = (stages as number) === 0 ? comb : pipe[stages - 1]!;
        if (want >= 0) {
          expect(got[t]!.count, `cycle ${t}`).toBe(BigInt(want));
          checked++;
        }
        if (c.ce) {
          for (let s = stages - 1; s > 0; s--) pipe[s] = pipe[s - 1]!;
          if (stages > 0) pipe[0] = comb;
        }
      });
      expect(checked).toBeGreaterThan(2900);
      expect(got.some((o) => o.count === BigInt(simd))).toBe(true);
      expect(got.some((o) => o.count === 0n)).toBe(true);
    });
  }

  it('constant weights (fully parallel engine): exhaustive over x for simd 9', async () => {
    const weights = 0b101100111n;
    const sim = await Simulator.build(xnorPopcount({ simd: 9, weights, mask: true }));
    const rng = makeRng(9);
    const cycles = Array.from({ length: 512 }, (_, x) => ({ x, mask: rng.int(512) }));
    const got = sim.run(cycles);
    cycles.forEach((c, t) => expect(got[t]!.count).toBe(BigInt(xnorPopcountModel(BigInt(c.x), weights, BigInt(c.mask), 9))));
  });

  it('is lint-clean and passes yosys check -assert', async () => {
    await lintAndCheck(xnorPopcount({ simd: 37, stages: 2, mask: true }));
    await lintAndCheck(xnorPopcount({ simd: 16, weights: 0xbeefn }));
  });
});
