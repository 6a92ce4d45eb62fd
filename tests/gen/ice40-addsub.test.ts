import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator, type BuildOptions } from '../../sim/index.ts';
import { addSubModel, ice40AddSubPair } from '../../hdl-gen/blocks/ice40-addsub.ts';
import { INT_DOT_DSP_STAGES, intDot, intDotDspFits, intDotModel } from '../../hdl-gen/blocks/intdot.ts';
import { packLanes } from './streams.ts';
import { lintAndCheck, yosysCellModel } from './tools.ts';

/** The module's own description, and its SYNTHESIS branch on Yosys's SB_MAC16 model. */
async function bothBuilds(): Promise<[string, BuildOptions][]> {
  return [
    ['simulation model', {}],
    ['SB_MAC16 (Yosys model)', { defines: ['SYNTHESIS'], extraSources: [await yosysCellModel('ice40', 'SB_MAC16')] }],
  ];
}

describe('iCE40 add/subtract pair (SB_MAC16)', () => {
  for (const bottomInputRegs of [false, true]) {
    it(`${bottomInputRegs ? 'bottom input registers: ' : ''}both descriptions give c +- a and d +- b, registered with ce (random, extremes)`, async () => {
      for (const [what, opts] of await bothBuilds()) {
        const sim = await Simulator.build(ice40AddSubPair({ bottomInputRegs }), opts);
        const rng = makeRng(bottomInputRegs ? 301 : 300);
        const pick = () => (rng() < 0.1 ? 0 : rng() < 0.1 ? 0xffff : rng() < 0.1 ? 0x8000 : rng.int(0x10000));
        const cycles = Array.from({ length: 3000 }, () => ({ ce: rng() < 0.75 ? 1 : 0, c: pick(), a: pick(), d: pick(), b: pick(), sub_top: rng.int(2), sub_bot: rng.int(2) }));
        const got = sim.run(cycles);
        // model: the output registers (and the bottom's input registers) load when ce is high
        let top: number | null = null;
        let bot: number | null = null;
        let inB: [number, number] | null = null;
        let checked = 0;
        cycles.forEach((c, t) => {
          if (top !== null && bot !== null) {
            expect(got[t]!.o, `${what}, cycle ${t}`).toBe((BigInt(top) << 16n) | BigInt(bot));
            checked++;
          }
          if (!c.ce) return;
          top = addSubModel(c.c, c.a, c.sub_top === 1);
          if (bottomInputRegs) {
            bot = inB ? addSubModel(inB[0], inB[1], c.sub_bot === 1) : null;
            inB = [c.d, c.b];
          } else bot = addSubModel(c.d, c.b, c.sub_bot === 1);
        });
        expect(checked, what).toBeGreaterThan(2000);
      }
    });
  }
});

describe('layer-1 add/subtract tree on two SB_MAC16', () => {
  it('fits from six taps whose sums of four stay within 16 bits', () => {
    expect(intDotDspFits(7, 8)).toBe(true);
    expect(intDotDspFits(5, 8)).toBe(false);
    expect(intDotDspFits(7, 13)).toBe(true);
    expect(intDotDspFits(7, 14)).toBe(false);
  });

  for (const simd of [6, 7, 9]) {
    it(`simd ${simd} x 8 bits: the sum ${INT_DOT_DSP_STAGES} enabled cycles later, with clock-enable stalls (both descriptions)`, async () => {
      for (const [what, opts] of await bothBuilds()) {
        const sim = await Simulator.build(intDot({ simd, bits: 8, dsp: true }), opts);
        const rng = makeRng(310 + simd);
        const cycles = Array.from({ length: 3000 }, (_, t) => {
          const xs = Array.from({ length: simd }, () => (t % 50 === 0 ? -128 : t % 50 === 1 ? 127 : -128 + rng.int(256)));
          // every weight word, and the ones that favour each extreme
          const w = t < 2 ** simd ? t : t % 50 === 2 ? 0 : t % 50 === 3 ? 2 ** simd - 1 : rng.int(2 ** simd);
          return { xs, w, ce: rng() < 0.7 ? 1 : 0 };
        });
        const got = sim.run(cycles.map((c) => ({ x: packLanes(c.xs, 8), w: c.w, ce: c.ce })));
        const pipe: (number | null)[] = Array.from({ length: INT_DOT_DSP_STAGES }, () => null);
        let checked = 0;
        cycles.forEach((c, t) => {
          const want = pipe[INT_DOT_DSP_STAGES - 1];
          if (want !== null && want !== undefined) {
            expect(got[t]!.sum, `${what}, cycle ${t}`).toBe(BigInt(want));
            checked++;
          }
          if (c.ce) {
            for (let s = INT_DOT_DSP_STAGES - 1; s > 0; s--) pipe[s] = pipe[s - 1]!;
            pipe[0] = intDotModel(c.xs, BigInt(c.w));
          }
        });
        expect(checked, what).toBeGreaterThan(2000);
      }
    });
  }

  it('lint-clean, and Yosys maps it to two SB_MAC16 (check -assert)', async () => {
    const log = await lintAndCheck(intDot({ simd: 7, bits: 8, dsp: true, name: 'dot_dsp_check' }));
    expect(log).toMatch(/SB_MAC16\s+2\b/);
  });
});
