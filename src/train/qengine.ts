/**
 * A batched TensorFlow.js evaluator of a quantized model's INTEGER semantics (qmodel.ts): the
 * same arithmetic as the integer reference, vectorized for speed. Pre-activations are integers
 * below 2^24, so float32 convolutions with +-1 weights compute them exactly; bit functions are
 * applied per channel as intervals (ge/le/const are intervals with open ends, out is an inverted
 * interval) or table look-ups; logits are summed in double precision in JavaScript.
 */
import { normalizeWindow } from '../model/normalizer.ts';
import { type BitFunction, type ConvLayer, hexToBits, type Layer, type LogitOutput, type QModel } from '../model/qmodel.ts';
import { tf } from './backend.ts';
import { applyBitFunction } from './fold.ts';

const BIG = 2 ** 30;

interface BitParams {
  lo: tf.Tensor1D;
  hi: tf.Tensor1D;
  invert: tf.Tensor1D;
  /** channels decided by a table: their bits over [min, min+size) flattened, with per-channel offsets */
  table: { isTable: tf.Tensor1D; offset: tf.Tensor1D; min: tf.Tensor1D; size: tf.Tensor1D; bits: tf.Tensor1D } | null;
}

function bitParams(fns: BitFunction[]): BitParams {
  const lo: number[] = [];
  const hi: number[] = [];
  const inv: number[] = [];
  let anyTable = false;
  const isTable: number[] = [];
  const offset: number[] = [];
  const min: number[] = [];
  const size: number[] = [];
  const bits: number[] = [];
  for (const fn of fns) {
    let l = BIG;
    let h = -BIG;
    let i = 0;
    if (fn.kind === 'ge') [l, h] = [fn.t, BIG];
    else if (fn.kind === 'le') [l, h] = [-BIG, fn.t];
    else if (fn.kind === 'in') [l, h] = [fn.lo, fn.hi];
    else if (fn.kind === 'out') [l, h, i] = [fn.lo, fn.hi, 1];
    else if (fn.kind === 'const') [l, h] = fn.v ? [-BIG, BIG] : [BIG, -BIG];
    lo.push(l);
    hi.push(h);
    inv.push(i);
    offset.push(bits.length);
    if (fn.kind === 'table') {
      anyTable = true;
      isTable.push(1);
      min.push(fn.min);
      size.push(fn.size);
      for (let a = fn.min; a < fn.min + fn.size; a++) bits.push(applyBitFunction(fn, a));
    } else {
      isTable.push(0);
      min.push(0);
      size.push(1);
      bits.push(0);
    }
  }
  return {
    lo: tf.tensor1d(lo),
    hi: tf.tensor1d(hi),
    invert: tf.tensor1d(inv),
    table: anyTable
      ? { isTable: tf.tensor1d(isTable), offset: tf.tensor1d(offset, 'int32'), min: tf.tensor1d(min), size: tf.tensor1d(size), bits: tf.tensor1d(bits) }
      : null,
  };
}

/** +-1 bits from integer pre-activations a: [batch, length, channels]. */
function applyBits(a: tf.Tensor, p: BitParams): tf.Tensor {
  return tf.tidy(() => {
    const inside = tf.logicalAnd(tf.greaterEqual(a, p.lo), tf.lessEqual(a, p.hi));
    let bit = tf.notEqual(tf.cast(inside, 'float32'), p.invert);
    if (p.table) {
      const t = p.table;
      const idx = tf.add(tf.cast(tf.clipByValue(tf.sub(a, t.min), 0, BIG), 'int32'), t.offset);
      const capped = tf.minimum(idx, tf.add(t.offset, tf.sub(tf.cast(t.size, 'int32'), 1)));
      const tb = tf.greater(tf.gather(t.bits, tf.reshape(capped, [-1])).reshape(a.shape), 0.5);
      bit = tf.where(tf.greater(t.isTable, 0.5), tb, bit);
    }
    return tf.sub(tf.mul(tf.cast(bit, 'float32'), 2), 1);
  });
}

function convWeights(layer: ConvLayer): tf.Tensor3D {
  const { kernel: K, inChannels: ci, outChannels: co } = layer;
  const w = new Float32Array(K * ci * co);
  layer.weights.forEach((hex, o) => {
    const bits = hexToBits(hex, K * ci);
    for (let i = 0; i < K * ci; i++) w[i * co + o] = bits[i] ? 1 : -1;
  });
  return tf.tensor3d(w, [K, ci, co]);
}

function logitsFromPreacts(a: Float32Array, windows: number, positions: number, out: LogitOutput): Float64Array {
  const C = out.fns.length;
  const logits = new Float64Array(windows * C);
  for (let w = 0; w < windows; w++) {
    for (let c = 0; c < C; c++) {
      const fn = out.fns[c]!;
      let s = 0;
      for (let p = 0; p < positions; p++) {
        const v = a[(w * positions + p) * C + c]!;
        s += (v >= 0 ? fn.pos * v : fn.neg * v) + fn.bias;
      }
      logits[w * C + c] = s;
    }
  }
  return logits;
}

export interface QEngine {
  /** Integer logits of each window (row-major [windows, classes]) and the argmax class (ties to the lowest index). */
  run(windows: Int16Array[] | ((i: number) => ArrayLike<number>), count: number): { logits: Float64Array; classes: Int32Array };
  dispose(): void;
}

export function compileTfjsEngine(model: QModel, batch = 64): QEngine {
  const prepared = model.layers.map((layer: Layer) => {
    if (layer.kind === 'conv') return { layer, w: convWeights(layer), bits: layer.out.kind === 'binary' ? bitParams(layer.out.fns) : null };
    const w = new Float32Array(layer.inFeatures * layer.outFeatures);
    layer.weights.forEach((hex, o) => {
      const bits = hexToBits(hex, layer.inFeatures);
      for (let i = 0; i < layer.inFeatures; i++) w[i * layer.outFeatures + o] = bits[i] ? 1 : -1;
    });
    return { layer, w: tf.tensor2d(w, [layer.inFeatures, layer.outFeatures]), bits: layer.out.kind === 'binary' ? bitParams(layer.out.fns) : null };
  });
  const L = model.input.length;
  const C = model.classes.length;
  return {
    run(windows, count) {
      const get = typeof windows === 'function' ? windows : (i: number) => windows[i]!;
      const logits = new Float64Array(count * C);
      const classes = new Int32Array(count);
      const z = new Int32Array(L);
      for (let s = 0; s < count; s += batch) {
        const e = Math.min(count, s + batch);
        const buf = new Float32Array((e - s) * L);
        for (let i = s; i < e; i++) {
          normalizeWindow(get(i), model.normalizer, z);
          buf.set(z, (i - s) * L);
        }
        const { a, positions, out } = tf.tidy(() => {
          let h: tf.Tensor = tf.tensor3d(buf, [e - s, L, 1]);
          for (const p of prepared) {
            const layer = p.layer;
            let a: tf.Tensor;
            if (layer.kind === 'conv') {
              const padded = tf.pad(h as tf.Tensor3D, [[0, 0], [layer.pad.left, layer.pad.right], [0, 0]], layer.pad.value);
              a = tf.conv1d(padded, p.w as tf.Tensor3D, layer.stride, 'valid');
              if (layer.pool) {
                const [b, l, c] = a.shape as [number, number, number];
                const y = tf.maxPool(tf.reshape(a, [b, l, 1, c]) as tf.Tensor4D, [layer.pool.size, 1], [layer.pool.stride, 1], 'valid');
                a = tf.reshape(y, [b, y.shape[1], c]);
              }
            } else {
              a = tf.matMul(tf.reshape(h, [h.shape[0]!, -1]), p.w as tf.Tensor2D);
            }
            if (layer.out.kind === 'logits') return { a, positions: a.shape.length === 3 ? a.shape[1]! : 1, out: layer.out };
            h = applyBits(a, p.bits!);
          }
          throw new Error('model has no logits layer');
        });
        const lg = logitsFromPreacts(a.dataSync() as Float32Array, e - s, positions, out);
        a.dispose();
        logits.set(lg, s * C);
        for (let w = 0; w < e - s; w++) {
          let best = 0;
          for (let c = 1; c < C; c++) if (lg[w * C + c]! > lg[w * C + best]!) best = c;
          classes[s + w] = best;
        }
      }
      return { logits, classes };
    },
    dispose() {
      for (const p of prepared) {
        p.w.dispose();
        if (p.bits) {
          tf.dispose([p.bits.lo, p.bits.hi, p.bits.invert]);
          if (p.bits.table) tf.dispose(Object.values(p.bits.table));
        }
      }
    },
  };
}
