/**
 * Random valid small quantized models and raw windows, for property tests of the integer
 * reference and for RTL-vs-reference cosimulation. Every feature of the format is drawn:
 * both normalizers, integer pad values on layer 1, pad 0 and ±1 on binary layers, strides,
 * pools (and none), every bit-function kind (ge, le, in, out, const, table), hidden dense
 * layers, and both heads (dense logits, global-sum conv logits). Thresholds are drawn near
 * the centre of each channel's reachable range so the bits actually vary.
 *
 * Deterministic: the same rng sequence gives the same model. Pass makeRng(seed) from
 * src/data/rng.ts, or any () => number in [0, 1).
 */
import { bitsToHex, type BitFunction, type ConvLayer, type DenseLayer, type Layer, type Normalizer, type QModel, QMODEL_FORMAT, QMODEL_SCHEMA_VERSION } from './qmodel.ts';
import {
  convOutLength,
  convPreactSets,
  densePreactSets,
  normalizerDomain,
  pooledLength,
  reachableValues,
  type InputDomain,
  type ReachableSet,
} from './shapes.ts';
import { parseModel } from './validate.ts';

export type Rand = () => number;

export interface RandomModelOptions {
  /** window length range, inclusive (default [64, 256]) */
  inputLength?: [number, number];
  /** most output channels of any layer (default 16) */
  maxChannels?: number;
  /** number of binary conv layers after layer 1, inclusive range (default [0, 3]) */
  binaryConvLayers?: [number, number];
  /** 'dense': flatten + dense logits; 'sum': conv with global-sum logits; 'any' (default): either */
  head?: 'dense' | 'sum' | 'any';
  normalizer?: 'zscore' | 'offset' | 'any';
  /** number of classes, inclusive range (default [2, 5]) */
  classes?: [number, number];
  /** most bits a dense layer may read (default 384) */
  maxDenseInputs?: number;
  /** bit-function kinds to draw from (default: all, ge and le twice as often) */
  fnKinds?: readonly BitFunction['kind'][];
  /** padding values of binary layers to draw from (default [0, 1, -1]) */
  binaryPadValues?: readonly (-1 | 0 | 1)[];
  /** allow a non-zero integer pad value on layer 1 (default true) */
  intPadValues?: boolean;
}

const ALL_FN_KINDS: readonly BitFunction['kind'][] = ['ge', 'le', 'in', 'out', 'const', 'table', 'ge', 'le'];

const int = (rng: Rand, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rand, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function randomHex(rng: Rand, n: number): string {
  const bits = new Uint8Array(n);
  for (let i = 0; i < n; i++) bits[i] = rng() < 0.5 ? 1 : 0;
  return bitsToHex(bits);
}

/** A reachable value near centre ± spread (snapped to the nearest reachable value). */
function nearCentre(rng: Rand, values: number[], centre: number, spread: number): number {
  const target = Math.round(centre + (2 * rng() - 1) * spread);
  let best = values[0]!;
  for (const v of values) if (Math.abs(v - target) < Math.abs(best - target)) best = v;
  return best;
}

function randomBitFunction(rng: Rand, set: ReachableSet, spread: number, kinds: readonly BitFunction['kind'][] = ALL_FN_KINDS): BitFunction {
  const values = reachableValues(set);
  const centre = (set.lo + set.hi) / 2;
  const kind = pick(rng, kinds);
  const a = nearCentre(rng, values, centre, spread);
  const b = nearCentre(rng, values, centre, spread);
  switch (kind) {
    case 'ge':
    case 'le':
      return { kind, t: a + int(rng, -1, 1) };
    case 'in':
    case 'out':
      return { kind, lo: Math.min(a, b), hi: Math.max(a, b) };
    case 'const':
      return { kind, v: rng() < 0.5 ? 0 : 1 };
    case 'table': {
      const min = set.lo - int(rng, 0, 2);
      const size = set.hi - min + 1 + int(rng, 0, 2);
      return { kind, min, size, bits: randomHex(rng, size) };
    }
  }
}

function randomNormalizer(rng: Rand, which: 'zscore' | 'offset'): Normalizer {
  if (which === 'zscore') {
    const fracBits = int(rng, 2, 5);
    return { kind: 'zscore', recipBits: int(rng, Math.max(fracBits, 10), 16), recipWidth: int(rng, 12, 20), fracBits, outBits: int(rng, 4, 8) };
  }
  return { kind: 'offset', offset: int(rng, 900, 1100), shift: int(rng, 0, 4), outBits: int(rng, 4, 8) };
}

/** Typical magnitude of one layer-1 input, to aim thresholds where values actually fall. */
function inputUnit(nz: Normalizer): number {
  return nz.kind === 'zscore' ? 2 ** nz.fracBits : Math.max(1, Math.min(2 ** (nz.outBits - 2), 200 / 2 ** nz.shift));
}

interface ConvDraw {
  layer: Omit<ConvLayer, 'out'>;
  outLength: number;
}

/** Draws a conv layer whose output keeps at least `minOut` positions (retrying geometry). */
interface PadChoices {
  binary: readonly (-1 | 0 | 1)[];
  int: boolean;
}

function drawConv(rng: Rand, index: number, inLength: number, inChannels: number, domain: InputDomain, maxCh: number, minOut: number, pads: PadChoices, outChannels?: number): ConvDraw {
  for (let attempt = 0; attempt < 200; attempt++) {
    const kernel = int(rng, 1, Math.min(8, inLength + 2));
    const stride = int(rng, 1, 3);
    const left = int(rng, 0, Math.min(kernel - 1, 4));
    const right = int(rng, 0, Math.min(kernel - 1, 4));
    const value = domain.kind === 'int' ? (!pads.int || rng() < 0.4 ? 0 : int(rng, domain.min, domain.max)) : pick(rng, pads.binary);
    const pool = rng() < 0.35 ? null : { kind: 'max' as const, size: int(rng, 1, 4), stride: int(rng, 1, 3) };
    const g = { kernel, stride, pad: { left, right, value } };
    const convLength = convOutLength(inLength, g);
    const outLength = pooledLength(convLength, pool);
    if (convLength < 1 || outLength < minOut) continue;
    const cout = outChannels ?? int(rng, 1, maxCh);
    const taps = kernel * inChannels;
    return {
      layer: {
        kind: 'conv',
        name: `conv${index}`,
        inputKind: domain.kind,
        inChannels,
        outChannels: cout,
        kernel,
        stride,
        pad: g.pad,
        weights: Array.from({ length: cout }, () => randomHex(rng, taps)),
        pool,
      },
      outLength,
    };
  }
  // Fallback that always fits: kernel 1, stride 1, no pool.
  const cout = outChannels ?? 1;
  return {
    layer: {
      kind: 'conv',
      name: `conv${index}`,
      inputKind: domain.kind,
      inChannels,
      outChannels: cout,
      kernel: 1,
      stride: 1,
      pad: { left: 0, right: 0, value: 0 },
      weights: Array.from({ length: cout }, () => randomHex(rng, inChannels)),
      pool: null,
    },
    outLength: inLength,
  };
}

function logitFns(rng: Rand, n: number): { pos: number; neg: number; bias: number }[] {
  return Array.from({ length: n }, () => ({ pos: int(rng, -8, 8), neg: int(rng, -8, 8), bias: int(rng, -20, 20) }));
}

/** A random valid model (checked with parseModel before it is returned). */
export function randomModel(rng: Rand, opts: RandomModelOptions = {}): QModel {
  const [lenLo, lenHi] = opts.inputLength ?? [64, 256];
  const maxCh = opts.maxChannels ?? 16;
  const [nbLo, nbHi] = opts.binaryConvLayers ?? [0, 3];
  const [clLo, clHi] = opts.classes ?? [2, 5];
  const maxDense = opts.maxDenseInputs ?? 384;
  const kinds = opts.fnKinds ?? ALL_FN_KINDS;
  const pads: PadChoices = { binary: opts.binaryPadValues ?? [0, 1, -1], int: opts.intPadValues ?? true };
  if (kinds.length === 0 || pads.binary.length === 0) throw new RangeError('randomModel: fnKinds and binaryPadValues must not be empty');
  const nClasses = int(rng, clLo, clHi);
  const nzKind = opts.normalizer === undefined || opts.normalizer === 'any' ? pick(rng, ['zscore', 'offset'] as const) : opts.normalizer;
  const normalizer = randomNormalizer(rng, nzKind);
  const head = opts.head === undefined || opts.head === 'any' ? pick(rng, ['dense', 'sum'] as const) : opts.head;
  const inputLength = int(rng, lenLo, lenHi);

  const layers: Layer[] = [];
  let inLength = inputLength;
  let inChannels = 1;
  let domain: InputDomain = normalizerDomain(normalizer);
  let unit = inputUnit(normalizer);
  const binaryConvs = int(rng, nbLo, nbHi);

  const addBinaryOut = (draw: Omit<ConvLayer, 'out'>, length: number): void => {
    const sets = convPreactSets(draw, inLength, domain);
    const spread = Math.sqrt(draw.kernel * draw.inChannels) * unit;
    layers.push({ ...draw, out: { kind: 'binary', fns: sets.map((s) => randomBitFunction(rng, s, spread, kinds)) } });
    inLength = length;
    inChannels = draw.outChannels;
    domain = { kind: 'binary' };
    unit = 1;
  };

  // Layer 1 and the binary conv stack; leave room for the head.
  for (let i = 0; i <= binaryConvs; i++) {
    const d = drawConv(rng, i, inLength, inChannels, domain, Math.min(maxCh, 8), 2, pads);
    addBinaryOut(d.layer, d.outLength);
  }

  if (head === 'sum') {
    const d = drawConv(rng, layers.length, inLength, inChannels, domain, maxCh, 1, pads, nClasses);
    layers.push({ ...d.layer, out: { kind: 'logits', reduce: 'sum', fracBits: int(rng, 0, 3), fns: logitFns(rng, nClasses) } });
  } else {
    // Shrink with an extra kernel-1/stride-2 conv until the flattened input is small enough.
    while (inLength * inChannels > maxDense) {
      const cout = Math.max(1, Math.min(inChannels, Math.floor(maxDense / Math.ceil(inLength / 2))));
      const draw: Omit<ConvLayer, 'out'> = {
        kind: 'conv',
        name: `conv${layers.length}`,
        inputKind: 'binary',
        inChannels,
        outChannels: cout,
        kernel: 1,
        stride: 2,
        pad: { left: 0, right: 0, value: 0 },
        weights: Array.from({ length: cout }, () => randomHex(rng, inChannels)),
        pool: null,
      };
      addBinaryOut(draw, convOutLength(inLength, draw));
    }
    if (rng() < 0.3) {
      const hidden = int(rng, 2, maxCh);
      const draw: Omit<DenseLayer, 'out'> = {
        kind: 'dense',
        name: `dense${layers.length}`,
        inputKind: 'binary',
        inFeatures: inLength * inChannels,
        outFeatures: hidden,
        weights: Array.from({ length: hidden }, () => randomHex(rng, inLength * inChannels)),
      };
      const sets = densePreactSets(draw);
      const spread = Math.sqrt(draw.inFeatures);
      layers.push({ ...draw, out: { kind: 'binary', fns: sets.map((s) => randomBitFunction(rng, s, spread, kinds)) } });
      inLength = 1;
      inChannels = hidden;
    }
    const inFeatures = inLength * inChannels;
    layers.push({
      kind: 'dense',
      name: `dense${layers.length}`,
      inputKind: 'binary',
      inFeatures,
      outFeatures: nClasses,
      weights: Array.from({ length: nClasses }, () => randomHex(rng, inFeatures)),
      out: { kind: 'logits', reduce: 'none', fracBits: int(rng, 0, 3), fns: logitFns(rng, nClasses) },
    });
  }

  const model: QModel = {
    format: QMODEL_FORMAT,
    schemaVersion: QMODEL_SCHEMA_VERSION,
    name: `random-${inputLength}-${layers.length}`,
    task: 'synthetic',
    classes: Array.from({ length: nClasses }, (_, i) => `c${i}`),
    input: { length: inputLength, sampleBits: 12, sampleRate: 360 },
    normalizer,
    layers,
  };
  return parseModel(model, 'randomModel');
}

/**
 * Raw ADC windows for `model` (12-bit MIT-BIH-like: baseline ~1024, beats, noise, a few
 * clipped samples), in [-2^(sampleBits-1), 2^(sampleBits-1)-1].
 */
export function randomWindows(rng: Rand, model: QModel, count: number): Int16Array[] {
  const n = model.input.length;
  const hi = 2 ** (model.input.sampleBits - 1) - 1;
  const lo = -(2 ** (model.input.sampleBits - 1));
  const out: Int16Array[] = [];
  for (let w = 0; w < count; w++) {
    const x = new Int16Array(n);
    const base = 1024 + int(rng, -200, 200);
    const amp = 20 + rng() * 400;
    const period = 40 + rng() * 200;
    const phase = rng() * period;
    const noise = rng() * 30;
    const flat = rng() < 0.05; // an occasional flat window exercises the sd = 0 path
    for (let i = 0; i < n; i++) {
      let v = base;
      if (!flat) {
        const t = ((i + phase) % period) / period;
        v += amp * Math.exp(-((t - 0.5) ** 2) / 0.002) + amp * 0.2 * Math.sin(2 * Math.PI * t) + noise * (2 * rng() - 1);
        if (rng() < 0.01) v = rng() < 0.5 ? 0 : 2047;
      }
      x[i] = Math.max(lo, Math.min(hi, Math.round(v)));
    }
    out.push(x);
  }
  return out;
}

/** One conv block of a stacked architecture: conv (no bias) -> max-pool -> folded threshold. */
export interface ConvBlockSpec {
  filters: number;
  kernel: number;
  stride: number;
  pad: number;
  pool: number;
  poolStride: number;
}

export interface StackSpec {
  inputLength: number;
  blocks: ConvBlockSpec[];
  classes: number;
  /** padding value of the binary layers (layer 1 pads with z = 0); default 0 */
  padValue?: -1 | 0 | 1;
  /** 'dense' (flatten + dense, BTPN) or 'sum' (last block has one channel per class, global sum; seed 000) */
  head: 'dense' | 'sum';
  normalizer?: Normalizer;
}

/**
 * A model of a given architecture with random weights and random monotone thresholds
 * (ge/le, what BatchNorm + sign folds to) near the centre of each channel's range.
 * For benchmarks and cosim of realistically shaped networks.
 */
export function randomStackModel(rng: Rand, spec: StackSpec): QModel {
  const normalizer: Normalizer = spec.normalizer ?? { kind: 'zscore', recipBits: 16, recipWidth: 16, fracBits: 5, outBits: 8 };
  const layers: Layer[] = [];
  let inLength = spec.inputLength;
  let inChannels = 1;
  let domain: InputDomain = normalizerDomain(normalizer);
  let unit = inputUnit(normalizer);
  spec.blocks.forEach((b, i) => {
    const last = spec.head === 'sum' && i === spec.blocks.length - 1;
    const filters = last ? spec.classes : b.filters;
    const draw: Omit<ConvLayer, 'out'> = {
      kind: 'conv',
      name: `conv${i + 1}`,
      inputKind: domain.kind,
      inChannels,
      outChannels: filters,
      kernel: b.kernel,
      stride: b.stride,
      pad: { left: b.pad, right: b.pad, value: i === 0 ? 0 : (spec.padValue ?? 0) },
      weights: Array.from({ length: filters }, () => randomHex(rng, b.kernel * inChannels)),
      pool: b.pool > 1 || b.poolStride > 1 ? { kind: 'max', size: b.pool, stride: b.poolStride } : null,
    };
    const outLength = pooledLength(convOutLength(inLength, draw), draw.pool);
    if (last) {
      layers.push({ ...draw, out: { kind: 'logits', reduce: 'sum', fracBits: 0, fns: logitFns(rng, filters) } });
    } else {
      const sets = convPreactSets(draw, inLength, domain);
      const spread = Math.sqrt(b.kernel * inChannels) * unit;
      const fns = sets.map((s): BitFunction => {
        const values = reachableValues(s);
        return { kind: rng() < 0.5 ? 'ge' : 'le', t: nearCentre(rng, values, (s.lo + s.hi) / 2, spread) };
      });
      layers.push({ ...draw, out: { kind: 'binary', fns } });
    }
    inLength = outLength;
    inChannels = filters;
    domain = { kind: 'binary' };
    unit = 1;
  });
  if (spec.head === 'dense') {
    const inFeatures = inLength * inChannels;
    layers.push({
      kind: 'dense',
      name: 'dense',
      inputKind: 'binary',
      inFeatures,
      outFeatures: spec.classes,
      weights: Array.from({ length: spec.classes }, () => randomHex(rng, inFeatures)),
      out: { kind: 'logits', reduce: 'none', fracBits: 0, fns: logitFns(rng, spec.classes) },
    });
  }
  const model: QModel = {
    format: QMODEL_FORMAT,
    schemaVersion: QMODEL_SCHEMA_VERSION,
    name: `random-stack-${spec.blocks.length}x${spec.head}`,
    task: 'synthetic',
    classes: Array.from({ length: spec.classes }, (_, i) => `c${i}`),
    input: { length: spec.inputLength, sampleBits: 12, sampleRate: 360 },
    normalizer,
    layers,
  };
  return parseModel(model, 'randomStackModel');
}

/** BTPN (seed 002): seven blocks, then dense 216 x 5, on 3,600-sample windows. */
export const BTPN_SPEC: StackSpec = {
  inputLength: 3600,
  classes: 5,
  head: 'dense',
  blocks: [
    [8, 16, 2, 7, 8, 4],
    [12, 12, 2, 5, 4, 2],
    [32, 9, 1, 4, 5, 2],
    [64, 7, 1, 3, 4, 2],
    [64, 5, 1, 2, 2, 2],
    [64, 3, 1, 1, 2, 2],
    [72, 3, 1, 1, 2, 2],
  ].map(([filters, kernel, stride, pad, pool, poolStride]) => ({ filters: filters!, kernel: kernel!, stride: stride!, pad: pad!, pool: pool!, poolStride: poolStride! })),
};
