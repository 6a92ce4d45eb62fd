import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { LFSR_TAPS, lfsrNext, poolInputs, poolModel, poolUnit, positionLfsr, type PoolOptions } from '../../hdl-gen/blocks/pool.ts';
import { driveStream, packLanes, unpackLanes } from './streams.ts';
import { lintAndCheck } from './tools.ts';

const CASES: PoolOptions[] = [
  { channels: 8, size: 8, stride: 4, outputs: 6, mode: { kind: 'bits', ops: ['or', 'and', 'or', 'or', 'and', 'and', 'or', 'and'] } },
  { channels: 3, size: 5, stride: 2, outputs: 7, mode: { kind: 'max', width: 6 } },
  { channels: 2, size: 2, stride: 3, outputs: 5, mode: { kind: 'bits', ops: ['or', 'and'] } },
  { channels: 4, size: 1, stride: 1, outputs: 4, mode: { kind: 'max', width: 4 } },
  { channels: 1, size: 3, stride: 1, outputs: 9, mode: { kind: 'bits', ops: ['and'] } },
  // size 1, stride 3: subsampling only (found by the random-model end-to-end test)
  { channels: 3, size: 1, stride: 3, outputs: 4, mode: { kind: 'max', width: 5 } },
  // the engines' pool 7/2 with 4 slots and 5 windows: the slot counters wrap mid-image and the
  // last start comes K - 1 positions before the image ends
  { channels: 2, size: 7, stride: 2, outputs: 5, mode: { kind: 'max', width: 4 } },
  // iCE40: the position counter is an LFSR (positionLfsr); 4-bit and 2-bit sequences
  { channels: 2, size: 7, stride: 2, outputs: 5, mode: { kind: 'max', width: 4 }, family: 'ice40' },
  { channels: 2, size: 2, stride: 1, outputs: 2, mode: { kind: 'bits', ops: ['or', 'and'] }, family: 'ice40' },
];

describe('pool unit', () => {
  CASES.forEach((o, i) => {
    it(`${o.mode.kind} ${o.channels}ch size ${o.size} stride ${o.stride}: 4 images under random valid/ready`, async () => {
      const sim = await Simulator.build(poolUnit(o));
      const rng = makeRng(40 + i);
      const w = o.mode.kind === 'bits' ? 1 : o.mode.width;
      const images: number[][][] = [];
      const words: bigint[] = [];
      for (let img = 0; img < 4; img++) {
        // bits biased so OR and AND both vary over a window
        const bias = [0.15, 0.85, 0.5, 0.5][img]!;
        const image = Array.from({ length: poolInputs(o) }, () =>
          Array.from({ length: o.channels }, () => (w === 1 ? (rng() < bias ? 1 : 0) : -(2 ** (w - 1)) + rng.int(2 ** w))),
        );
        images.push(image);
        for (const pos of image) words.push(packLanes(pos, w));
      }
      const want = images.flatMap((im) => poolModel(o, im));
      const r = await driveStream(sim, words, { rng, expectOutputs: want.length, pValid: 0.8, pReady: 0.6 });
      const got = r.outputs.map((word) => unpackLanes(word, o.channels, w, w > 1));
      expect(got).toEqual(want);
      // everything was consumed
      expect(r.inFires.length).toBe(words.length);
    });
  });

  it('the LFSR taps give every width its full 2^n - 1 sequence, and the position LFSR is iCE40 only', () => {
    for (const [n, taps] of Object.entries(LFSR_TAPS)) {
      const bits = Number(n);
      const seen = new Set<number>();
      let s = 0;
      do {
        seen.add(s);
        s = lfsrNext(s, bits, taps);
      } while (s !== 0 && seen.size <= 2 ** bits);
      expect(seen.size, `${bits} bits`).toBe(2 ** bits - 1);
    }
    const o = { size: 7, stride: 2, outputs: 898 };
    expect(positionLfsr(o)).toBeNull();
    expect(positionLfsr({ ...o, family: 'ecp5' })).toBeNull();
    expect(positionLfsr({ ...o, family: 'ice40' })!.bits).toBe(11);
    expect(new Set(positionLfsr({ ...o, family: 'ice40' })!.states).size).toBe(poolInputs(o));
  });

  it('is lint-clean and passes yosys check -assert', async () => {
    await lintAndCheck(poolUnit(CASES[7]!));
    await lintAndCheck(poolUnit(CASES[0]!));
    await lintAndCheck(poolUnit(CASES[1]!));
    await lintAndCheck(poolUnit(CASES[3]!));
  });
});
