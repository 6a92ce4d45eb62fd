import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { logitModel, logitUnit, logitWidth, type LogitOptions } from '../../hdl-gen/blocks/logits.ts';
import { driveStream, packLanes } from './streams.ts';
import { lintAndCheck } from './tools.ts';

const CASES: LogitOptions[] = [
  // global sum over 9 positions (seed 000 style), PReLU-like slopes, negative constants
  { fns: [{ pos: 3, neg: 1, bias: -2 }, { pos: -5, neg: 7, bias: 0 }, { pos: 0, neg: 2, bias: 11 }], accWidth: 6, positions: 9 },
  // dense logits: one position
  { fns: [{ pos: 1, neg: 1, bias: 0 }, { pos: 2, neg: 1, bias: -1 }, { pos: 1, neg: 3, bias: 1 }, { pos: 4, neg: 4, bias: -7 }, { pos: 1, neg: 1, bias: 5 }], accWidth: 9, positions: 1 },
];

describe('logit unit (global sum / dense logits)', () => {
  CASES.forEach((o, i) => {
    it(`${o.fns.length} channels, ${o.positions} positions: random images and extremes, random valid/ready`, async () => {
      const sim = await Simulator.build(logitUnit(o));
      const rng = makeRng(90 + i);
      const C = o.fns.length;
      const lo = -(2 ** (o.accWidth - 1));
      const images: number[][][] = [];
      for (let img = 0; img < 40; img++) {
        images.push(Array.from({ length: o.positions }, () => Array.from({ length: C }, () => (img === 0 ? lo : img === 1 ? -lo - 1 : lo + rng.int(2 ** o.accWidth)))));
      }
      const words = images.flatMap((im) => im.map((row) => packLanes(row, o.accWidth)));
      const want = images.flatMap((im) => logitModel(o.fns, im));
      const r = await driveStream(sim, words, { rng, expectOutputs: want.length });
      const LW = logitWidth(o);
      expect(r.outputs.map((w) => Number(BigInt.asIntN(LW, w)))).toEqual(want);
    });
  });

  it('is lint-clean and passes yosys check -assert', async () => {
    await lintAndCheck(logitUnit(CASES[0]!));
  });
});
