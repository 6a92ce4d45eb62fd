import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { lanesUnsupported, lineBuffer, lineBufferModel, windowWidth, type LineBufferOptions } from '../../hdl-gen/blocks/linebuffer.ts';
import { convOutLength } from '../../src/model/shapes.ts';
import { driveStream, packLanes, unpackLanes } from './streams.ts';
import { lintAndCheck } from './tools.ts';
import { emitDesignFiles } from '../../src/hdl/index.ts';

function opts(o: Omit<LineBufferOptions, 'positions'> & { positions?: number }): LineBufferOptions {
  const conv = convOutLength(o.length, { kernel: o.kernel, stride: o.stride, pad: { left: o.padLeft, right: o.padRight, value: 0 } });
  return { ...o, positions: o.positions ?? conv };
}

const CASES: LineBufferOptions[] = [
  // BTPN layer-1 geometry, shortened: integer input, k16 s2 pad 7/7, pad value 0 as a constant
  opts({ length: 40, channels: 1, bits: 8, kernel: 16, stride: 2, padLeft: 7, padRight: 7, pad: { kind: 'const', value: 0 } }),
  // binary, zero padding (masked), k3 s1
  opts({ length: 12, channels: 4, bits: 1, kernel: 3, stride: 1, padLeft: 1, padRight: 1, pad: { kind: 'zero' } }),
  // binary pad +1 (constant bit), k5 pad 2/0, fewer positions than the conv length (pooling drops the tail)
  opts({ length: 11, channels: 3, bits: 1, kernel: 5, stride: 1, padLeft: 2, padRight: 0, pad: { kind: 'const', value: 1 }, positions: 5 }),
  // stride larger than the kernel: gaps are consumed and dropped
  opts({ length: 13, channels: 2, bits: 1, kernel: 1, stride: 3, padLeft: 0, padRight: 0, pad: { kind: 'zero' } }),
  // integer pad value -3, kernel larger than the input
  opts({ length: 3, channels: 1, bits: 5, kernel: 6, stride: 1, padLeft: 3, padRight: 2, pad: { kind: 'const', value: -3 } }),
  // kernel not a multiple of the stride: the first window's fill starts part-way into the
  // stage (aami5 conv1: k7 s2, integer pad 0; and a masked one, k3 s2)
  opts({ length: 23, channels: 1, bits: 8, kernel: 7, stride: 2, padLeft: 5, padRight: 5, pad: { kind: 'const', value: 0 } }),
  opts({ length: 14, channels: 3, bits: 1, kernel: 3, stride: 2, padLeft: 1, padRight: 1, pad: { kind: 'zero' } }),
  // a dense layer's view: the whole input as one window
  { length: 6, channels: 5, bits: 1, kernel: 6, stride: 1, padLeft: 0, padRight: 0, pad: { kind: 'const', value: 0 }, positions: 1 },
];
// the same geometries in the iCE40 form (no window counter: the last window is told by the
// loader having passed the last needed entry with nothing staged)
CASES.push(...CASES.map((o) => ({ ...o, family: 'ice40' as const })));

describe('line buffer', () => {
  CASES.forEach((o, i) => {
    it(`L${o.length} C${o.channels}x${o.bits} k${o.kernel} s${o.stride} pad ${o.padLeft}/${o.padRight} ${o.pad.kind}${o.family ? ` ${o.family}` : ''}: 3 images, random valid/ready`, async () => {
      const sim = await Simulator.build(lineBuffer(o));
      const rng = makeRng(60 + i);
      const images: number[][][] = [];
      const words: bigint[] = [];
      for (let img = 0; img < 3; img++) {
        const lo = o.bits === 1 ? 0 : -(2 ** (o.bits - 1));
        const image = Array.from({ length: o.length }, () => Array.from({ length: o.channels }, () => lo + rng.int(2 ** o.bits)));
        images.push(image);
        for (const pos of image) words.push(packLanes(pos, o.bits));
      }
      const want = images.flatMap((im) => lineBufferModel(o, im));
      const r = await driveStream(sim, words, { rng, inName: 'in', outName: 'win', expectOutputs: want.length, pValid: 0.8, pReady: 0.5 });
      const taps = o.kernel * o.channels;
      const got = r.outputs.map((w) => ({
        taps: unpackLanes(w, taps, o.bits, o.bits > 1),
        mask: o.pad.kind === 'zero' ? unpackLanes(w >> BigInt(taps * o.bits), o.kernel, 1, false) : want[0]!.mask.map(() => -1),
      }));
      const expected = o.pad.kind === 'zero' ? want : want.map((x) => ({ taps: x.taps, mask: x.mask.map(() => -1) }));
      expect(got).toEqual(expected);
      expect(windowWidth(o)).toBe(taps * o.bits + (o.pad.kind === 'zero' ? o.kernel : 0));
      // every image consumed exactly L positions (2 full images + at least the needed part of the third)
      expect(r.inFires.length).toBeGreaterThanOrEqual(2 * o.length);
    });
  });

  it('keeps up: with input and engine always ready, one window per stride positions', async () => {
    const o = CASES[1]!;
    const sim = await Simulator.build(lineBuffer(o));
    const rng = makeRng(7);
    const words = Array.from({ length: o.length * 4 }, () => BigInt(rng.int(16)));
    const r = await driveStream(sim, words, { rng, inName: 'in', outName: 'win', expectOutputs: o.positions * 4, pValid: 1, pReady: 1 });
    // within an image windows come back to back once the first is loaded
    const gaps = r.outFires.slice(1, o.positions).map((t, k) => t - r.outFires[k]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(o.stride);
  });

  it('is lint-clean and passes yosys check -assert', async () => {
    for (const o of [CASES[0]!, CASES[1]!, CASES[3]!, CASES[10]!, CASES[13]!]) await lintAndCheck(lineBuffer(o));
  });

  it('has a window counter except on iCE40 with a staging register', () => {
    const text = (o: LineBufferOptions) => emitDesignFiles(lineBuffer(o)).map((f) => f.text).join('\n');
    expect(text(CASES[5]!)).toMatch(/reg \[\d+:0\] pidx;/);
    expect(text({ ...CASES[5]!, family: 'ecp5' })).toMatch(/reg \[\d+:0\] pidx;/);
    expect(text({ ...CASES[5]!, family: 'ice40' })).not.toContain('pidx');
  });
});

/**
 * Several positions per beat (layer 1 behind a multi-lane normalizer): beats of `lanes`
 * positions, the last one partial when the length is not a multiple (its extra lanes carry
 * random junk the buffer must ignore).
 */
const LANE_CASES: LineBufferOptions[] = [
  // ecgbnn-s layer 1, shortened: k7 s2 pad 5/5, even length, 2 lanes (stride = lanes)
  opts({ length: 40, channels: 1, bits: 8, kernel: 7, stride: 2, padLeft: 5, padRight: 5, pad: { kind: 'const', value: 0 }, lanes: 2 }),
  // odd length, odd padding, pad value -3, pooling drops the tail (fewer positions)
  opts({ length: 37, channels: 1, bits: 6, kernel: 7, stride: 2, padLeft: 3, padRight: 4, pad: { kind: 'const', value: -3 }, positions: 15, lanes: 2 }),
  // 3 lanes, stride 1, odd everything, two channels
  opts({ length: 23, channels: 2, bits: 4, kernel: 5, stride: 1, padLeft: 2, padRight: 1, pad: { kind: 'const', value: 5 }, lanes: 3 }),
  // zero padding (masked), 2 lanes, no left padding, length 2 more than the kernel
  opts({ length: 9, channels: 3, bits: 1, kernel: 7, stride: 3, padLeft: 0, padRight: 3, pad: { kind: 'zero' }, lanes: 2 }),
  // 4 lanes, stride 4 = lanes, padding longer than a beat at both ends
  opts({ length: 30, channels: 1, bits: 5, kernel: 8, stride: 4, padLeft: 6, padRight: 5, pad: { kind: 'const', value: 1 }, lanes: 4 }),
];

function laneBeats(image: number[][], o: LineBufferOptions, rng: () => number): bigint[] {
  const lanes = o.lanes!;
  const posW = o.channels * o.bits;
  const beats: bigint[] = [];
  for (let i = 0; i < image.length; i += lanes) {
    let word = 0n;
    for (let e = 0; e < lanes; e++) {
      const pos = image[i + e];
      const v = pos ? packLanes(pos, o.bits) : BigInt(Math.floor(rng() * 2 ** posW)); // junk past the end
      word |= v << BigInt(e * posW);
    }
    beats.push(word);
  }
  return beats;
}

describe('line buffer, several positions per beat', () => {
  LANE_CASES.forEach((o, i) => {
    it(`${o.lanes} lanes, L${o.length} C${o.channels}x${o.bits} k${o.kernel} s${o.stride} pad ${o.padLeft}/${o.padRight} ${o.pad.kind}: 4 images, random valid/ready`, async () => {
      const sim = await Simulator.build(lineBuffer(o));
      const rng = makeRng(90 + i);
      const images: number[][][] = [];
      const words: bigint[] = [];
      for (let img = 0; img < 4; img++) {
        const lo = o.bits === 1 ? 0 : -(2 ** (o.bits - 1));
        const image = Array.from({ length: o.length }, () => Array.from({ length: o.channels }, () => lo + rng.int(2 ** o.bits)));
        images.push(image);
        words.push(...laneBeats(image, o, rng));
      }
      const want = images.flatMap((im) => lineBufferModel(o, im));
      const taps = o.kernel * o.channels;
      const decode = (w: bigint) => ({
        taps: unpackLanes(w, taps, o.bits, o.bits > 1),
        mask: o.pad.kind === 'zero' ? unpackLanes(w >> BigInt(taps * o.bits), o.kernel, 1, false) : want[0]!.mask.map(() => -1),
      });
      const expected = o.pad.kind === 'zero' ? want : want.map((x) => ({ taps: x.taps, mask: x.mask.map(() => -1) }));
      for (const [pValid, pReady] of [
        [0.8, 0.5],
        [0.4, 0.95],
        [1, 1],
      ] as const) {
        const r = await driveStream(sim, words, { rng, inName: 'in', outName: 'win', expectOutputs: want.length, pValid, pReady });
        expect(r.outputs.map(decode), `pValid ${pValid} pReady ${pReady}`).toEqual(expected);
        // the first three images consumed exactly their beats (the fourth at least its needed part)
        expect(r.inFires.length).toBeGreaterThanOrEqual(3 * Math.ceil(o.length / o.lanes!));
      }
    });
  });

  // odd kernel with odd padding (ecgbnn-s), and even kernel with odd padding (btpn: the
  // count settles at K + 1, which a queue of K + lanes slots served every other cycle only)
  for (const o of [LANE_CASES[0]!, opts({ length: 40, channels: 1, bits: 8, kernel: 16, stride: 2, padLeft: 7, padRight: 7, pad: { kind: 'const', value: 0 }, lanes: 2 })]) {
    it(`keeps up: 2 lanes at stride 2, k${o.kernel} pad ${o.padLeft}, one window per cycle with input and engine always ready`, async () => {
      const sim = await Simulator.build(lineBuffer(o));
      const rng = makeRng(8);
      const words = Array.from({ length: (o.length / 2) * 3 }, () => BigInt(rng.int(2 ** 16)));
      const r = await driveStream(sim, words, { rng, inName: 'in', outName: 'win', expectOutputs: o.positions * 3, pValid: 1, pReady: 1 });
      const gaps = r.outFires.slice(1, o.positions).map((t, k) => t - r.outFires[k]!);
      expect(Math.max(...gaps)).toBe(1);
    });
  }

  it('says why a geometry cannot take several positions per beat', () => {
    expect(lanesUnsupported({ kernel: 1, stride: 3, length: 13 }, 2)).toMatch(/stride 3 exceeds kernel 1/);
    expect(lanesUnsupported({ kernel: 7, stride: 2, length: 1 }, 2)).toMatch(/exceeds the input length/);
    expect(lanesUnsupported({ kernel: 7, stride: 2, length: 3600 }, 2)).toBeNull();
    expect(() => lineBuffer({ ...LANE_CASES[0]!, stride: 9, kernel: 7 })).toThrow(/stride 9 exceeds kernel 7/);
  });

  it('is lint-clean and passes yosys check -assert', async () => {
    for (const o of [LANE_CASES[0]!, LANE_CASES[3]!]) await lintAndCheck(lineBuffer(o));
  });
});
