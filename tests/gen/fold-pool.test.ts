import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { foldJohnson, foldPoolChunkFolds, foldPoolEntryInversion, foldPoolModel, foldPoolWritesAlways, foldPoolOutBits, foldPoolResources, foldPoolSlots, foldPoolSlotSerial, foldPoolUnit, foldPoolWordCycles, type FoldPoolOptions } from '../../hdl-gen/blocks/fold-pool.ts';
import { poolInputs } from '../../hdl-gen/blocks/pool.ts';
import { driveStream, packLanes, unpackLanes } from './streams.ts';
import { lintAndCheck } from './tools.ts';

const CASES: FoldPoolOptions[] = [
  // the engines' common case: pool 7/2, one bit per lane, some channels inverted (AND pooling)
  { folds: 4, pe: 2, size: 7, stride: 2, outputs: 5, mode: { kind: 'bits', width: 1, ops: ['or'] }, invert: 0b10010110n, storage: 'block' },
  // split pooling, two interval slots: G bits OR, L bits AND, finished to one bit per lane
  { folds: 3, pe: 2, size: 5, stride: 2, outputs: 6, mode: { kind: 'bits', width: 4, ops: ['or', 'or', 'and', 'and'], splitSlots: 2 }, invert: 0b100101n, storage: 'logic' },
  // integer max (logits layers), two folds: read and write addresses alternate every word
  { folds: 2, pe: 1, size: 3, stride: 1, outputs: 7, mode: { kind: 'max', width: 6 }, storage: 'distributed' },
  // subsampling only: no state memory
  { folds: 2, pe: 3, size: 1, stride: 3, outputs: 4, mode: { kind: 'bits', width: 1, ops: ['or'] }, invert: 0b010001n, storage: 'block' },
  // windows with gaps between them, five folds of one lane
  { folds: 5, pe: 1, size: 2, stride: 3, outputs: 5, mode: { kind: 'max', width: 5 }, storage: 'block' },
  // size = 2 * stride: windows overlap by half, AND pooling
  { folds: 2, pe: 2, size: 8, stride: 4, outputs: 4, mode: { kind: 'bits', width: 1, ops: ['and'] }, storage: 'logic' },
  // iCE40: the position counter is an LFSR (blocks/pool.ts's positionLfsr)
  { folds: 4, pe: 2, size: 7, stride: 2, outputs: 5, mode: { kind: 'bits', width: 1, ops: ['or'] }, invert: 0b10010110n, storage: 'block', family: 'ice40' },
  { folds: 5, pe: 1, size: 7, stride: 2, outputs: 3, mode: { kind: 'max', width: 5 }, storage: 'block', family: 'ice40' },
  // iCE40 block storage, even folds: Johnson fold counters of 1 and 4 bits (foldJohnson)
  { folds: 2, pe: 1, size: 3, stride: 1, outputs: 7, mode: { kind: 'max', width: 6 }, storage: 'block', family: 'ice40' },
  { folds: 8, pe: 1, size: 5, stride: 2, outputs: 6, mode: { kind: 'bits', width: 4, ops: ['or', 'or', 'and', 'and'], splitSlots: 2 }, invert: 0b10100101n, storage: 'block', family: 'ice40' },
];

/** Random lane values of one image: position-major, one value per channel. */
function randomImage(o: FoldPoolOptions, rng: ReturnType<typeof makeRng>, bias: number): number[][] {
  const C = o.folds * o.pe;
  const w = o.mode.width;
  return Array.from({ length: poolInputs(o) }, () =>
    Array.from({ length: C }, () => {
      if (o.mode.kind === 'max') return -(2 ** (w - 1)) + rng.int(2 ** w);
      let v = 0;
      for (let b = 0; b < w; b++) if (rng() < bias) v |= 1 << b;
      return v;
    }),
  );
}

/** The input beats of an image: per position, fold f carries channels f*PE .. f*PE+PE-1. */
function foldWords(o: FoldPoolOptions, image: number[][]): bigint[] {
  const words: bigint[] = [];
  for (const pos of image) for (let f = 0; f < o.folds; f++) words.push(packLanes(pos.slice(f * o.pe, (f + 1) * o.pe), o.mode.width));
  return words;
}

/**
 * A serial-output pool driven with random stalls at each (pValid, pReady): three random images,
 * every output word decoded and compared with the model's pooled rows split by `perOutput`.
 * Returns the input-accept cycles of the unstalled (1, 1) run, for pace checks.
 */
async function serialOutputMatches<T>(o: FoldPoolOptions, seed: number, stalls: (readonly [number, number])[], perOutput: (row: number[]) => T[], decode: (word: bigint) => T): Promise<number[]> {
  const sim = await Simulator.build(foldPoolUnit(o));
  let unstalled: number[] = [];
  for (const [pValid, pReady] of stalls) {
    const rng = makeRng(seed + Math.round(pReady * 7 + pValid * 3));
    const images = [0.5, 0.5, 0.5].map((bias) => randomImage(o, rng, bias));
    const words = images.flatMap((im) => foldWords(o, im));
    const want = images.flatMap((im) => foldPoolModel(o, im).flatMap(perOutput));
    const r = await driveStream(sim, words, { rng, expectOutputs: want.length, pValid, pReady });
    expect(r.outputs.map(decode), `pValid ${pValid}, pReady ${pReady}`).toEqual(want);
    expect(r.inFires.length).toBe(words.length);
    if (pValid === 1 && pReady === 1) unstalled = r.inFires;
  }
  return unstalled;
}

describe('fold-serial pool unit', () => {
  CASES.forEach((o, i) => {
    const label = `${o.mode.kind}${o.mode.kind === 'bits' && o.mode.splitSlots ? ' split' : ''} ${o.folds} folds x PE ${o.pe}, size ${o.size} stride ${o.stride}`;
    it(`${label}: matches the model over 4 images, with random stalls and at full rate`, async () => {
      const sim = await Simulator.build(foldPoolUnit(o));
      const C = o.folds * o.pe;
      const ow = foldPoolOutBits(o);
      const signed = o.mode.kind === 'max';
      for (const [pValid, pReady] of [
        [0.8, 0.5],
        [1, 1],
        [1, 0.15],
        [0.3, 1],
      ] as const) {
        const rng = makeRng(700 + i * 10 + Math.round(pReady * 7 + pValid * 3));
        const images = [0.15, 0.85, 0.5, 0.5].map((bias) => randomImage(o, rng, bias));
        const words = images.flatMap((im) => foldWords(o, im));
        const want = images.flatMap((im) => foldPoolModel(o, im));
        const r = await driveStream(sim, words, { rng, expectOutputs: want.length, pValid, pReady });
        const got = r.outputs.map((word) => unpackLanes(word, C, ow, signed));
        expect(got, `pValid ${pValid}, pReady ${pReady}`).toEqual(want);
        expect(r.inFires.length).toBe(words.length);
        if (pValid === 1 && pReady === 1) {
          // nothing to wait for: one fold word per cycle
          expect(r.inFires.every((c, k) => c === k)).toBe(true);
        }
      }
    });
  });

  // serial output (the logits layers' path): one output word per fold of an ending window
  [CASES[2]!, CASES[4]!, { ...CASES[0]!, mode: { kind: 'max' as const, width: 4 }, invert: undefined }, CASES[7]!].forEach((base, i) => {
    const o: FoldPoolOptions = { ...base, serialOut: true };
    it(`serial output, ${o.folds} folds x PE ${o.pe}, size ${o.size} stride ${o.stride}: fold words match the model, with random stalls`, async () => {
      const ow = foldPoolOutBits(o);
      await serialOutputMatches(o, 900 + i * 10, [[0.8, 0.5], [1, 1], [1, 0.15]],
        // per pooled output, fold f's PE lanes as one word
        (row) => Array.from({ length: o.folds }, (_, f) => row.slice(f * o.pe, (f + 1) * o.pe)),
        (word) => unpackLanes(word, o.pe, ow, true));
    });
  });

  // iCE40 chunked output (link.ts's narrow link into a RAM line buffer): the pooled word in
  // chunks of chunkBits, each sent with its last fold, inverted bits at the entry. aami5 1 ms
  // conv5's geometry (32 folds x PE 2, split lanes, chunks of 8: the binary counter's low
  // bits), Johnson counters (a ring register for the chunk's end: chunks of 2 and of 3 folds)
  const CHUNKED: FoldPoolOptions[] = [
    { folds: 32, pe: 2, size: 7, stride: 2, outputs: 3, mode: { kind: 'bits', width: 2, ops: ['or', 'and'], splitSlots: 1 }, invert: 0x0123456789abcdefn, storage: 'block', family: 'ice40', chunkBits: 8 },
    { folds: 8, pe: 2, size: 7, stride: 2, outputs: 4, mode: { kind: 'bits', width: 1, ops: ['or'] }, invert: 0b1001011000110101n, storage: 'block', family: 'ice40', chunkBits: 4 },
    { folds: 6, pe: 1, size: 3, stride: 1, outputs: 5, mode: { kind: 'bits', width: 1, ops: ['or'] }, invert: 0b100110n, storage: 'block', family: 'ice40', chunkBits: 3 },
  ];
  CHUNKED.forEach((o, i) => {
    it(`chunked output, ${o.folds} folds x PE ${o.pe}, chunks of ${o.chunkBits} bits: matches the model with random stalls`, async () => {
      const per = foldPoolChunkFolds(o)!;
      expect(per).toBe(o.chunkBits! / o.pe);
      const unstalled = await serialOutputMatches(o, 1500 + i * 10, [[0.8, 0.5], [1, 1], [1, 0.15], [0.3, 1]],
        // per pooled output, its channels in chunks (lowest first)
        (row) => Array.from({ length: row.length / o.chunkBits! }, (_, k) => row.slice(k * o.chunkBits!, (k + 1) * o.chunkBits!)),
        (word) => unpackLanes(word, o.chunkBits!, 1, false));
      // nothing to wait for: one fold word per cycle
      expect(unstalled.every((c, k) => c === k)).toBe(true);
    });
  });

  it('chunked output: only whole groups of two folds or more; fewer output flip-flops in the resource model', () => {
    const o = CHUNKED[0]!;
    expect(() => foldPoolChunkFolds({ ...o, chunkBits: 2 })).toThrow(/groups of two or more/);
    expect(() => foldPoolChunkFolds({ ...o, chunkBits: 6 })).toThrow(/groups of two or more/);
    expect(foldPoolChunkFolds({ ...o, chunkBits: 64 })).toBeNull(); // the whole word
    expect(foldPoolChunkFolds({ ...o, serialOut: true })).toBeNull();
    // every inverted lane bit at the entry
    expect(foldPoolEntryInversion(o).entry.every((fs) => fs.length > 0)).toBe(true);
    const whole = foldPoolResources({ ...o, chunkBits: undefined }, 'ice40');
    const chunked = foldPoolResources(o, 'ice40');
    // assembly 62 -> 6 bits, output register 64 -> 8 bits
    expect(whole.ff - chunked.ff).toBe(112);
    expect(chunked.lut4).toBe(whole.lut4);
  });

  // iCE40 integer max into the logit unit: slot by slot (foldPoolSlotSerial). The 1 ms
  // folding's conv6 geometry (3 slots, moves at every other position), a Johnson fold counter
  // with 2 slots and stride 1 (a move at every position), and windows that end between moves
  // (size 2, stride 3: one slot, the ending window read without a move)
  const SLOT_SERIAL: FoldPoolOptions[] = [
    { folds: 5, pe: 1, size: 7, stride: 2, outputs: 4, mode: { kind: 'max', width: 10 }, storage: 'block', serialOut: true, family: 'ice40' },
    { folds: 4, pe: 1, size: 3, stride: 1, outputs: 6, mode: { kind: 'max', width: 6 }, storage: 'block', serialOut: true, family: 'ice40' },
    { folds: 3, pe: 1, size: 2, stride: 3, outputs: 5, mode: { kind: 'max', width: 5 }, storage: 'block', serialOut: true, family: 'ice40' },
  ];
  SLOT_SERIAL.forEach((o, i) => {
    it(`slot-serial max, ${o.folds} folds, size ${o.size} stride ${o.stride}: matches the model with random stalls, a fold word every ${foldPoolWordCycles(o)} cycles at most`, async () => {
      expect(foldPoolSlotSerial(o)).toBe(true);
      const unstalled = await serialOutputMatches(o, 1300 + i * 10, [[1, 1], [0.8, 0.5], [1, 0.15], [0.2, 1]],
        // per pooled output, one word per fold (PE 1: one channel each)
        (row) => row,
        (word) => unpackLanes(word, 1, o.mode.width, true)[0]);
      // nothing to wait for: a word after the accepting cycle and one step per slot (one more
      // at a move), never slower than foldPoolWordCycles says
      const gaps = unstalled.slice(1).map((c, k) => c - unstalled[k]!);
      expect(Math.max(...gaps)).toBe(foldPoolWordCycles(o));
      expect(Math.min(...gaps)).toBe(o.stride === 1 ? foldPoolWordCycles(o) : 1 + foldPoolSlots(o));
    });
  });

  it('slot-serial max: only on iCE40, integer max at PE 1 with block storage and serial output', () => {
    const o = SLOT_SERIAL[0]!;
    expect(foldPoolSlotSerial({ ...o, family: 'ecp5' })).toBe(false);
    expect(foldPoolSlotSerial({ ...o, family: undefined })).toBe(false);
    expect(foldPoolSlotSerial({ ...o, serialOut: false })).toBe(false);
    expect(foldPoolSlotSerial({ ...o, storage: 'logic' })).toBe(false);
    expect(foldPoolSlotSerial({ ...o, pe: 2 })).toBe(false);
    expect(foldPoolWordCycles({ ...o, family: 'ecp5' })).toBe(1);
    expect(foldPoolUnit(o).generationParams.slotSerial).toBe(true);
  });

  it('slot-serial max: one comparator, the state in one block RAM (synth_ice40, the resource model within 3 LUT4)', async () => {
    // aami5's 1 ms conv6 pool: 5 folds x 3 slots of 10 bits, 27 outputs
    const o: FoldPoolOptions = { ...SLOT_SERIAL[0]!, outputs: 27 };
    const log = await lintAndCheck(foldPoolUnit(o));
    expect(log).toMatch(/SB_RAM40_4K\s+1\n/);
    const carries = Number(/SB_CARRY\s+(\d+)\n/.exec(log)![1]);
    expect(carries).toBeLessThanOrEqual(o.mode.width + 4);
    const luts = Number(/SB_LUT4\s+(\d+)\n/.exec(log)![1]);
    expect(Math.abs(luts - foldPoolResources(o, 'ice40').lut4)).toBeLessThanOrEqual(3);
    await lintAndCheck(foldPoolUnit(SLOT_SERIAL[1]!));
    await lintAndCheck(foldPoolUnit(SLOT_SERIAL[2]!));
  });

  it('iCE40 block storage is written in every cycle (no write-mask inverter) where the doubled depth takes no more blocks', () => {
    // CASES[6..9] are iCE40 block units, simulated above against the model in this form
    expect(CASES.map((o) => foldPoolUnit(o).generationParams.stateWrite ?? '-')).toEqual(['-', '-', '-', '-', '-', '-', 'always', 'always', 'always', 'always']);
    expect(foldPoolUnit(SLOT_SERIAL[0]!).generationParams.stateWrite).toBe('always');
    const o = CASES[6]!;
    expect(foldPoolWritesAlways({ ...o, family: 'ecp5' }, 2, 24)).toBe(false);
    expect(foldPoolWritesAlways({ ...o, storage: 'logic' }, 2, 24)).toBe(false);
    expect(foldPoolWritesAlways({ ...o, size: 1 }, 2, 24)).toBe(false);
    // aami5 1 ms conv4: 16 folds (Johnson, 8 address bits) of 12 bits fill a 256 x 16 block; 512 words would take two
    expect(foldPoolWritesAlways(o, 8, 12)).toBe(false);
    expect(foldPoolWritesAlways(o, 7, 12)).toBe(true);
  });

  it('iCE40 inverts a lane bit as its fold enters where that costs fewer LUT4 than one inverter per inverted fold; not on ECP5', () => {
    // aami5 1 ms conv1-shaped: 8 folds (Johnson), one lane, inverted in folds 0, 2, 4, 5
    const o: FoldPoolOptions = { folds: 8, pe: 1, size: 7, stride: 2, outputs: 6, mode: { kind: 'bits', width: 2, ops: ['or', 'and'], splitSlots: 1 }, invert: 0b00110101n, storage: 'block', family: 'ice40' };
    expect(foldPoolEntryInversion(o)).toEqual({ entry: [[0, 2, 4, 5]], lut4: 2 });
    expect(foldPoolEntryInversion({ ...o, family: 'ecp5' })).toEqual({ entry: [[]], lut4: 4 });
    // a lane bit inverted in one fold keeps its output inverter (the entry would cost as much)
    expect(foldPoolEntryInversion({ ...o, invert: 0b100n })).toEqual({ entry: [[]], lut4: 1 });
    // the simulated iCE40 cases above with an invert mask take the entry form for some lane bit
    expect(foldPoolEntryInversion(CASES[9]!).entry.some((fs) => fs.length > 0)).toBe(true);
    const v = foldPoolUnit(o);
    expect(v.generationParams.folds).toBe(8);
  });

  it('refuses a single fold (poolUnit serves that case)', () => {
    expect(() => foldPoolUnit({ ...CASES[0]!, folds: 1 })).toThrow(/at least 2 folds/);
  });

  it('is lint-clean, passes yosys check -assert, and puts the state where its storage says (synth_ice40)', async () => {
    // block RAM without the read-during-write bypass: no flip-flop holds a state bit
    const block = await lintAndCheck(foldPoolUnit(CASES[0]!));
    expect(block).toMatch(/SB_RAM40_4K\s+1\n/);
    const logic = await lintAndCheck(foldPoolUnit(CASES[1]!));
    expect(logic).not.toMatch(/SB_RAM40_4K\s+\d+\n/);
    await lintAndCheck(foldPoolUnit({ ...CASES[2]!, storage: 'block' }));
    await lintAndCheck(foldPoolUnit(CASES[3]!));
    await lintAndCheck(foldPoolUnit(CASES[6]!));
    // chunked output: the fold counter's low bits, and a ring register
    await lintAndCheck(foldPoolUnit(CHUNKED[0]!));
    await lintAndCheck(foldPoolUnit(CHUNKED[2]!));
    await lintAndCheck(foldPoolUnit({ ...CASES[7]!, serialOut: true }));
    await lintAndCheck(foldPoolUnit(CASES[9]!));
    expect(CASES.map((o) => foldJohnson(o))).toEqual([false, false, false, false, false, false, true, false, true, true]);
    await lintAndCheck(foldPoolUnit({ ...CASES[4]!, serialOut: true }));
  });
});
