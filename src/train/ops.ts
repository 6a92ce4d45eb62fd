/**
 * Tensor building blocks of the trainable networks, written so that every op used in training
 * has a gradient on the wasm backend:
 * - conv1d gets its gradient from tf.customGrad: dX through conv2dTranspose (Conv2DBackpropInput
 *   is registered for wasm) and dW as one matmul per kernel tap over strided slices of the padded
 *   input (Conv2DBackpropFilter is not registered for wasm).
 * - BatchNorm is written out as (x - mean) * rsqrt(var + eps) * gamma + beta.
 * Tensors are [batch, length, channels] (NWC).
 */
import { tf } from './backend.ts';

/** Pads the length axis with a constant (0 or +1 for binary activations, any value for the input). */
export function padLength(x: tf.Tensor3D, left: number, right: number, value: number): tf.Tensor3D {
  if (left === 0 && right === 0) return x;
  return tf.pad(x, [[0, 0], [left, right], [0, 0]], value);
}

function convForward(x: tf.Tensor3D, w: tf.Tensor3D, stride: number): tf.Tensor3D {
  return tf.conv1d(x, w, stride, 'valid');
}

/** Weight gradient: dW[k, ci, co] = sum_{b,t} x[b, t*stride + k, ci] * dy[b, t, co]. */
function convFilterGrad(x: tf.Tensor3D, dy: tf.Tensor3D, kernel: number, stride: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, , ci] = x.shape;
    const [, lOut, co] = dy.shape;
    const dy2 = tf.reshape(dy, [b * lOut, co]);
    const taps: tf.Tensor2D[] = [];
    for (let k = 0; k < kernel; k++) {
      const end = k + stride * (lOut - 1) + 1;
      const xs = tf.stridedSlice(x, [0, k, 0], [b, end, ci], [1, stride, 1]) as tf.Tensor3D;
      taps.push(tf.matMul(tf.reshape(xs, [b * lOut, ci]), dy2, true, false));
    }
    return tf.stack(taps) as tf.Tensor3D;
  });
}

/** Input gradient through the transposed convolution (Conv2DBackpropInput). */
function convInputGrad(xShape: [number, number, number], w: tf.Tensor3D, dy: tf.Tensor3D, stride: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, l, ci] = xShape;
    const [k, , co] = w.shape;
    const dy4 = tf.reshape(dy, [b, 1, dy.shape[1], co]) as tf.Tensor4D;
    const w4 = tf.reshape(w, [1, k, ci, co]) as tf.Tensor4D;
    const dx = tf.conv2dTranspose(dy4, w4, [b, 1, l, ci], [1, stride], 'valid');
    return tf.reshape(dx, [b, l, ci]) as tf.Tensor3D;
  });
}

const convCache = new Map<number, (x: tf.Tensor3D, w: tf.Tensor3D) => tf.Tensor3D>();

/** 'valid' 1-D convolution (pad first with padLength) whose gradient works on every backend. */
export function conv1d(x: tf.Tensor3D, w: tf.Tensor3D, stride: number): tf.Tensor3D {
  let fn = convCache.get(stride);
  if (!fn) {
    fn = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x3 = args[0] as tf.Tensor3D;
      const w3 = args[1] as tf.Tensor3D;
      const save = args[2] as tf.GradSaveFunc;
      save([x3, w3]);
      return {
        value: convForward(x3, w3, stride),
        gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
          const [xs, ws] = saved as [tf.Tensor3D, tf.Tensor3D];
          const d = dy;
          return [convInputGrad(xs.shape, ws, d, stride), convFilterGrad(xs, d, ws.shape[0], stride)];
        },
      };
    }) as unknown as (x: tf.Tensor3D, w: tf.Tensor3D) => tf.Tensor3D;
    convCache.set(stride, fn);
  }
  return fn(x, w);
}

/** 'valid' max-pool along the length axis. */
export function maxPool1d(x: tf.Tensor3D, size: number, stride: number): tf.Tensor3D {
  const [b, l, c] = x.shape;
  const x4 = tf.reshape(x, [b, l, 1, c]) as tf.Tensor4D;
  const y = tf.maxPool(x4, [size, 1], [stride, 1], 'valid');
  return tf.reshape(y, [b, y.shape[1], c]) as tf.Tensor3D;
}

/** PReLU with one learnable slope per channel: x >= 0 ? x : alpha * x. */
export function prelu(x: tf.Tensor, alpha: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), tf.mul(alpha, tf.neg(tf.relu(tf.neg(x))))));
}

/** BatchNorm written out (the fused kernels have no wasm gradient). */
export function batchNorm(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** Per-channel mean and (biased) variance over every axis but the last. */
export function channelMoments(x: tf.Tensor): { mean: tf.Tensor; variance: tf.Tensor } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  return tf.moments(x, axes);
}
