import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { getTarget } from '../../src/design/targets.ts';
import { randomModel, randomWindows } from '../../src/model/random.ts';
import { fullyFolded, fullyParallel, validateFolding } from '../../hdl-gen/folding.ts';
import { btpnShapedModel, smallModel } from './fixtures.ts';
import { autoFolding } from '../../hdl-gen/auto.ts';
import { runAccelerator } from './accelerator-sim.ts';
import { buildDesign } from '../../hdl-gen/generate.ts';
import { emitDesignFiles } from '../../src/hdl/index.ts';

const up5k = getTarget('ice40-up5k');

describe('generated accelerator vs the integer reference (Verilator)', () => {
  const model = smallModel();
  const windows = randomWindows(makeRng(5), model, 6);

  it('small model, fully folded: every traced stream and the class are bit-exact', async () => {
    const r = await runAccelerator(model, fullyFolded(model), up5k, windows, makeRng(1));
    expect(r.classes.length).toBe(6);
  });

  it('small model, fully parallel', async () => {
    await runAccelerator(model, fullyParallel(model), up5k, windows, makeRng(2));
  });

  it('small model, mixed folding', async () => {
    const f = validateFolding(model, { layers: [{ layer: 'conv0', pe: 2, simd: 3 }, { layer: 'conv1', pe: 3, simd: 4 }, { layer: 'dense', pe: 1, simd: 16 }] });
    await runAccelerator(model, f, up5k, windows, makeRng(3));
  });

  it('small model, popcount pipeline registers (2 and 1 stages) under back-pressure', async () => {
    const f = validateFolding(model, { layers: [{ layer: 'conv0', pe: 2, simd: 1 }, { layer: 'conv1', pe: 3, simd: 6, pipeline: 2 }, { layer: 'dense', pe: 1, simd: 48, pipeline: 1 }] });
    await runAccelerator(model, f, up5k, windows, makeRng(6), { name: 'small_pipe', pReady: 0.4 });
  });

  it('small model, RAM line buffers (zero padding, constant and ROM weights, dense) under back-pressure', async () => {
    const f = validateFolding(model, { layers: [{ layer: 'conv0', pe: 2, simd: 3, window: 'regs' }, { layer: 'conv1', pe: 6, simd: 2, window: 'ram', pipeline: 2 }, { layer: 'dense', pe: 3, simd: 3, window: 'ram', pipeline: 1 }] });
    await runAccelerator(model, f, up5k, windows, makeRng(7), { name: 'small_ramwin', pReady: 0.4 });
    const g = validateFolding(model, { layers: [{ layer: 'conv0', pe: 4, simd: 3 }, { layer: 'conv1', pe: 6, simd: 4, window: 'ram' }, { layer: 'dense', pe: 3, simd: 6, window: 'ram' }] });
    await runAccelerator(model, g, up5k, windows, makeRng(8), { name: 'small_ramwin_wide' });
  });

  it('small model, layer 1 (integer taps, constant padding) in a RAM line buffer under back-pressure', async () => {
    const f = validateFolding(model, { layers: [{ layer: 'conv0', pe: 2, simd: 1, window: 'ram', pipeline: 1 }, { layer: 'conv1', pe: 3, simd: 4, window: 'ram' }, { layer: 'dense', pe: 1, simd: 16 }] });
    await runAccelerator(model, f, up5k, windows, makeRng(9), { name: 'small_ramwin_l1', pReady: 0.4 });
  });

  it('BTPN-shaped model (1,800 samples), iCE40 narrow links: fold-serial pools send 8-bit sub-blocks into RAM line buffers, under back-pressure', async () => {
    // link.ts takes chunks of 8 bits or more only (4-bit chunks slowed btpn-aami5's producers),
    // which the small model's 4 channels cannot give; this shape's auto folding has three
    const big = btpnShapedModel(5, 1800);
    const f = autoFolding(big, up5k, { kind: 'cycles', targetCycles: 100000 }).folding;
    const { top } = buildDesign(big, f, up5k, 'btpn_narrow', { trace: true, allowOverBudget: true });
    const text = emitDesignFiles(top).map((x) => x.text).join('\n');
    expect(text).toContain('input=sub-block');
    expect(text.match(/chunkBits=8\b/g)?.length).toBe(3);
    await runAccelerator(big, f, up5k, randomWindows(makeRng(11), big, 2), makeRng(10), { name: 'btpn_narrow', pReady: 0.4 });
  });

  it('a RAM line buffer the layer cannot use is refused', () => {
    expect(() => validateFolding(model, { layers: [{ layer: 'conv0', pe: 1, simd: 3, window: 'ram' }, { layer: 'conv1', pe: 1, simd: 1 }, { layer: 'dense', pe: 1, simd: 1 }] })).toThrow(/window 'ram' impossible: SIMD 3 does not divide the 1 input channels/);
    expect(() => validateFolding(model, { layers: [{ layer: 'conv0', pe: 1, simd: 1 }, { layer: 'conv1', pe: 1, simd: 3, window: 'ram' }, { layer: 'dense', pe: 1, simd: 1 }] })).toThrow(/SIMD 3 does not divide the 4 input channels/);
  });

  it('small model, weight ROMs forced into block RAM', async () => {
    const f = validateFolding(model, { layers: [{ layer: 'conv0', pe: 1, simd: 3, weights: 'bram' }, { layer: 'conv1', pe: 2, simd: 6, weights: 'bram' }, { layer: 'dense', pe: 3, simd: 8, weights: 'bram' }] });
    await runAccelerator(model, f, up5k, windows, makeRng(4), { name: 'small_bram' });
  });
});

describe('random models, random foldings (Verilator vs reference)', () => {
  // Every feature of the format is drawn by randomModel: both normalizers, integer and ±1/0
  // padding, strides (also larger than the kernel), pools (or none), every bit-function kind
  // (so bit pooling and integer pooling), hidden dense layers, dense and global-sum heads.
  for (let seed = 1; seed <= 12; seed++) {
    it(`seed ${seed}`, async () => {
      const rng = makeRng(seed);
      const model = randomModel(rng, { inputLength: [24, 48], maxChannels: 6, binaryConvLayers: [0, 2] });
      const frng = makeRng(100 + seed);
      const pick = (xs: number[]) => xs[Math.floor(frng() * xs.length)]!;
      const divs = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
      const shapes = (await import('../../src/model/shapes.ts')).layerShapes(model);
      // odd seeds also pipeline the binary layers' popcount trees
      const folding = validateFolding(model, {
        layers: shapes.map((s) => ({ layer: s.name, pe: pick(divs(s.outChannels)), simd: pick(divs(s.taps)), ...(seed % 2 === 1 && s.inputKind === 'binary' ? { pipeline: 1 + (seed % 3) } : {}) })),
      });
      const windows = randomWindows(makeRng(200 + seed), model, 3);
      await runAccelerator(model, folding, up5k, windows, makeRng(300 + seed), { name: `rand${seed}` });
    });
  }
});

describe('the logit unit\'s DSP form in a whole design (UP5K, fold-serial head with one lane)', () => {
  // random models (seeds found to have a pooled global-sum head whose products reach the
  // SB_MAC16's 11-bit minimum), fully folded: their last layer leaves one value per word
  for (const seed of [21, 109]) {
    it(`random model seed ${seed}, fully folded, under back-pressure`, async () => {
      const model = randomModel(makeRng(seed), { inputLength: [24, 48], maxChannels: 6, binaryConvLayers: [0, 2] });
      const folding = fullyFolded(model);
      const { top } = buildDesign(model, folding, up5k, `dsp${seed}`, { trace: true, allowOverBudget: true });
      const files = emitDesignFiles(top);
      expect(files.some((f) => f.text.includes('accumulated in a DSP'))).toBe(true);
      // seed 109's head pools (max 3/2 over 5 folds of one lane): the iCE40 slot-serial integer max pool
      // (blocks/fold-pool.ts's foldPoolSlotSerial) in front of the logit unit
      if (seed === 109) expect(files.some((f) => f.text.includes('fold-serial max-pool, slot by slot'))).toBe(true);
      await runAccelerator(model, folding, up5k, randomWindows(makeRng(400 + seed), model, 3), makeRng(500 + seed), { name: `dsp${seed}`, pReady: 0.5 });
    });
  }
});

