/**
 * Several samples per beat from the normalizer into layer 1 (folding `inputLanes`): whole
 * accelerators against the integer reference under random valid/ready (odd and even window
 * lengths, padding at both ends), the folding check, the analytical model and auto's choice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { makeRng } from '../../src/data/rng.ts';
import { getTarget } from '../../src/design/targets.ts';
import { randomModel, randomWindows } from '../../src/model/random.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import { loadModel } from '../../src/model/load.ts';
import { emitDesignFiles } from '../../src/hdl/index.ts';
import { autoFolding, DEFAULT_FIT_MARGIN, ECP5_WIDE_LUT_FACTOR } from '../../hdl-gen/auto.ts';
import { estimateDesign } from '../../hdl-gen/estimate.ts';
import { inputLanesUnsupported, validateFolding, type FoldingConfig } from '../../hdl-gen/folding.ts';
import { buildDesign, generateDesign } from '../../hdl-gen/generate.ts';
import { foldingLabel } from '../../sim/cosim/foldings.ts';
import { smallModel } from './fixtures.ts';
import { runAccelerator } from './accelerator-sim.ts';

const up5k = getTarget('ice40-up5k');
const ecp5 = getTarget('ecp5-25f');

describe('accelerators with a multi-lane normalizer vs the integer reference (Verilator)', () => {
  // z-score models drawn until six take the lanes (layer 1 stride <= kernel); their lengths
  // and paddings vary, and the folding is random
  const picked: { seed: number; lanes: number }[] = [];
  for (let seed = 1; picked.length < 6 && seed < 200; seed++) {
    const model = randomModel(makeRng(seed), { inputLength: [21, 47], maxChannels: 5, binaryConvLayers: [0, 2], normalizer: 'zscore' });
    const shape = layerShapes(model)[0]!;
    const lanes = picked.length % 3 === 2 ? 3 : 2;
    if (!inputLanesUnsupported(model, shape, { layer: shape.name, pe: 1, simd: 1 }, lanes)) picked.push({ seed, lanes });
  }
  it('found six models for the lanes', () => expect(picked.length).toBe(6));
  for (const { seed, lanes } of picked) {
    it(`random z-score model ${seed}, ${lanes} lanes, random folding: every traced stream and the class bit-exact`, async () => {
      const model = randomModel(makeRng(seed), { inputLength: [21, 47], maxChannels: 5, binaryConvLayers: [0, 2], normalizer: 'zscore' });
      const frng = makeRng(500 + seed);
      const divs = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
      const pick = (xs: number[]) => xs[Math.floor(frng() * xs.length)]!;
      const shapes = layerShapes(model);
      const cfg: FoldingConfig = { layers: shapes.map((s, i) => ({ layer: s.name, pe: pick(divs(s.outChannels)), simd: i === 0 ? s.taps : pick(divs(s.taps)) })), inputLanes: lanes };
      const folding = validateFolding(model, cfg);
      const windows = randomWindows(makeRng(700 + seed), model, 4);
      const stalls = seed % 2 === 0 ? { pValid: 0.9, pReady: 0.4 } : { pValid: 0.6, pReady: 0.8 };
      await runAccelerator(model, folding, up5k, windows, makeRng(900 + seed), { name: `lanes${seed}`, ...stalls });
    });
  }
});

describe('inputLanes in the folding file', () => {
  it('is refused with one line where it cannot work', () => {
    const small = smallModel(); // offset normalizer
    const layers = layerShapes(small).map((s) => ({ layer: s.name, pe: 1, simd: 1 }));
    expect(() => validateFolding(small, { layers, inputLanes: 2 }, 'f.json')).toThrow(UserError);
    expect(() => validateFolding(small, { layers, inputLanes: 2 }, 'f.json')).toThrow(/^f\.json: inputLanes 2 impossible for model '.*': the 'offset' normalizer streams one sample per beat; remove inputLanes or set it to 1$/);
    expect(validateFolding(small, { layers, inputLanes: 1 }).inputLanes).toBe(1);
    expect(validateFolding(small, { layers }).inputLanes).toBeUndefined();
  });

  it('the manifest and the folding label record the lanes and buffers, so they name one design', () => {
    const model = loadModel('models/ecgbnn-s-aami5.json');
    const layers = layerShapes(model).map((s, i) => ({ layer: s.name, pe: 1, simd: i === 0 ? s.taps : 8 }));
    const dir = mkdtempSync(join(tmpdir(), 'bb-lanes-'));
    try {
      const two = generateDesign(model, validateFolding(model, { layers, inputLanes: 2, normalizerBuffers: 1 }), up5k, join(dir, 'two'), { allowOverBudget: true });
      expect(two.normalizer).toEqual({ buffers: 1, inputLanes: 2 });
      // and where each weight ROM went, which auto decides by the device's spare block RAM
      expect(two.folding.map((l) => l.weights)).toEqual(two.estimate.layers.map((l) => l.weightStorage));
      const one = generateDesign(model, validateFolding(model, { layers }), up5k, join(dir, 'one'), { allowOverBudget: true });
      expect(one.normalizer!.inputLanes).toBe(1);
      expect(foldingLabel(validateFolding(model, { layers, inputLanes: 2 }))).toBe('1x7 1x8 1x8 1x8 1x8 1x8 (2 input lanes)');
      expect(foldingLabel(validateFolding(model, { layers }))).toBe('1x7 1x8 1x8 1x8 1x8 1x8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the default (one lane) builds the same top module as inputLanes 1', () => {
    const model = loadModel('models/ecgbnn-s-aami5.json');
    const layers = layerShapes(model).map((s) => ({ layer: s.name, pe: 1, simd: 1 }));
    const a = buildDesign(model, validateFolding(model, { layers }), up5k, 'same');
    const b = buildDesign(model, validateFolding(model, { layers, inputLanes: 1 }), up5k, 'same');
    expect(a.plan.estimate).toEqual(b.plan.estimate);
    expect(emitDesignFiles(b.top)).toEqual(emitDesignFiles(a.top));
  });
});

describe('analytical model and auto with input lanes (ecgbnn-s-aami5 on ecp5-25f)', () => {
  const model = loadModel('models/ecgbnn-s-aami5.json');
  // the 3,758-cycle folding (docs/ARCHITECTURE.md) without its faster conv3..conv5
  const fit = { layers: [
    { layer: 'conv1', pe: 8, simd: 7 }, { layer: 'conv2', pe: 8, simd: 56 }, { layer: 'conv3', pe: 8, simd: 112, weights: 'lut' as const },
    { layer: 'conv4', pe: 4, simd: 224, weights: 'lut' as const }, { layer: 'conv5', pe: 16, simd: 32, window: 'ram' as const }, { layer: 'conv6', pe: 1, simd: 64, window: 'ram' as const },
  ] };

  it('two lanes halve layer 1 and pass 2 and cut the latency; they cost a DSP and buffer memories', () => {
    const one = estimateDesign(model, validateFolding(model, fit), ecp5);
    const two = estimateDesign(model, validateFolding(model, { ...fit, inputLanes: 2 }), ecp5);
    expect(one.engines[0]!.inBeats).toBe(3600);
    expect(two.engines[0]!.inBeats).toBe(1800);
    expect(two.engines[0]!.cycles).toBeLessThan(1820);
    // measured in cosim: 4,171 and 3,741 cycles
    expect(one.latencyCycles).toBeGreaterThan(4100);
    expect(two.latencyCycles).toBeLessThan(3800);
    expect(two.normalizer.resources.dsp).toBe(one.normalizer.resources.dsp + 1);
    expect(two.normalizer.resources.bram).toBeGreaterThan(one.normalizer.resources.bram);
  });

  it('--fit takes two lanes where they pay within the (ECP5-scaled) budget; --target-cycles designs keep one lane', () => {
    // btpn-aami5: the lanes cut the latency from 5,943 to 3,459 cycles (3,479 in cosim)
    const btpn = loadModel('models/btpn-aami5.json');
    const r = autoFolding(btpn, ecp5, { kind: 'fit', device: ecp5 });
    expect(r.folding.inputLanes).toBe(2);
    expect(r.estimate.latencyCycles).toBeLessThan(0.95 * 5943);
    expect(r.estimate.total.lut4 * ECP5_WIDE_LUT_FACTOR).toBeLessThanOrEqual(DEFAULT_FIT_MARGIN * ecp5.resources.lut4);
    expect(() => validateFolding(btpn, r.folding)).not.toThrow();
    // ecgbnn-s-aami5: with the ECP5 popcount a full-adder tree its two-lane design fits the
    // scaled budget (placed: 14,531 LUT4 + 1,413 CCU2C, 18,827 TRELLIS_COMB, 77 % of the 25F; with the
    // pairing tree a 15,856-LUT4 estimate needed 108 %) and cuts the latency from 4,324 cycles
    const ecg = autoFolding(model, ecp5, { kind: 'fit', device: ecp5 });
    expect(ecg.folding.inputLanes).toBe(2);
    expect(ecg.estimate.latencyCycles).toBeLessThan(0.95 * 4324);
    expect(ecg.estimate.total.lut4 * ECP5_WIDE_LUT_FACTOR).toBeLessThanOrEqual(DEFAULT_FIT_MARGIN * ecp5.resources.lut4);
    expect(autoFolding(model, ecp5, { kind: 'cycles', targetCycles: 100000 }).folding.inputLanes).toBeUndefined();
  });
});
