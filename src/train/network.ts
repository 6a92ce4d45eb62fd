/**
 * The trainable network: parameters (tf.Variables, seeded initialization) and the forward pass
 * of an ArchSpec. Binary networks keep latent float weights and binarize them in the forward
 * pass (sign, STE backward); activations are binarized the same way between blocks.
 */
import { makeRng } from '../data/rng.ts';
import { type ArchSpec, type BlockShape, blockShapes } from './arch.ts';
import { tf } from './backend.ts';
import { batchNorm, batchNormTrain, channelMoments, conv1d, maxPool1d, padLength, prelu } from './ops.ts';
import { binarize } from './ste.ts';
import { inputScale } from './inputs.ts';

let nextNetworkId = 0;
export const BN_EPS = 1e-3;
const BN_MOMENTUM = 0.9;

export interface Network {
  spec: ArchSpec;
  inputLength: number;
  classes: number;
  shapes: BlockShape[];
  /** every variable by a stable name; `trainable` excludes BatchNorm running statistics */
  vars: Map<string, tf.Variable>;
  trainable: tf.Variable[];
}

function seededTensor(shape: number[], fill: (i: number) => number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = fill(i);
  return tf.tensor(data, shape);
}

/** Builds the network with seeded (reproducible) initial values. */
export function createNetwork(spec: ArchSpec, inputLength: number, classes: number, seed: number): Network {
  const shapes = blockShapes(spec, inputLength, classes);
  const rng = makeRng(seed ^ 0x5eed);
  const vars = new Map<string, tf.Variable>();
  const trainable: tf.Variable[] = [];
  // tfjs registers variables by a process-wide name: prefix a unique id so several networks
  // (tests, full-precision twins) can live side by side.
  const uid = `net${nextNetworkId++}`;
  const add = (name: string, t: tf.Tensor, train = true) => {
    const v = tf.variable(t, train, `${uid}/${name}`);
    t.dispose();
    vars.set(name, v);
    if (train) trainable.push(v);
  };
  spec.blocks.forEach((b, i) => {
    const s = shapes[i]!;
    const fanIn = b.kernel * s.inChannels;
    const limit = Math.sqrt(6 / (fanIn + b.kernel * s.outChannels));
    add(`b${i}.w`, seededTensor([b.kernel, s.inChannels, s.outChannels], () => (rng() * 2 - 1) * limit));
    const c = s.outChannels;
    if (b.prelu) add(`b${i}.alpha`, tf.fill([c], 0.25));
    if (b.batchNorm) {
      add(`b${i}.gamma`, tf.ones([c]));
      add(`b${i}.beta`, tf.zeros([c]));
      add(`b${i}.mean`, tf.zeros([c]), false);
      add(`b${i}.var`, tf.ones([c]), false);
    }
    if (b.threshold) add(`b${i}.t`, tf.zeros([c]));
  });
  if (spec.head.kind === 'dense') {
    const last = shapes[shapes.length - 1]!;
    const fanIn = last.outLength * last.outChannels;
    const limit = Math.sqrt(6 / (fanIn + classes));
    add('head.w', seededTensor([fanIn, classes], () => (rng() * 2 - 1) * limit));
    add('head.gamma', tf.ones([classes]));
    add('head.beta', tf.zeros([classes]));
  }
  return { spec, inputLength, classes, shapes, vars, trainable };
}

function v(net: Network, name: string): tf.Variable {
  const x = net.vars.get(name);
  if (!x) throw new Error(`network ${net.spec.name} has no variable ${name}`);
  return x;
}

/** Effective weights: sign with STE for binary networks, the latent weights otherwise. */
function weights(net: Network, name: string): tf.Tensor {
  const w = v(net, name);
  return net.spec.binary ? binarize(w, net.spec.weightSte) : w;
}

/** Network input units per z unit of the normalizer (the first layer's pre-activation is in z units). */
export function inputUnit(net: Network): number {
  return inputScale(net.spec.normalizer);
}

/** Per-layer scale so pre-activations stay O(1): 1/sqrt(fan-in) (BatchNorm makes it moot, PReLU and thresholds do not mind). */
export function blockScale(net: Network, i: number): number {
  const s = net.shapes[i]!;
  return 1 / Math.sqrt(net.spec.blocks[i]!.kernel * s.inChannels);
}

export function headScale(net: Network): number {
  const last = net.shapes[net.shapes.length - 1]!;
  return 1 / Math.sqrt(last.outLength * last.outChannels);
}

export interface ForwardResult {
  logits: tf.Tensor2D;
  /** BatchNorm batch statistics per block (training mode), to update the running averages */
  moments: Map<number, { mean: tf.Tensor; variance: tf.Tensor }>;
}

/**
 * x: [batch, length, 1] normalized input (z * 2^-fracBits). In training mode BatchNorm uses the
 * batch statistics; otherwise the running averages.
 */
export function forward(net: Network, x: tf.Tensor3D, training: boolean): ForwardResult {
  return run(net, x, training, false) as ForwardResult;
}

/**
 * The head's integer pre-activation, in inference mode: for a globalSum head the last block's
 * pooled conv output divided by its scale ([batch, positions, classes]); for a dense head the
 * dense layer's +-1 dot products ([batch, classes]). Exact integers for binary networks.
 */
export function headPreactivation(net: Network, x: tf.Tensor3D): tf.Tensor {
  return tf.tidy(() => run(net, x, false, true) as tf.Tensor);
}

function run(net: Network, x: tf.Tensor3D, training: boolean, stopAtHead: boolean): ForwardResult | tf.Tensor {
  const { spec } = net;
  const moments = new Map<number, { mean: tf.Tensor; variance: tf.Tensor }>();
  let h: tf.Tensor3D = x;
  const n = spec.blocks.length;
  for (let i = 0; i < n; i++) {
    const b = spec.blocks[i]!;
    const s = net.shapes[i]!;
    const padded = padLength(h, s.padLeft, s.padRight, b.padValue);
    let y: tf.Tensor = tf.mul(conv1d(padded, weights(net, `b${i}.w`) as tf.Tensor3D, b.stride), blockScale(net, i));
    if (b.pool) y = maxPool1d(y as tf.Tensor3D, b.pool.size, b.pool.stride);
    const isLogitBlock = i === n - 1 && spec.head.kind === 'globalSum';
    if (stopAtHead && isLogitBlock) return tf.div(y, blockScale(net, i) * (i === 0 ? inputUnit(net) : 1));
    if (b.prelu) y = prelu(y, v(net, `b${i}.alpha`));
    if (b.batchNorm) {
      if (training) {
        const m = channelMoments(y);
        moments.set(i, m);
        y = batchNormTrain(y, m.mean, m.variance, v(net, `b${i}.gamma`), v(net, `b${i}.beta`), BN_EPS);
      } else {
        y = batchNorm(y, v(net, `b${i}.mean`), v(net, `b${i}.var`), v(net, `b${i}.gamma`), v(net, `b${i}.beta`), BN_EPS);
      }
    }
    if (isLogitBlock) {
      // Mean over time: argmax-equivalent to the exported global sum, and keeps logits O(1).
      return { logits: tf.mean(y, 1) as tf.Tensor2D, moments };
    }
    if (b.threshold) y = tf.sub(y, v(net, `b${i}.t`));
    if (spec.binary) y = binarize(y, spec.activationSte);
    else if (!b.prelu) y = tf.clipByValue(y, -1, 1);
    h = y as tf.Tensor3D;
  }
  const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
  const a = tf.matMul(flat, weights(net, 'head.w') as tf.Tensor2D);
  if (stopAtHead) return a;
  const logits = tf.add(tf.mul(tf.mul(a, headScale(net)), v(net, 'head.gamma')), v(net, 'head.beta')) as tf.Tensor2D;
  return { logits, moments };
}

/** Moves the BatchNorm running averages toward this batch's statistics. */
export function updateRunningStats(net: Network, moments: ForwardResult['moments']): void {
  tf.tidy(() => {
    for (const [i, m] of moments) {
      const rm = v(net, `b${i}.mean`);
      const rv = v(net, `b${i}.var`);
      rm.assign(tf.add(tf.mul(rm, BN_MOMENTUM), tf.mul(m.mean, 1 - BN_MOMENTUM)));
      rv.assign(tf.add(tf.mul(rv, BN_MOMENTUM), tf.mul(m.variance, 1 - BN_MOMENTUM)));
    }
  });
}

/** Keeps binary latent weights in [-1, 1] (BinaryConnect): outside, the clip STE has no gradient. */
export function clipLatentWeights(net: Network): void {
  if (!net.spec.binary) return;
  tf.tidy(() => {
    for (const [name, w] of net.vars) if (name.endsWith('.w')) w.assign(tf.clipByValue(w, -1, 1));
  });
}

export function disposeNetwork(net: Network): void {
  for (const x of net.vars.values()) x.dispose();
}
