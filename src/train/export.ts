/**
 * Export of a trained binary network as a quantized model (src/model/qmodel.ts): bit-packed
 * weights; each block's post-processing folded into per-channel bit functions over the reachable
 * integer pre-activations (fold.ts); the logits layer as fixed-point pos/neg/bias with the
 * fewest fractional bits that keep argmax agreement with the float logits >= 99.9 %.
 */
import { bitsToHex, type ConvLayer, type DenseLayer, type Layer, type LogitOutput, QMODEL_FORMAT, QMODEL_SCHEMA_VERSION, type QModel } from '../model/qmodel.ts';
import { convPreactSets, densePreactSets, type InputDomain, normalizerDomain } from '../model/shapes.ts';
import { parseModel } from '../model/validate.ts';
import { tf } from './backend.ts';
import { simplestBitFunction } from './fold.ts';
import type { NormalizedInputs } from './inputs.ts';
import { BN_EPS, blockScale, headPreactivation, headScale, inputUnit, type Network } from './network.ts';
import { modelStorage } from './storage.ts';

export interface ExportOptions {
  name: string;
  task: string;
  classes: string[];
  sampleRate: number;
  /** width of a raw ADC sample as the hardware receives it */
  sampleBits: number;
  /** windows whose float logits the fixed-point logits must agree with (e.g. the training split) */
  calibration: { data: NormalizedInputs; idx: readonly number[] };
  /** minimum argmax agreement of fixed-point vs float logits on the calibration windows */
  minAgreement?: number;
  provenance?: Record<string, unknown>;
}

export interface ExportReport {
  logitFracBits: number;
  logitAgreement: number;
  /** how many channels got each kind of bit function */
  forms: Record<string, number>;
}

const f = Math.fround;

function read(net: Network, name: string): Float32Array | null {
  const v = net.vars.get(name);
  return v ? (v.dataSync() as Float32Array) : null;
}

/** Weight bit per output channel: bit k*inChannels + c is sign(w[k][c][o]) (1 = +1, sign(0) = +1). */
function convWeightHex(w: Float32Array, kernel: number, cin: number, cout: number): string[] {
  const out: string[] = [];
  for (let o = 0; o < cout; o++) {
    const bits = new Uint8Array(kernel * cin);
    for (let k = 0; k < kernel; k++) for (let c = 0; c < cin; c++) bits[k * cin + c] = w[(k * cin + c) * cout + o]! >= 0 ? 1 : 0;
    out.push(bitsToHex(bits));
  }
  return out;
}

interface ChannelAffine {
  /** y -> output before sign / logit contribution, in float32 steps like the tfjs graph */
  apply(y: number, c: number): number;
}

/** PReLU -> BatchNorm (inference) -> threshold of block i, channel-wise, mimicking float32 rounding. */
function blockPost(net: Network, i: number): ChannelAffine {
  const b = net.spec.blocks[i]!;
  const alpha = b.prelu ? read(net, `b${i}.alpha`) : null;
  const gamma = b.batchNorm ? read(net, `b${i}.gamma`) : null;
  const beta = b.batchNorm ? read(net, `b${i}.beta`) : null;
  const mean = b.batchNorm ? read(net, `b${i}.mean`) : null;
  const variance = b.batchNorm ? read(net, `b${i}.var`) : null;
  const t = b.threshold ? read(net, `b${i}.t`) : null;
  return {
    apply(y0: number, c: number): number {
      let y = y0;
      if (alpha && y < 0) y = f(alpha[c]! * y);
      if (gamma) y = f(f(f(f(y - mean![c]!) * f(1 / Math.sqrt(f(variance![c]! + BN_EPS)))) * gamma[c]!) + beta![c]!);
      if (t) y = f(y - t[c]!);
      return y;
    },
  };
}

/** Float value of the integer pre-activation a at block i (conv output times the scales). */
function preactToFloat(net: Network, i: number, a: number): number {
  const unit = i === 0 ? f(inputUnit(net)) : 1;
  return f(f(a * unit) * f(blockScale(net, i)));
}

interface FloatLogit {
  pos: number;
  neg: number;
  bias: number;
}

/** v(a) = a >= 0 ? pos*a : neg*a, + bias: PReLU then BatchNorm of the last block, per channel. */
function globalSumLogits(net: Network): FloatLogit[] {
  const i = net.spec.blocks.length - 1;
  const b = net.spec.blocks[i]!;
  const cscale = blockScale(net, i) * (i === 0 ? inputUnit(net) : 1);
  const alpha = b.prelu ? read(net, `b${i}.alpha`) : null;
  const gamma = b.batchNorm ? read(net, `b${i}.gamma`) : null;
  const beta = b.batchNorm ? read(net, `b${i}.beta`) : null;
  const mean = b.batchNorm ? read(net, `b${i}.mean`) : null;
  const variance = b.batchNorm ? read(net, `b${i}.var`) : null;
  return Array.from({ length: net.classes }, (_, c) => {
    const g = gamma ? gamma[c]! / Math.sqrt(variance![c]! + BN_EPS) : 1;
    const al = alpha ? alpha[c]! : 1;
    return { pos: g * cscale, neg: g * cscale * al, bias: gamma ? beta![c]! - g * mean![c]! : 0 };
  });
}

function denseLogits(net: Network): FloatLogit[] {
  const gamma = read(net, 'head.gamma')!;
  const beta = read(net, 'head.beta')!;
  const s = headScale(net);
  return Array.from({ length: net.classes }, (_, c) => ({ pos: gamma[c]! * s, neg: gamma[c]! * s, bias: beta[c]! }));
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/** Fractional bits added beyond the calibration's need: unseen windows have smaller margins. */
const LOGIT_GUARD_BITS = 3;

/**
 * Picks the logit fixed-point fraction: the smallest fracBits (0..20) whose integer argmax
 * agrees with the float argmax (computed from the same exact pre-activations) on at least
 * `minAgreement` of the calibration windows, plus LOGIT_GUARD_BITS (test windows sit closer to
 * the decision boundaries than the training windows the calibration sees).
 */
function chooseLogitFracBits(
  float: FloatLogit[],
  preacts: Float32Array,
  windows: number,
  positions: number,
  minAgreement: number,
): { fracBits: number; agreement: number; fns: LogitOutput['fns'] } {
  const C = float.length;
  const floatArg = new Int32Array(windows);
  const acc = new Float64Array(C);
  for (let w = 0; w < windows; w++) {
    acc.fill(0);
    for (let p = 0; p < positions; p++) {
      for (let c = 0; c < C; c++) {
        const a = preacts[(w * positions + p) * C + c]!;
        acc[c] += (a >= 0 ? float[c]!.pos * a : float[c]!.neg * a) + float[c]!.bias;
      }
    }
    floatArg[w] = argmax(acc);
  }
  const agreementAt = (fb: number) => {
    const k = 2 ** fb;
    const fns = float.map((l) => ({ pos: Math.round(l.pos * k), neg: Math.round(l.neg * k), bias: Math.round(l.bias * k) }));
    let agree = 0;
    for (let w = 0; w < windows; w++) {
      acc.fill(0);
      for (let p = 0; p < positions; p++) {
        for (let c = 0; c < C; c++) {
          const a = preacts[(w * positions + p) * C + c]!;
          acc[c] += (a >= 0 ? fns[c]!.pos * a : fns[c]!.neg * a) + fns[c]!.bias;
        }
      }
      if (argmax(acc) === floatArg[w]) agree++;
    }
    return { fracBits: fb, agreement: windows > 0 ? agree / windows : 1, fns };
  };
  const MAX = 20;
  let need = MAX;
  for (let fb = 0; fb <= MAX; fb++) {
    if (agreementAt(fb).agreement >= minAgreement) {
      need = fb;
      break;
    }
  }
  return agreementAt(Math.min(MAX, need + LOGIT_GUARD_BITS));
}

/** Exact integer pre-activations of the head for the calibration windows (rounded: they are integers up to float error). */
function calibrationPreacts(net: Network, data: NormalizedInputs, idx: readonly number[]): { values: Float32Array; positions: number } {
  const batch = 64;
  const n = data.length;
  const chunks: Float32Array[] = [];
  let positions = 1;
  for (let s = 0; s < idx.length; s += batch) {
    const e = Math.min(idx.length, s + batch);
    const buf = new Float32Array((e - s) * n);
    for (let j = s; j < e; j++) buf.set(data.x.subarray(idx[j]! * n, (idx[j]! + 1) * n), (j - s) * n);
    const x = tf.tensor3d(buf, [e - s, n, 1]);
    const a = headPreactivation(net, x);
    positions = a.shape.length === 3 ? a.shape[1]! : 1;
    chunks.push((a.dataSync() as Float32Array).map(Math.round));
    tf.dispose([x, a]);
  }
  const values = new Float32Array(chunks.reduce((t, c) => t + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    values.set(c, o);
    o += c.length;
  }
  return { values, positions };
}

export function exportNetwork(net: Network, opts: ExportOptions): { model: QModel; report: ExportReport } {
  const { spec } = net;
  if (!spec.binary) throw new Error(`architecture ${spec.name} is full precision: only binary networks export to a quantized model`);
  const forms: Record<string, number> = {};
  const layers: Layer[] = [];
  let domain: InputDomain = normalizerDomain(spec.normalizer);
  const unit = inputUnit(net);
  let logitInfo = { fracBits: 0, agreement: 1 };
  spec.blocks.forEach((b, i) => {
    const s = net.shapes[i]!;
    const padValue = i === 0 ? b.padValue / unit : b.padValue;
    if (!Number.isInteger(padValue)) throw new Error(`block ${i + 1}: padValue ${b.padValue} is not a whole number of input units`);
    const geometry = {
      kind: 'conv' as const,
      name: `conv${i + 1}`,
      inputKind: i === 0 ? ('int' as const) : ('binary' as const),
      inChannels: s.inChannels,
      outChannels: s.outChannels,
      kernel: b.kernel,
      stride: b.stride,
      pad: { left: s.padLeft, right: s.padRight, value: padValue },
      weights: convWeightHex(read(net, `b${i}.w`)!, b.kernel, s.inChannels, s.outChannels),
      pool: b.pool ? { kind: 'max' as const, size: b.pool.size, stride: b.pool.stride } : null,
    };
    const sets = convPreactSets(geometry, s.inLength, domain);
    const isLogit = i === spec.blocks.length - 1 && spec.head.kind === 'globalSum';
    let out: ConvLayer['out'];
    if (isLogit) {
      const cal = calibrationPreacts(net, opts.calibration.data, opts.calibration.idx);
      const chosen = chooseLogitFracBits(globalSumLogits(net), cal.values, opts.calibration.idx.length, cal.positions, opts.minAgreement ?? 0.999);
      logitInfo = chosen;
      out = { kind: 'logits', reduce: 'sum', fracBits: chosen.fracBits, fns: chosen.fns };
    } else {
      const post = blockPost(net, i);
      out = {
        kind: 'binary',
        fns: sets.map((set, c) => {
          const fn = simplestBitFunction((a) => (post.apply(preactToFloat(net, i, a), c) >= 0 ? 1 : 0), set);
          forms[fn.kind] = (forms[fn.kind] ?? 0) + 1;
          return fn;
        }),
      };
    }
    layers.push({ ...geometry, out });
    domain = { kind: 'binary' };
  });
  if (spec.head.kind === 'dense') {
    const last = net.shapes[net.shapes.length - 1]!;
    const inFeatures = last.outLength * last.outChannels;
    const w = read(net, 'head.w')!;
    const weights: string[] = [];
    for (let o = 0; o < net.classes; o++) {
      const bits = new Uint8Array(inFeatures);
      for (let fi = 0; fi < inFeatures; fi++) bits[fi] = w[fi * net.classes + o]! >= 0 ? 1 : 0;
      weights.push(bitsToHex(bits));
    }
    void densePreactSets;
    const cal = calibrationPreacts(net, opts.calibration.data, opts.calibration.idx);
    const chosen = chooseLogitFracBits(denseLogits(net), cal.values, opts.calibration.idx.length, 1, opts.minAgreement ?? 0.999);
    logitInfo = chosen;
    const dense: DenseLayer = {
      kind: 'dense', name: 'dense', inputKind: 'binary', inFeatures, outFeatures: net.classes, weights,
      out: { kind: 'logits', reduce: 'none', fracBits: chosen.fracBits, fns: chosen.fns },
    };
    layers.push(dense);
  }
  const draft: QModel = {
    format: QMODEL_FORMAT,
    schemaVersion: QMODEL_SCHEMA_VERSION,
    name: opts.name,
    task: opts.task,
    classes: opts.classes,
    input: { length: net.inputLength, sampleBits: opts.sampleBits, sampleRate: opts.sampleRate },
    normalizer: spec.normalizer,
    layers,
    provenance: { ...opts.provenance, logitFracBits: logitInfo.fracBits, logitAgreement: logitInfo.agreement },
  };
  draft.storage = modelStorage(draft);
  // Round-trip through the contract's own parser: the export is only done if it validates.
  const model = parseModel(JSON.parse(JSON.stringify(draft)), `export of ${opts.name}`);
  return { model, report: { logitFracBits: logitInfo.fracBits, logitAgreement: logitInfo.agreement, forms } };
}
