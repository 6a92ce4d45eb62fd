import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { logitModel, logitMultipliersFor, logitRomInBram, logitTailCycles, logitUnit, logitUnitResources, logitUsesDsp, logitWidth, type LogitOptions } from '../../hdl-gen/blocks/logits.ts';
import { emitDesign } from '../../src/hdl/index.ts';
import { TARGETS } from '../../src/design/targets.ts';
import { resolveTool, runTool } from '../../src/tools/index.ts';
import { loadModel } from '../../src/model/load.ts';
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

/** Fold-serial input: the same channels, `lanes` per word (the fold-serial pool's order). */
const SERIAL_CASES: LogitOptions[] = [
  { ...CASES[0]!, lanes: 1 },
  // the shipped aami5 model's last layer (ecgbnn-s-aami5: 5 classes, 27 positions, 10-bit values), PE 1
  {
    fns: [
      { pos: 1224, neg: 597, bias: -112170 },
      { pos: 4880, neg: 674, bias: 6341 },
      { pos: 4473, neg: 251, bias: -15374 },
      { pos: 1564, neg: 61, bias: -58581 },
      { pos: 2586, neg: 465, bias: -48938 },
    ],
    accWidth: 10,
    positions: 27,
    lanes: 1,
  },
  // two lanes per word: the ring turns by 2 per word and by 1 per read-out step
  { ...CASES[1]!, fns: [...CASES[1]!.fns, { pos: -3, neg: 2, bias: 9 }], lanes: 2 },
  { ...CASES[2]!, lanes: 1 },
];

/** Input words of images: per position, C / lanes words of `lanes` channels in channel order. */
function inputWords(o: LogitOptions, ims: number[][][]): bigint[] {
  const L = o.lanes ?? o.fns.length;
  return ims.flatMap((im) => im.flatMap((row) => Array.from({ length: row.length / L }, (_, f) => packLanes(row.slice(f * L, (f + 1) * L), o.accWidth))));
}

/** Random images, the first two at the extremes of the input range. */
function images(o: LogitOptions, rng: () => number, count: number): number[][][] {
  const C = o.fns.length;
  const lo = -(2 ** (o.accWidth - 1));
  const span = 2 ** o.accWidth;
  return Array.from({ length: count }, (_, img) =>
    Array.from({ length: o.positions }, () => Array.from({ length: C }, () => (img === 0 ? lo : img === 1 ? -lo - 1 : lo + Math.floor(rng() * span)))),
  );
}

/** Lint and yosys check -assert clean, and logitUnitResources within 10 % of synth_ice40's LUT4 and FF. */
async function expectLintCleanAndEstimateClose(o: Parameters<typeof logitUnit>[0]): Promise<void> {
  const log = await lintAndCheck(logitUnit(o));
  const stat = log.slice(log.lastIndexOf('Number of cells'));
  const count = (re: RegExp) => [...stat.matchAll(re)].reduce((t, x) => t + Number(x[1]), 0);
  const lut4 = count(/SB_LUT4\s+(\d+)/g);
  const ff = count(/SB_DFF\w*\s+(\d+)/g);
  const est = logitUnitResources(o);
  expect(Math.abs(est.lut4 - lut4) / lut4).toBeLessThan(0.1);
  expect(Math.abs(est.ff - ff) / ff).toBeLessThan(0.1);
}

/** 30 random images (extremes included) through the unit under random valid/ready: every logit as the model's. */
async function randomImagesMatch(o: Parameters<typeof logitUnit>[0], seed: number): Promise<void> {
  const sim = await Simulator.build(logitUnit(o));
  const rng = makeRng(seed);
  const ims = images(o, rng, 30);
  const want = ims.flatMap((im) => logitModel(o.fns, im));
  const r = await driveStream(sim, inputWords(o, ims), { rng, expectOutputs: want.length });
  expect(r.outputs.map((w) => Number(BigInt.asIntN(logitWidth(o), w)))).toEqual(want);
}

/**
 * Three images from random power-on values (two init seeds) give the model's logits, and with
 * the stream always valid and ready each image's last logit leaves logitTailCycles after its
 * last input word.
 */
async function tailAndPowerOn(o: Parameters<typeof logitUnit>[0], imageSeed: number, driveSeed: number): Promise<void> {
  const sim = await Simulator.build(logitUnit(o), { randomInit: true });
  const ims = images(o, makeRng(imageSeed), 3);
  const words = inputWords(o, ims);
  const want = ims.flatMap((im) => logitModel(o.fns, im));
  for (const initSeed of [1, 2]) {
    const r = sim.runStreams({ inputs: { in: words }, expect: { out: want.length }, seed: initSeed, initSeed });
    expect(r.outputs.out!.map((w) => Number(BigInt.asIntN(logitWidth(o), w)))).toEqual(want);
  }
  const r = await driveStream(sim, words, { rng: makeRng(driveSeed), expectOutputs: want.length, pValid: 1, pReady: 1 });
  const C = o.fns.length;
  for (let img = 0; img < 3; img++) expect(r.outFires[(img + 1) * C - 1]! - r.inFires[(img + 1) * o.positions * C - 1]!).toBe(logitTailCycles(o.fns, o));
}

describe('logit unit, fold-serial input (a ring of sums)', () => {
  SERIAL_CASES.forEach((o, i) => {
    it(`${o.fns.length} channels, ${o.lanes} lane(s), ${o.positions} positions: random images and extremes, random valid/ready`, () => randomImagesMatch(o, 190 + i));
  });

  it('keeps logitTailCycles and needs no power-on values', () => tailAndPowerOn(SERIAL_CASES[1]!, 8, 3));

  it('refuses lanes that do not divide the channels', () => {
    expect(() => logitUnit({ ...CASES[1]!, lanes: 2 })).toThrow(/must divide/);
  });

  it('is lint-clean, passes yosys check -assert, and logitUnitResources is within 10 % of synth_ice40 (aami5, PE 1 and 2 lanes)', async () => {
    for (const o of [SERIAL_CASES[1]!, SERIAL_CASES[2]!]) {
      await expectLintCleanAndEstimateClose(o);
    }
  });
});

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
      await expectLintCleanAndEstimateClose(o);
    }
  });
});

describe('logit unit resources', () => {
  it('counts the constants ROM as a block RAM where Yosys puts it there (rhythm17: 17 channels x 18 steps), as LUTs for aami5', () => {
    const fnsOf = (name: string) => {
      const last = loadModel(`models/${name}.json`).layers.at(-1)!;
      if (last.out.kind !== 'logits') throw new Error(`${name}: last layer has no logits`);
      return last.out.fns;
    };
    const rhythm = fnsOf('ecgbnn-s-rhythm17');
    const aami = fnsOf('ecgbnn-s-aami5');
    expect(logitRomInBram({ fns: rhythm })).toBe(true);
    expect(logitRomInBram({ fns: aami })).toBe(false);
    const o = { accWidth: 10, positions: 27, lanes: 1 };
    expect(logitUnitResources({ ...o, fns: rhythm }).bram).toBe(1);
    expect(logitUnitResources({ ...o, fns: aami }).bram).toBe(0);
  });
});


/** The DSP form (one lane, multipliers 'dsp'): aami5's and rhythm17's last layers, and 6 small channels. */
const DSP_CASES: LogitOptions[] = [SERIAL_CASES[1]!, SERIAL_CASES[3]!, { ...SERIAL_CASES[2]!, lanes: 1 }].map((o) => ({ ...o, multipliers: 'dsp' as const }));

/** yosys synth_ice40 -dsp of the unit alone: LUT4, FF and SB_MAC16 counts. */
async function synthDsp(o: LogitOptions): Promise<{ lut4: number; ff: number; dsp: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bitbeat-logits-'));
  try {
    const m = logitUnit(o);
    const vfiles = emitDesign(m, dir).filter((f) => f.endsWith('.v')).map((f) => basename(f));
    const yosys = await resolveTool('yosys', 'synthesizing the logit unit');
    const r = await runTool(yosys, ['-p', `read_verilog ${vfiles.join(' ')}; synth_ice40 -dsp -top ${m.name}; stat`], { cwd: dir });
    const stat = r.stdout.slice(r.stdout.lastIndexOf('Number of cells'));
    const count = (re: RegExp) => [...stat.matchAll(re)].reduce((t, x) => t + Number(x[1]), 0);
    return { lut4: count(/SB_LUT4\s+(\d+)/g), ff: count(/SB_DFF\w*\s+(\d+)/g), dsp: count(/SB_MAC16\s+(\d+)/g) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('logit unit, DSP form (one lane, slope products accumulated in an SB_MAC16)', () => {
  it('is chosen only on iCE40 devices with DSPs, for one lane and products the DSP takes', () => {
    expect(logitMultipliersFor(TARGETS['ice40-up5k'])).toBe('dsp');
    expect(logitMultipliersFor(TARGETS['ice40-hx8k'])).toBe('logic');
    expect(logitMultipliersFor(TARGETS['ecp5-25f'])).toBe('logic');
    for (const o of DSP_CASES) expect(logitUsesDsp(o)).toBe(true);
    // two lanes, or a product under synth_ice40's 11-bit DSP minimum: the Horner unit
    expect(logitUsesDsp({ ...SERIAL_CASES[2]!, multipliers: 'dsp' })).toBe(false);
    expect(logitUsesDsp({ ...SERIAL_CASES[0]!, multipliers: 'dsp' })).toBe(false);
    expect(logitUnit({ ...SERIAL_CASES[0]!, multipliers: 'dsp' }).name).toBe(logitUnit(SERIAL_CASES[0]!).name);
  });

  DSP_CASES.forEach((o, i) => {
    it(`${o.fns.length} channels, ${o.positions} positions: random images and extremes, random valid/ready`, () => randomImagesMatch(o, 290 + i));
  });

  it('takes logitTailCycles (C + 1) and needs no power-on values', async () => {
    for (const o of DSP_CASES) {
      expect(logitTailCycles(o.fns, o)).toBe(o.fns.length + 1);
      await tailAndPowerOn(o, 18, 4);
    }
  });

  it('is lint-clean, passes yosys check -assert, maps to one SB_MAC16 with the adder inside, and logitUnitResources is within 10 % of synth_ice40 -dsp', async () => {
    for (const o of DSP_CASES) {
      await lintAndCheck(logitUnit(o));
      const got = await synthDsp(o);
      const est = logitUnitResources(o);
      expect(got.dsp).toBe(1);
      expect(est.dsp).toBe(1);
      expect(Math.abs(est.lut4 - got.lut4) / got.lut4).toBeLessThan(0.1);
      expect(Math.abs(est.ff - got.ff) / got.ff).toBeLessThan(0.1);
    }
    // the accumulation's adder is in the cell: aami5's unit, 35 LUT4 (the Horner unit: 206)
    expect((await synthDsp(DSP_CASES[0]!)).lut4).toBeLessThan(40);
  });
});
