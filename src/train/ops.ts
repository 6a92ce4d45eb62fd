/**
 * Tensor building blocks of the trainable networks, written so that every op used in training
 * has a gradient on the wasm backend:
 * - conv1d gets its gradient from tf.customGrad, both halves built from forward convolutions
 *   (Conv2DBackpropFilter is not registered for wasm; Conv2DBackpropInput is, but slow).
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

/**
 * Weight gradient dW[k, ci, co] = sum_{b,t} x[b, t*stride + k, ci] * dy[b, t, co], computed as one
 * forward convolution with batch and channels swapped: the input x^T is [ci, L, batch], the
 * "filter" dy^T is [Lo, batch, co] dilated by the stride. Several times faster on wasm than one
 * matmul per tap (which needs a transposed operand).
 */
function convFilterGrad(x: tf.Tensor3D, dy: tf.Tensor3D, kernel: number, stride: number): tf.Tensor3D {
  return tf.tidy(() => {
    const xt = tf.transpose(x, [2, 1, 0]) as tf.Tensor3D;
    const dyt = tf.transpose(dy, [1, 0, 2]) as tf.Tensor3D;
    let g = tf.conv1d(xt, dyt, 1, 'valid', 'NWC', stride);
    // Inputs past the last window contribute nothing: keep the first `kernel` taps.
    if (g.shape[1] !== kernel) g = tf.slice(g, [0, 0, 0], [g.shape[0], kernel, g.shape[2]]);
    return tf.transpose(g, [1, 0, 2]) as tf.Tensor3D;
  });
}

/**
 * Input gradient as a forward convolution of the (stride-dilated, fully padded) output gradient
 * with the flipped, transposed kernel; Conv2DBackpropInput on wasm is about 10x slower.
 */
function convInputGrad(xShape: [number, number, number], w: tf.Tensor3D, dy: tf.Tensor3D, stride: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, l, ci] = xShape;
    const [k, , co] = w.shape;
    let d: tf.Tensor3D = dy;
    const lo = dy.shape[1];
    if (stride > 1) {
      // Insert stride-1 zeros between output positions: [b, lo, co] -> [b, (lo-1)*stride+1, co].
      const z = tf.zeros([b, lo, stride - 1, co]);
      d = tf.reshape(tf.concat([tf.reshape(dy, [b, lo, 1, co]), z], 2), [b, lo * stride, co]) as tf.Tensor3D;
      d = tf.slice(d, [0, 0, 0], [b, (lo - 1) * stride + 1, co]);
    }
    const wf = tf.transpose(tf.reverse(w, 0), [0, 2, 1]) as tf.Tensor3D;
    let dx = tf.conv1d(tf.pad(d, [[0, 0], [k - 1, k - 1], [0, 0]]), wf, 1, 'valid');
    // Trailing inputs no window reached get zero gradient.
    if (dx.shape[1] < l) dx = tf.pad(dx, [[0, 0], [0, l - dx.shape[1]], [0, 0]]);
    void ci;
    return dx;
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
  return tf.prelu(x, alpha);
}

/** BatchNorm written out (the fused kernels have no wasm gradient). */
export function batchNorm(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

const bnTrainFns = new Map<number, (...a: tf.Tensor[]) => tf.Tensor>();

/**
 * Training-mode BatchNorm given this batch's per-channel `mean` and `variance` (computed from x by
 * the caller, who also needs them for the running averages), with the closed-form gradient
 *   dx = gamma * rstd / n * (n * dy - sum(dy) - xhat * sum(dy * xhat))
 * which already includes the paths through mean and variance (their own gradients are zero).
 * About 2x faster on wasm than differentiating the written-out formula.
 */
export function batchNormTrain(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  let fn = bnTrainFns.get(eps);
  if (!fn) {
    fn = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, m, v, g, b] = args as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    const rstd = tf.rsqrt(tf.add(v!, eps));
    const xhat = tf.mul(tf.sub(xi!, m!), rstd);
    save([xhat, rstd, g!]);
    return {
      value: tf.add(tf.mul(xhat, g!), b!),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gm] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const axes = dy.shape.slice(0, -1).map((_, i) => i);
        const n = dy.size / dy.shape[dy.shape.length - 1]!;
        const sdy = tf.sum(dy, axes);
        const sdyx = tf.sum(tf.mul(dy, xh), axes);
        const dx = tf.mul(tf.mul(gm, tf.div(rs, n)), tf.sub(tf.sub(tf.mul(dy, n), sdy), tf.mul(xh, sdyx)));
        return [dx, tf.zerosLike(m!), tf.zerosLike(v!), sdyx, sdy];
      },
    };
    }) as unknown as (...a: tf.Tensor[]) => tf.Tensor;
    bnTrainFns.set(eps, fn);
  }
  return fn(x, mean, variance, gamma, beta);
}

/** Per-channel mean and (biased) variance over every axis but the last. */
export function channelMoments(x: tf.Tensor): { mean: tf.Tensor; variance: tf.Tensor } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  return tf.moments(x, axes);
}
