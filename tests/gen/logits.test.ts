import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { logitModel, logitTailCycles, logitUnit, logitUnitResources, logitWidth, type LogitOptions } from '../../hdl-gen/blocks/logits.ts';
import { driveStream, packLanes } from './streams.ts';
import { lintAndCheck } from './tools.ts';

const CASES: LogitOptions[] = [
  // global sum over 9 positions (seed 000 style), PReLU-like slopes, negative constants
  { fns: [{ pos: 3, neg: 1, bias: -2 }, { pos: -5, neg: 7, bias: 0 }, { pos: 0, neg: 2, bias: 11 }], accWidth: 6, positions: 9 },
  // dense logits: one position
  { fns: [{ pos: 1, neg: 1, bias: 0 }, { pos: 2, neg: 1, bias: -1 }, { pos: 1, neg: 3, bias: 1 }, { pos: 4, neg: 4, bias: -7 }, { pos: 1, neg: 1, bias: 5 }], accWidth: 9, positions: 1 },
  // the shipped rhythm17 model's last layer (ecgbnn-s-rhythm17: 17 classes, 27 positions, 10-bit values)
  {
    fns: [
      [106, -50, -4676], [175, -23, -1477], [147, -21, -2694], [81, -3, -1587], [250, -23, -2599], [217, -14, -2604],
      [198, 9, 103], [202, -18, -2245], [367, -21, -2370], [231, -18, -2830], [265, -8, -2447], [196, -17, -2852],
      [221, -30, -2662], [104, -11, -1861], [135, -12, -2130], [257, 3, -2057], [115, -8, -2221],
    ].map(([pos, neg, bias]) => ({ pos: pos!, neg: neg!, bias: bias! })),
    accWidth: 10,
    positions: 27,
  },
  // one channel, the most negative constants of their width (two's-complement MSB steps)
  { fns: [{ pos: -8, neg: -8, bias: -8 }], accWidth: 4, positions: 3 },
];

/** Random images, the first two at the extremes of the input range. */
function images(o: LogitOptions, rng: () => number, count: number): number[][][] {
  const C = o.fns.length;
  const lo = -(2 ** (o.accWidth - 1));
  const span = 2 ** o.accWidth;
  return Array.from({ length: count }, (_, img) =>
    Array.from({ length: o.positions }, () => Array.from({ length: C }, () => (img === 0 ? lo : img === 1 ? -lo - 1 : lo + Math.floor(rng() * span)))),
  );
}

describe('logit unit (global sum / dense logits)', () => {
  CASES.forEach((o, i) => {
    it(`${o.fns.length} channels, ${o.positions} positions: random images and extremes, random valid/ready`, async () => {
      const sim = await Simulator.build(logitUnit(o));
      const rng = makeRng(90 + i);
      const ims = images(o, rng, 40);
      const words = ims.flatMap((im) => im.map((row) => packLanes(row, o.accWidth)));
      const want = ims.flatMap((im) => logitModel(o.fns, im));
      const r = await driveStream(sim, words, { rng, expectOutputs: want.length });
      const LW = logitWidth(o);
      expect(r.outputs.map((w) => Number(BigInt.asIntN(LW, w)))).toEqual(want);
    });
  });

  it('takes logitTailCycles from the last position to the last logit (input always valid, output always ready)', async () => {
    for (const o of CASES) {
      const sim = await Simulator.build(logitUnit(o));
      const rng = makeRng(7);
      const ims = images(o, rng, 3);
      const words = ims.flatMap((im) => im.map((row) => packLanes(row, o.accWidth)));
      const C = o.fns.length;
      const r = await driveStream(sim, words, { rng, expectOutputs: 3 * C, pValid: 1, pReady: 1 });
      expect(r.outputs.map((w) => Number(BigInt.asIntN(logitWidth(o), w)))).toEqual(ims.flatMap((im) => logitModel(o.fns, im)));
      for (let img = 0; img < 3; img++) {
        expect(r.outFires[(img + 1) * C - 1]! - r.inFires[(img + 1) * o.positions - 1]!).toBe(logitTailCycles(o.fns));
      }
    }
  });

  it('does not rely on power-on values (the sums have no reset: they are cleared after reset)', async () => {
    const o = CASES[0]!;
    const sim = await Simulator.build(logitUnit(o), { randomInit: true });
    const ims = images(o, makeRng(5), 6);
    const words = ims.flatMap((im) => im.map((row) => packLanes(row, o.accWidth)));
    const want = ims.flatMap((im) => logitModel(o.fns, im));
    for (const initSeed of [1, 2, 3]) {
      const r = sim.runStreams({ inputs: { in: words }, expect: { out: want.length }, seed: initSeed, initSeed });
      expect(r.outputs.out!.map((w) => Number(BigInt.asIntN(logitWidth(o), w)))).toEqual(want);
    }
  });

  it('is lint-clean, passes yosys check -assert, and logitUnitResources is within 10 % of synth_ice40 (C = 5, 17)', async () => {
    for (const o of [CASES[1]!, CASES[2]!]) {
      const log = await lintAndCheck(logitUnit(o));
      const stat = log.slice(log.lastIndexOf('Number of cells'));
      const count = (re: RegExp) => [...stat.matchAll(re)].reduce((t, x) => t + Number(x[1]), 0);
      const lut4 = count(/SB_LUT4\s+(\d+)/g);
      const ff = count(/SB_DFF\w*\s+(\d+)/g);
      const est = logitUnitResources(o);
      expect(Math.abs(est.lut4 - lut4) / lut4).toBeLessThan(0.1);
      expect(Math.abs(est.ff - ff) / ff).toBeLessThan(0.1);
    }
  });
});
