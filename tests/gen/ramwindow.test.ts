import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { constant, emitDesignFiles, Module } from '../../src/hdl/index.ts';
import { ramWindow, ramWindowModel, ramWindowPadSlots, ramWindowUnsupported, type RamWindowOptions } from '../../hdl-gen/blocks/ramwindow.ts';
import { convOutLength } from '../../src/model/shapes.ts';
import { counterBits } from '../../hdl-gen/widths.ts';
import { packLanes, unpackLanes } from './streams.ts';
import { lintAndCheck } from './tools.ts';

function opts(o: Omit<RamWindowOptions, 'positions' | 'bits'> & { positions?: number }): RamWindowOptions {
  const conv = convOutLength(o.length, { kernel: o.kernel, stride: o.stride, pad: { left: o.padLeft, right: o.padRight, value: 0 } });
  return { ...o, bits: 1, positions: o.positions ?? conv };
}

/**
 * The engine's issue stage around the buffer: fold and group counters, issue = avail & ce,
 * restart at the last group, release at the last group of the last fold, and the valid bit
 * that travels with the registered read (p_valid in the engine).
 */
function harness(o: RamWindowOptions, folds: number): Module {
  const m = new Module(`rw_harness_${o.name}`, { description: 'issue stage around the RAM line buffer' });
  const groups = o.kernel * (o.channels / o.simd);
  const inp = m.streamIn('in', o.subBlockInput ? o.simd * o.bits : o.channels * o.bits);
  const ce = m.input('ce', 1);
  const rw = m.instance('ring', ramWindow(o));
  m.connect(inp, rw.stream('in'));
  const g = m.reg('g', counterBits(groups));
  const f = m.reg('f', counterBits(folds));
  const gLast = g.eq(groups - 1);
  const fLast = f.eq(folds - 1);
  const issue = m.let('issue', rw.out('avail').and(ce));
  rw.bind('ce', ce);
  rw.bind('step', issue);
  rw.bind('rewind', gLast);
  rw.bind('next_window', gLast.and(fLast));
  m.If(issue, () => {
    g.set(gLast.select(constant(0, g.width), g.add(1).trunc(g.width)));
    m.If(gLast, () => f.set(fLast.select(constant(0, f.width), f.add(1).trunc(f.width))));
  });
  const vq = m.reg('vq', 1, { reset: 0, enable: ce });
  vq.set(issue);
  m.output('q_valid', 1).set(vq);
  m.output('q_taps', o.simd * o.bits).set(rw.out('taps'));
  m.output('q_real', 1).set(o.pad.kind === 'zero' ? rw.out('is_real') : constant(1, 1));
  return m;
}

const CASES: { o: RamWindowOptions; folds: number }[] = [
  // conv2-like: k7 s1 pad 5/5 with +1 padding, two sub-blocks per position
  { o: opts({ length: 20, channels: 8, simd: 4, kernel: 7, stride: 1, padLeft: 5, padRight: 5, pad: { kind: 'const', value: 1 }, name: 'a' }), folds: 2 },
  // zero padding (masked), one word per position, stride 2
  { o: opts({ length: 15, channels: 4, simd: 4, kernel: 3, stride: 2, padLeft: 1, padRight: 1, pad: { kind: 'zero' }, name: 'b' }), folds: 1 },
  // pad -1 (bit 0), stride > kernel (gaps dropped), fewer positions than the conv length
  { o: opts({ length: 17, channels: 6, simd: 2, kernel: 2, stride: 3, padLeft: 1, padRight: 0, pad: { kind: 'const', value: -1 }, positions: 4, name: 'c' }), folds: 3 },
  // a dense layer's view: one window over the whole input
  { o: { length: 5, channels: 4, bits: 1, simd: 1, kernel: 5, stride: 1, padLeft: 0, padRight: 0, pad: { kind: 'const', value: 0 }, positions: 1, name: 'd' }, folds: 2 },
  // kernel larger than the input, zero padding on both sides, SIMD 1
  { o: opts({ length: 3, channels: 2, simd: 1, kernel: 6, stride: 1, padLeft: 3, padRight: 2, pad: { kind: 'zero' }, name: 'e' }), folds: 1 },
  // constant padding is written into the ring: kernel larger than the input, pads on both
  // sides of every window; and stride > kernel with a right pad the gaps skip
  { o: opts({ length: 3, channels: 2, simd: 1, kernel: 6, stride: 1, padLeft: 3, padRight: 2, pad: { kind: 'const', value: 1 }, name: 'e2' }), folds: 2 },
  { o: opts({ length: 13, channels: 4, simd: 2, kernel: 2, stride: 3, padLeft: 1, padRight: 3, pad: { kind: 'const', value: 1 }, name: 'c2' }), folds: 1 },
  // eight sub-blocks per position (one-hot write select, the padding by selecting none):
  // pad +1 and pad -1 (bit 0), and zero padding
  { o: opts({ length: 9, channels: 16, simd: 2, kernel: 3, stride: 1, padLeft: 2, padRight: 2, pad: { kind: 'const', value: 1 }, name: 'w8a' }), folds: 2 },
  { o: opts({ length: 8, channels: 8, simd: 1, kernel: 3, stride: 2, padLeft: 1, padRight: 2, pad: { kind: 'const', value: -1 }, name: 'w8b' }), folds: 1 },
  { o: opts({ length: 8, channels: 8, simd: 1, kernel: 3, stride: 1, padLeft: 1, padRight: 1, pad: { kind: 'zero' }, name: 'w8c' }), folds: 1 },
  // layer 1 (aami5 conv1-like): one 8-bit channel, k7 s2, pad -3 (an integer pad value)
  { o: { ...opts({ length: 21, channels: 1, simd: 1, kernel: 7, stride: 2, padLeft: 3, padRight: 3, pad: { kind: 'const', value: -3 }, name: 'f' }), bits: 8 }, folds: 3 },
  // integer taps, two channels of 5 bits, SIMD 2 (one word per position), pad 6
  { o: { ...opts({ length: 9, channels: 2, simd: 2, kernel: 3, stride: 1, padLeft: 2, padRight: 1, pad: { kind: 'const', value: 6 }, name: 'g' }), bits: 5 }, folds: 2 },
  // integer taps, two sub-blocks per position (SIMD 2 of 4 channels), pad 0
  { o: { ...opts({ length: 11, channels: 4, simd: 2, kernel: 3, stride: 2, padLeft: 1, padRight: 1, pad: { kind: 'const', value: 0 }, name: 'h' }), bits: 4 }, folds: 1 },
  // iCE40 forms (one word per position, power-of-two ring): the write address as wu's low
  // bits, and per-slot padding flags that read the pad half of the RAM (ramWindowPadSlots):
  // aami5 1-ms conv2..conv5-like (D 8, 16 bits, pad +1), D 4 with pad -1 (bit 0), stride 2,
  // stride > kernel (gaps dropped), integer taps, and zero padding (no flags, waddr from wu)
  { o: { ...opts({ length: 20, channels: 16, simd: 16, kernel: 7, stride: 1, padLeft: 5, padRight: 5, pad: { kind: 'const', value: 1 }, name: 'i1' }), family: 'ice40' }, folds: 2 },
  { o: { ...opts({ length: 9, channels: 8, simd: 8, kernel: 3, stride: 1, padLeft: 2, padRight: 2, pad: { kind: 'const', value: -1 }, name: 'i2' }), family: 'ice40' }, folds: 1 },
  { o: { ...opts({ length: 13, channels: 16, simd: 16, kernel: 6, stride: 2, padLeft: 3, padRight: 2, pad: { kind: 'const', value: 1 }, name: 'i3' }), family: 'ice40' }, folds: 3 },
  { o: { ...opts({ length: 14, channels: 8, simd: 8, kernel: 1, stride: 3, padLeft: 1, padRight: 1, pad: { kind: 'const', value: 1 }, name: 'i4' }), family: 'ice40' }, folds: 1 },
  { o: { ...opts({ length: 12, channels: 2, simd: 2, kernel: 7, stride: 1, padLeft: 3, padRight: 3, pad: { kind: 'const', value: -3 }, name: 'i5' }), bits: 8, family: 'ice40' }, folds: 2 },
  { o: { ...opts({ length: 15, channels: 4, simd: 4, kernel: 3, stride: 1, padLeft: 1, padRight: 1, pad: { kind: 'zero' }, name: 'i6' }), family: 'ice40' }, folds: 1 },
  // iCE40 with several words per position: the write address from wu and the sub-block index
  // (binary wj at W = 2, the one-hot select encoded at W = 8), gaps dropped W words at a time
  { o: { ...opts({ length: 20, channels: 8, simd: 4, kernel: 7, stride: 1, padLeft: 5, padRight: 5, pad: { kind: 'const', value: 1 }, name: 'j1' }), family: 'ice40' }, folds: 2 },
  { o: { ...opts({ length: 9, channels: 16, simd: 2, kernel: 3, stride: 1, padLeft: 2, padRight: 2, pad: { kind: 'const', value: 1 }, name: 'j2' }), family: 'ice40' }, folds: 2 },
  { o: { ...opts({ length: 8, channels: 8, simd: 1, kernel: 2, stride: 2, padLeft: 1, padRight: 2, pad: { kind: 'const', value: -1 }, name: 'j3' }), family: 'ice40' }, folds: 1 },
  { o: { ...opts({ length: 8, channels: 8, simd: 1, kernel: 3, stride: 1, padLeft: 1, padRight: 1, pad: { kind: 'zero' }, name: 'j4' }), family: 'ice40' }, folds: 1 },
  { o: { ...opts({ length: 14, channels: 4, simd: 2, kernel: 1, stride: 3, padLeft: 1, padRight: 1, pad: { kind: 'const', value: 1 }, name: 'j5' }), family: 'ice40' }, folds: 1 },
  // iCE40, sub-block input (one SIMD-tap beat per sub-block, link.ts's narrowLinks): aami5
  // 1-ms conv6-like (W 8, pad +1), pad -1 (bit 0) with stride > kernel (gap beats dropped one
  // by one), W 2 (binary wj), zero padding, and a non-power-of-two ring (waddr register)
  { o: { ...opts({ length: 12, channels: 16, simd: 2, kernel: 7, stride: 1, padLeft: 5, padRight: 5, pad: { kind: 'const', value: 1 }, name: 'k1' }), family: 'ice40', subBlockInput: true }, folds: 2 },
  { o: { ...opts({ length: 14, channels: 8, simd: 1, kernel: 2, stride: 3, padLeft: 1, padRight: 2, pad: { kind: 'const', value: -1 }, name: 'k2' }), family: 'ice40', subBlockInput: true }, folds: 1 },
  { o: { ...opts({ length: 20, channels: 8, simd: 4, kernel: 7, stride: 1, padLeft: 5, padRight: 5, pad: { kind: 'const', value: 1 }, name: 'k3' }), family: 'ice40', subBlockInput: true }, folds: 2 },
  { o: { ...opts({ length: 8, channels: 8, simd: 1, kernel: 3, stride: 1, padLeft: 1, padRight: 1, pad: { kind: 'zero' }, name: 'k4' }), family: 'ice40', subBlockInput: true }, folds: 1 },
  { o: { ...opts({ length: 11, channels: 6, simd: 2, kernel: 3, stride: 2, padLeft: 1, padRight: 1, pad: { kind: 'const', value: 1 }, name: 'k5' }), family: 'ice40', subBlockInput: true }, folds: 3 },
];

async function run(o: RamWindowOptions, folds: number, seed: number, pValid: number, pCe: number, images = 3) {
  const sim = await Simulator.build(harness(o, folds));
  const rng = makeRng(seed);
  // binary taps, or signed integers over the whole B-bit range
  const value = () => (o.bits === 1 ? rng.int(2) : rng.int(2 ** o.bits) - 2 ** (o.bits - 1));
  const imgs = Array.from({ length: images }, () => Array.from({ length: o.length }, () => Array.from({ length: o.channels }, value)));
  // sub-block input: each position as W beats of SIMD taps, sub-block 0 first
  const W = o.channels / o.simd;
  const beats = (pos: number[]) => (o.subBlockInput ? Array.from({ length: W }, (_, j) => packLanes(pos.slice(j * o.simd, (j + 1) * o.simd), o.bits)) : [packLanes(pos, o.bits)]);
  const words = imgs.flatMap((im) => im.flatMap(beats));
  const want = imgs.flatMap((im) => ramWindowModel(o, im, folds));
  const got: { taps: number[]; real: number }[] = [];
  const session = await sim.open();
  let next = 0;
  let cycle = 0;
  const inFires: number[] = [];
  try {
    while (got.length < want.length) {
      if (cycle > 50000) throw new Error(`stuck at cycle ${cycle}: ${next}/${words.length} in, ${got.length}/${want.length} reads`);
      const valid = next < words.length && rng() < pValid ? 1 : 0;
      const ce = rng() < pCe ? 1 : 0;
      const out = await session.step({ in_valid: valid, in_payload: next < words.length ? words[next]! : 0n, ce });
      if (valid && out.in_ready === 1n) {
        next++;
        inFires.push(cycle);
      }
      // the registered read is consumed when the next stage is enabled
      if (ce && out.q_valid === 1n) got.push({ taps: unpackLanes(out.q_taps!, o.simd, o.bits, o.bits > 1), real: Number(out.q_real!) });
      cycle++;
    }
  } finally {
    session.close();
  }
  return { got, want, inFires, cycles: cycle, words: words.length };
}

describe('RAM line buffer', () => {
  CASES.forEach(({ o, folds }, i) => {
    it(`L${o.length} C${o.channels} SIMD${o.simd} k${o.kernel} s${o.stride} pad ${o.padLeft}/${o.padRight} ${o.pad.kind}${o.pad.kind === 'const' ? o.pad.value : ''} x${folds} folds: 3 images, random input and stalls`, async () => {
      const r = await run(o, folds, 80 + i, 0.6, 0.7);
      const norm = r.want.map((w) => ({ taps: w.taps, real: o.pad.kind === 'zero' ? w.real : 1 }));
      // a masked (padding) group's data is don't-care: compare it as zeros
      const clean = (xs: { taps: number[]; real: number }[]) => xs.map((x) => (x.real ? x : { taps: x.taps.map(() => 0), real: 0 }));
      expect(clean(r.got)).toEqual(clean(norm));
      // every image consumes exactly L positions: two whole images before the third's reads end
      expect(r.inFires.length).toBeGreaterThanOrEqual(2 * o.length * (o.subBlockInput ? o.channels / o.simd : 1));
    });
  });

  it('keeps up: with input always valid and no stalls, reads run back to back after the first window', async () => {
    const { o, folds } = CASES[0]!;
    const r = await run(o, folds, 5, 1, 1, 2);
    const groups = o.kernel * (o.channels / o.simd);
    // two images: the reads themselves plus at most the fill of each image's first window
    // (W cycles per position written) and the one-cycle read register
    expect(r.cycles).toBeLessThanOrEqual(r.want.length + 2 * (o.kernel * (o.channels / o.simd) + 2));
    expect(groups).toBeGreaterThan(1);
  });

  it('takes integer taps, refuses a SIMD that does not divide the channels', () => {
    expect(ramWindowUnsupported({ bits: 8, channels: 1, simd: 1, kernel: 7, stride: 2, positions: 10 })).toBeNull();
    expect(ramWindowUnsupported({ bits: 1, channels: 8, simd: 3, kernel: 7, stride: 1, positions: 10 })).toMatch(/divide/);
  });

  it('is lint-clean and passes yosys check -assert', async () => {
    for (const c of [CASES[0]!, CASES[2]!, CASES[7]!, CASES[13]!, CASES[17]!, CASES[18]!, CASES[19]!, CASES[20]!, CASES[24]!, CASES[25]!, CASES[28]!]) await lintAndCheck(ramWindow(c.o));
  });

  it('on iCE40 keeps padding flags per slot and a pad half of the RAM; elsewhere writes the pad word', () => {
    const base = CASES[13]!.o; // D 8, 16-bit words
    expect(ramWindowPadSlots(base)).toBe(true);
    expect(ramWindowPadSlots({ ...base, family: 'ecp5' })).toBe(false);
    expect(ramWindowPadSlots({ ...base, family: undefined })).toBe(false);
    expect(ramWindowPadSlots({ ...base, pad: { kind: 'zero' } })).toBe(false);
    expect(ramWindowPadSlots({ ...base, channels: 8, simd: 8 })).toBe(false); // 8 bits < 2D: the flags cost more
    expect(ramWindowPadSlots({ ...base, simd: 8 })).toBe(false); // two words per position
    const ice = emitDesignFiles(ramWindow(base)).map((f) => f.text).join('\n');
    expect(ice).toMatch(/reg \[15:0\] ring \[0:15\];/);
    expect(ice).toContain("ring[15] = 16'hffff;");
    expect(ice).toContain('pad_slot7');
    expect(ice).not.toMatch(/reg \[2:0\] waddr;/);
    const ecp = emitDesignFiles(ramWindow({ ...base, family: 'ecp5' })).map((f) => f.text).join('\n');
    expect(ecp).toMatch(/reg \[15:0\] ring \[0:7\];/);
    expect(ecp).not.toContain('pad_slot');
    expect(ecp).toMatch(/reg \[2:0\] waddr;/);
  });
});
