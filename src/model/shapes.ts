/**
 * Shapes and reachable integer ranges of a quantized model's layers.
 *
 * Everything here is pure arithmetic on the model's structure; it is shared by validation
 * (lengths, table coverage), the exporter (which evaluates each folded float function at every
 * reachable pre-activation), the integer reference and the hardware generator (accumulator
 * widths).
 *
 * "Reachable" is defined per layer and output channel as: the set of values the integer
 * pre-activation takes at some output position that feeds the layer's output (after 'valid'
 * pooling, positions no pool window covers are excluded), when every real input tap
 * independently ranges over its input domain. The input domain of layer 1 is the normalizer's
 * clamp range [-2^(outBits-1), 2^(outBits-1)-1]; of later layers {-1, +1}. Padding taps are
 * constants (pad.value), so edge positions shift and shrink the set. A max-pooled value is
 * one of the pooled pre-activations, so it lies in the same set.
 */
import { hexToBits, type ConvLayer, type DenseLayer, type Layer, type Normalizer, type QModel } from './qmodel.ts';

/** The integers lo, lo+step, ..., hi (lo === hi is a single value; step is then 1). */
export interface Progression {
  lo: number;
  hi: number;
  step: 1 | 2;
}

/** A union of progressions, with its hull [lo, hi]. */
export interface ReachableSet {
  lo: number;
  hi: number;
  parts: Progression[];
}

/** What one input tap of a layer can hold. */
export type InputDomain = { kind: 'int'; min: number; max: number } | { kind: 'binary' };

/** The geometry fields of a conv layer (no weights-independent output function needed). */
export type ConvGeometry = Pick<ConvLayer, 'kernel' | 'stride' | 'pad' | 'pool'>;

/** The output range of the normalizer, i.e. the input domain of layer 1. */
export function normalizerDomain(nz: Normalizer): InputDomain {
  return { kind: 'int', min: -(2 ** (nz.outBits - 1)), max: 2 ** (nz.outBits - 1) - 1 };
}

/** Conv output length before pooling (may be <= 0 for an invalid layer). */
export function convOutLength(inLength: number, g: Pick<ConvLayer, 'kernel' | 'stride' | 'pad'>): number {
  const padded = inLength + g.pad.left + g.pad.right;
  if (padded < g.kernel) return 0;
  return Math.floor((padded - g.kernel) / g.stride) + 1;
}

/** Length after 'valid' max-pooling (may be <= 0 for an invalid layer). */
export function pooledLength(convLength: number, pool: ConvLayer['pool']): number {
  if (!pool) return convLength;
  if (convLength < pool.size) return 0;
  return Math.floor((convLength - pool.size) / pool.stride) + 1;
}

/** Number of conv positions that some output (pooled) position reads. */
export function contributingConvPositions(convLength: number, pool: ConvLayer['pool']): number {
  const out = pooledLength(convLength, pool);
  if (out <= 0) return 0;
  return pool ? (out - 1) * pool.stride + pool.size : convLength;
}

function makeSet(parts: Progression[]): ReachableSet {
  const seen = new Set<string>();
  const uniq: Progression[] = [];
  for (const p of parts) {
    const q: Progression = p.lo === p.hi ? { lo: p.lo, hi: p.hi, step: 1 } : p;
    const key = `${q.lo},${q.hi},${q.step}`;
    if (!seen.has(key)) {
      seen.add(key);
      uniq.push(q);
    }
  }
  uniq.sort((a, b) => a.lo - b.lo || a.hi - b.hi || a.step - b.step);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of uniq) {
    if (p.lo < lo) lo = p.lo;
    if (p.hi > hi) hi = p.hi;
  }
  return { lo, hi, parts: uniq };
}

/** Union of several reachable sets. */
export function unionSets(sets: ReachableSet[]): ReachableSet {
  return makeSet(sets.flatMap((s) => s.parts));
}

export function reachableContains(set: ReachableSet, a: number): boolean {
  for (const p of set.parts) if (a >= p.lo && a <= p.hi && (a - p.lo) % p.step === 0) return true;
  return false;
}

/** Every reachable value, ascending, without duplicates. */
export function reachableValues(set: ReachableSet): number[] {
  if (set.parts.length === 0) return [];
  const mark = new Uint8Array(set.hi - set.lo + 1);
  for (const p of set.parts) for (let a = p.lo; a <= p.hi; a += p.step) mark[a - set.lo] = 1;
  const out: number[] = [];
  for (let i = 0; i < mark.length; i++) if (mark[i]) out.push(set.lo + i);
  return out;
}

/** Sum of the ±1 weights of output channel bits `w` over tap positions [k0, k1) of a kernel with `cin` channels. */
function weightSum(w: Uint8Array, cin: number, k0: number, k1: number): { pos: number; neg: number } {
  let pos = 0;
  let neg = 0;
  for (let i = k0 * cin; i < k1 * cin; i++) {
    if (w[i]) pos++;
    else neg++;
  }
  return { pos, neg };
}

/**
 * Reachable pre-activation sets of a conv layer, one per output channel.
 * `layer` needs only geometry, channels and weights, so the exporter can call it before the
 * layer's output functions exist.
 */
export function convPreactSets(
  layer: ConvGeometry & Pick<ConvLayer, 'inChannels' | 'weights'>,
  inLength: number,
  domain: InputDomain,
): ReachableSet[] {
  const { kernel: K, stride, inChannels: cin } = layer;
  const padL = layer.pad.left;
  const pv = layer.pad.value;
  const convLength = convOutLength(inLength, layer);
  const used = contributingConvPositions(convLength, layer.pool);
  // Distinct [first real tap, last real tap + 1) patterns over the contributing positions:
  // only the edge positions differ from the full kernel.
  const patterns = new Map<string, [number, number]>();
  for (let p = 0; p < used; p++) {
    const start = p * stride - padL;
    const k0 = Math.max(0, -start);
    const k1 = Math.min(K, inLength - start);
    const key = `${k0},${k1}`;
    if (!patterns.has(key)) patterns.set(key, [k0, Math.max(k0, k1)]);
  }
  return layer.weights.map((hex) => {
    const w = hexToBits(hex, K * cin);
    const parts: Progression[] = [];
    for (const [k0, k1] of patterns.values()) {
      const real = weightSum(w, cin, k0, k1);
      const left = weightSum(w, cin, 0, k0);
      const right = weightSum(w, cin, k1, K);
      const padConst = pv * (left.pos - left.neg + right.pos - right.neg);
      if (domain.kind === 'int') {
        parts.push({
          lo: padConst + real.pos * domain.min - real.neg * domain.max,
          hi: padConst + real.pos * domain.max - real.neg * domain.min,
          step: 1,
        });
      } else {
        const m = real.pos + real.neg;
        parts.push({ lo: padConst - m, hi: padConst + m, step: 2 });
      }
    }
    return makeSet(parts);
  });
}

/** Reachable pre-activation sets of a dense layer on bits: all taps real, so [-T, T] in steps of 2. */
export function densePreactSets(layer: Pick<DenseLayer, 'inFeatures' | 'outFeatures'>): ReachableSet[] {
  const T = layer.inFeatures;
  return Array.from({ length: layer.outFeatures }, () => makeSet([{ lo: -T, hi: T, step: 2 }]));
}

/**
 * Reachable set of the (pooled) integer pre-activation of one layer: of output channel
 * `channel`, or the union over all channels when `channel` is omitted.
 * `inLength` is the layer's input length (positions); `domain` what one input tap holds
 * (normalizerDomain(model.normalizer) for layer 1, { kind: 'binary' } after).
 */
export function preactRange(
  layer:
    | (ConvGeometry & Pick<ConvLayer, 'kind' | 'inChannels' | 'weights'>)
    | Pick<DenseLayer, 'kind' | 'inFeatures' | 'outFeatures'>,
  inLength: number,
  domain: InputDomain,
  channel?: number,
): ReachableSet {
  const sets = layer.kind === 'conv' ? convPreactSets(layer, inLength, domain) : densePreactSets(layer);
  if (channel === undefined) return unionSets(sets);
  const s = sets[channel];
  if (!s) throw new RangeError(`preactRange: channel ${channel} out of range (layer has ${sets.length})`);
  return s;
}

/** Everything the reference and the generator need to know about one layer's geometry. */
export interface LayerShape {
  index: number;
  name: string;
  kind: Layer['kind'];
  inputKind: 'int' | 'binary';
  /** input positions and channels (a dense layer reads the previous layer's L x C, flattened position-major) */
  inLength: number;
  inChannels: number;
  /** positions before pooling (dense: 1) */
  convLength: number;
  /** positions after pooling (dense: 1) */
  outLength: number;
  outChannels: number;
  /** taps per output: kernel * inChannels (dense: inFeatures) */
  taps: number;
  /** reachable pre-activation, union over channels */
  preact: ReachableSet;
  /** reachable pre-activation per output channel */
  channelPreact: ReachableSet[];
  /** for a logits layer: bounds of each channel's logit (after the reduce), else null */
  logitBounds: { lo: number; hi: number }[] | null;
}

/** Bounds of v = (a >= 0 ? pos*a : neg*a) + bias over a in [lo, hi]: piecewise linear, so check the piece ends. */
export function logitValueBounds(fn: { pos: number; neg: number; bias: number }, lo: number, hi: number): { lo: number; hi: number } {
  const cands = [lo, hi, Math.min(Math.max(0, lo), hi), Math.max(Math.min(-1, hi), lo)];
  let vlo = Infinity;
  let vhi = -Infinity;
  for (const a of cands) {
    const v = (a >= 0 ? fn.pos * a : fn.neg * a) + fn.bias;
    if (v < vlo) vlo = v;
    if (v > vhi) vhi = v;
  }
  return { lo: vlo, hi: vhi };
}

/**
 * Per-layer shapes of a model. Assumes a structurally valid model (use parseModel first);
 * throws a plain Error on impossible geometry.
 */
export function layerShapes(model: QModel): LayerShape[] {
  const shapes: LayerShape[] = [];
  let inLength = model.input.length;
  let inChannels = 1;
  let domain: InputDomain = normalizerDomain(model.normalizer);
  model.layers.forEach((layer, index) => {
    let convLength: number;
    let outLength: number;
    let outChannels: number;
    let taps: number;
    let channelPreact: ReachableSet[];
    if (layer.kind === 'conv') {
      convLength = convOutLength(inLength, layer);
      outLength = pooledLength(convLength, layer.pool);
      outChannels = layer.outChannels;
      taps = layer.kernel * layer.inChannels;
      channelPreact = convPreactSets(layer, inLength, domain);
    } else {
      convLength = 1;
      outLength = 1;
      outChannels = layer.outFeatures;
      taps = layer.inFeatures;
      channelPreact = densePreactSets(layer);
    }
    if (outLength <= 0) throw new Error(`layer ${index} '${layer.name}' has no output positions`);
    let logitBounds: LayerShape['logitBounds'] = null;
    if (layer.out.kind === 'logits') {
      const positions = layer.out.reduce === 'sum' ? outLength : 1;
      const fns = layer.out.fns;
      logitBounds = channelPreact.map((s, c) => {
        const b = logitValueBounds(fns[c]!, s.lo, s.hi);
        return { lo: b.lo * positions, hi: b.hi * positions };
      });
    }
    shapes.push({
      index,
      name: layer.name,
      kind: layer.kind,
      inputKind: layer.inputKind,
      inLength,
      inChannels,
      convLength,
      outLength,
      outChannels,
      taps,
      preact: unionSets(channelPreact),
      channelPreact,
      logitBounds,
    });
    inLength = outLength;
    inChannels = outChannels;
    domain = { kind: 'binary' };
  });
  return shapes;
}
