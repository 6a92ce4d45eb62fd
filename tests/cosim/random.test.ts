/**
 * Randomized equivalence: random small models (src/model/random.ts) x random foldings, each
 * generated with trace ports (hdl-gen), cosimulated with back-pressure and compared with the
 * integer reference element by element. At least MIN_MODELS models are drawn, more until every
 * feature below has appeared (kernels, strides, both padding kinds, pools, every bit-function
 * kind, both heads, both normalizers, partial PE/SIMD folds, both ROM kinds, ...).
 *
 * Fixed seed in CI; any other with BITBEAT_COSIM_SEED=<n> (and BITBEAT_COSIM_MODELS=<n> for
 * more models), e.g.  BITBEAT_COSIM_SEED=42 npx vitest run tests/cosim/random.test.ts
 *
 * Also: a generated design with one weight bit flipped in its ROM file is caught, and the
 * first mismatch names the broken layer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFolding, divisors, windowGeometry, type FoldingConfig } from '../../hdl-gen/folding.ts';
import { ramWindowUnsupported } from '../../hdl-gen/blocks/ramwindow.ts';
import { generateDesign } from '../../hdl-gen/generate.ts';
import { cosimulate } from '../../sim/cosim/cosim.ts';
import { describeMismatch } from '../../sim/cosim/compare.ts';
import { readDesignDir } from '../../sim/cosim/design.ts';
import { makeRng } from '../../src/data/rng.ts';
import { getTarget, type TargetName } from '../../src/design/targets.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { randomModel, randomStackModel, randomWindows } from '../../src/model/random.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import { flipHexBit, verilatorMissing } from './helpers.ts';

const SEED = Number(process.env.BITBEAT_COSIM_SEED ?? 20261123);
const MIN_MODELS = Number(process.env.BITBEAT_COSIM_MODELS ?? 20);
const MAX_MODELS = Math.max(MIN_MODELS, 60);
const WINDOWS = 8;
const skip = await verilatorMissing();
const root = mkdtempSync(join(tmpdir(), 'bb-cosim-rand-'));

interface Case {
  seed: number;
  index: number;
  model: QModel;
  folding: FoldingConfig;
  target: TargetName;
}

function drawCase(index: number, seed = SEED): Case {
  const rng = makeRng((seed * 7919 + index) >>> 0);
  const model = randomModel(rng, { inputLength: [24, 72], maxChannels: 6, binaryConvLayers: [0, 2], maxDenseInputs: 160 });
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const folding: FoldingConfig = {
    layers: layerShapes(model).map((s) => ({ layer: s.name, pe: pick(divisors(s.outChannels)), simd: pick(divisors(s.taps)), ...(rng() < 0.3 ? { weights: pick(['lut', 'bram'] as const) } : {}) })),
    ...(model.normalizer.kind === 'zscore' ? { normalizerBuffers: pick([1, 2] as const) } : {}),
  };
  const target = pick(['ice40-up5k', 'ecp5-25f'] as const);
  // Line buffers, from a separate stream so the models and the draws above stay as they were:
  // half the binary layers get a SIMD dividing their input channels and the RAM window; the
  // rest keep the estimate's choice or ask for registers.
  const wrng = makeRng(((seed * 7919 + index) ^ 0x2545f491) >>> 0);
  const shapes = layerShapes(model);
  folding.layers = folding.layers.map((fl, i) => {
    const s = shapes[i]!;
    const r = wrng();
    if (s.inputKind !== 'binary') return fl;
    if (r < 0.5) {
      const ds = divisors(s.inChannels);
      const simd = ds[Math.floor(wrng() * ds.length)]!;
      return ramWindowUnsupported(windowGeometry(model, s, simd)) ? fl : { ...fl, simd, window: 'ram' as const };
    }
    return r < 0.7 ? { ...fl, window: 'regs' as const } : fl;
  });
  return { seed, index, model, folding, target };
}

/** The features one case exercises (names as reported when coverage is incomplete). */
function features(c: Case): Set<string> {
  const f = new Set<string>([`normalizer ${c.model.normalizer.kind}`, `target ${c.target}`]);
  const layers = c.model.layers;
  const last = layers[layers.length - 1]!;
  f.add(last.kind === 'dense' ? 'dense head' : 'global-sum head');
  if (layers.some((l, i) => l.kind === 'dense' && i < layers.length - 1)) f.add('hidden dense layer');
  for (const l of layers) {
    if (l.kind === 'conv') {
      if (l.kernel > 1) f.add('kernel > 1');
      if (l.stride > 1) f.add('stride > 1');
      if (l.stride > l.kernel) f.add('stride > kernel');
      f.add(l.pool ? 'pool' : 'no pool');
      const padded = l.pad.left + l.pad.right > 0;
      if (padded && l.inputKind === 'int') f.add(l.pad.value === 0 ? 'layer-1 zero padding' : 'layer-1 constant padding');
      if (padded && l.inputKind === 'binary') f.add(l.pad.value === 0 ? 'binary zero padding' : 'binary ±1 padding');
      if (l.outChannels > 1) f.add('several channels');
    }
    if (l.out.kind === 'binary') for (const fn of l.out.fns) f.add(`fn ${fn.kind}`);
  }
  const shapes = layerShapes(c.model);
  c.folding.layers.forEach((fl, i) => {
    const s = shapes[i]!;
    if (fl.pe > 1 && fl.pe < s.outChannels) f.add('partial PE');
    if (fl.pe === s.outChannels && s.outChannels > 1) f.add('full PE');
    if (fl.simd > 1 && fl.simd < s.taps) f.add('partial SIMD');
    if (fl.simd === s.taps && s.taps > 1) f.add('full SIMD');
    if (fl.weights) f.add(`weights ${fl.weights}`);
    const l = layers[i]!;
    if (fl.window === 'ram') {
      f.add('RAM window');
      if (fl.simd < s.inChannels) f.add('RAM window, sub-blocks');
      if (l.kind === 'dense') f.add('RAM window, dense');
      if (l.kind === 'conv') {
        if (l.pad.left + l.pad.right > 0) f.add(l.pad.value === 0 ? 'RAM window, zero padding' : 'RAM window, ±1 padding');
        if (l.stride > 1) f.add('RAM window, stride > 1');
        if (l.stride > l.kernel) f.add('RAM window, stride > kernel');
      }
    }
  });
  if (c.folding.normalizerBuffers) f.add(`normalizer buffers ${c.folding.normalizerBuffers}`);
  return f;
}

const REQUIRED = [
  'normalizer zscore', 'normalizer offset', 'target ice40-up5k', 'target ecp5-25f', 'dense head', 'global-sum head', 'hidden dense layer',
  'kernel > 1', 'stride > 1', 'stride > kernel', 'pool', 'no pool', 'layer-1 zero padding', 'layer-1 constant padding', 'binary zero padding', 'binary ±1 padding',
  'several channels', 'fn ge', 'fn le', 'fn in', 'fn out', 'fn const', 'fn table', 'partial PE', 'full PE', 'partial SIMD', 'full SIMD', 'weights lut', 'weights bram',
  'normalizer buffers 1', 'normalizer buffers 2',
  'RAM window', 'RAM window, sub-blocks', 'RAM window, dense', 'RAM window, zero padding', 'RAM window, ±1 padding', 'RAM window, stride > 1', 'RAM window, stride > kernel',
];

const cases: Case[] = [];
const covered = new Set<string>();
for (let i = 0; i < MAX_MODELS && (i < MIN_MODELS || REQUIRED.some((r) => !covered.has(r))); i++) {
  const c = drawCase(i);
  cases.push(c);
  for (const f of features(c)) covered.add(f);
}
/**
 * Cases that once failed, kept whatever the seed: [seed, index].
 * 7/13: conv0's last output position feeds no later layer, so its trace beat comes after the
 * class (the harness must keep clocking until every trace port is complete).
 */
const REGRESSIONS: [number, number][] = [[7, 13]];
for (const [seed, index] of REGRESSIONS) if (seed !== SEED) cases.push(drawCase(index, seed));

function summary(c: Case): string {
  const layers = c.model.layers.map((l) => (l.kind === 'conv' ? `${l.name} k${l.kernel}s${l.stride} ${l.inChannels}->${l.outChannels}${l.pool ? ` pool${l.pool.size}/${l.pool.stride}` : ''} pad${l.pad.left},${l.pad.right}=${l.pad.value}` : `${l.name} dense ${l.inFeatures}->${l.outFeatures}`));
  const fold = c.folding.layers.map((f) => `${f.layer}:${f.pe}x${f.simd}${f.weights ? `/${f.weights}` : ''}${f.window ? `/${f.window}` : ''}`).join(' ');
  return `model ${c.index} (seed ${c.seed}): ${c.model.normalizer.kind}, L=${c.model.input.length}; ${layers.join('; ')}; folding ${fold}; ${c.target}`;
}

describe.skipIf(skip)(`random models x random foldings, cosimulated (seed ${SEED})`, () => {
  it('the drawn models cover every feature', () => {
    expect(REQUIRED.filter((r) => !covered.has(r)), `features missing after ${cases.length} models`).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(MIN_MODELS);
  });

  for (const c of cases) {
    it(`model ${c.index}${c.seed !== SEED ? ` of seed ${c.seed}` : ''}`, async () => {
      const dir = join(root, `rand${c.seed}_${c.index}`);
      const target = getTarget(c.target);
      generateDesign(c.model, validateFolding(c.model, c.folding), target, dir, { trace: true, allowOverBudget: true });
      const windows = randomWindows(makeRng((c.seed ^ 0x5eed) + c.index), c.model, WINDOWS);
      const { result } = await cosimulate({ design: readDesignDir(dir), model: c.model, windows, input: { kind: 'windows', description: `randomWindows, seed ${c.seed}` }, backpressure: 0.3, seed: c.seed + c.index });
      const what = `${summary(c)}\n${result.firstMismatch ? describeMismatch(result.firstMismatch) : ''}`;
      expect(result.classOnly, what).toBe(false);
      expect(result.streams.length, what).toBe(c.model.layers.length + 1);
      expect({ mismatches: result.mismatches, timing: result.timingMismatches, elements: result.elementMismatches, classes: result.classMismatches }, what).toEqual({ mismatches: 0, timing: 0, elements: 0, classes: 0 });
    });
  }
});

describe.skipIf(skip)('a generated design with a flipped weight bit', () => {
  it('is caught, and the first mismatch names the broken layer', async () => {
    // Fixed, independent of BITBEAT_COSIM_SEED: ge/le thresholds near the middle of each
    // channel's range, so one flipped weight changes output bits within a few windows.
    const model = randomStackModel(makeRng(3), {
      inputLength: 96,
      classes: 3,
      head: 'dense',
      normalizer: { kind: 'offset', offset: 1024, shift: 3, outBits: 6 },
      blocks: [
        { filters: 4, kernel: 5, stride: 1, pad: 2, pool: 2, poolStride: 2 },
        { filters: 6, kernel: 3, stride: 1, pad: 1, pool: 2, poolStride: 2 },
        { filters: 6, kernel: 3, stride: 1, pad: 1, pool: 2, poolStride: 2 },
      ],
    });
    const dir = join(root, 'broken');
    const manifest = generateDesign(model, validateFolding(model, { layers: layerShapes(model).map((s) => ({ layer: s.name, pe: s.outChannels % 2 === 0 ? 2 : 1, simd: 1 })) }), getTarget('ice40-up5k'), dir, { trace: true });
    const windows = randomWindows(makeRng(8), model, 16);
    const input = { kind: 'windows' as const, description: 'randomWindows seed 8' };
    const intact = await cosimulate({ design: readDesignDir(dir), model, windows, input, backpressure: 0.3, seed: 1 });
    expect(intact.result.mismatches).toBe(0);

    const broken = 'conv2';
    const rom = manifest.files.memories.find((f) => f.includes(`_${broken}_`) && f.endsWith('.hex'));
    expect(rom, `a ROM file of ${broken} among ${manifest.files.memories.join(', ')}`).toBeDefined();
    flipHexBit(join(dir, rom!), 1, 0);
    const run = await cosimulate({ design: readDesignDir(dir), model, windows, input, backpressure: 0.3, seed: 1 });
    expect(run.build.cached).toBe(true); // same Verilog: the build is reused
    const r = run.result;
    expect(r.mismatches).toBeGreaterThan(0);
    expect(r.firstMismatch, describeMismatch(r.firstMismatch!)).toMatchObject({ run: 'main', stream: broken, kind: 'bits', layerIndex: 1 });
    // every stream before the broken layer is still exact
    for (const s of r.streams.filter((s) => s.stream === 'normalizer' || s.stream === 'conv1')) expect(s.mismatches, s.stream).toBe(0);
  });
});
