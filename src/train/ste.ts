/**
 * Binarization with straight-through estimators (STE). The forward pass is sign with
 * sign(0) = +1 (DESIGN.md section 2); the backward pass multiplies the incoming gradient by a
 * surrogate derivative chosen per use:
 * - 'tanh':  1 - tanh(x)^2           (seed 002's estimator for weights)
 * - 'poly':  max(0, 2 - 2|x|)        (derivative of the piecewise polynomial 2x - x|x| on [-1, 1],
 *                                      seed 002's estimator for activations; Bi-Real Net's ApproxSign)
 * - 'clip':  1 if |x| <= 1 else 0    (the plain clipped identity, BinaryConnect/BNN)
 */
import { tf } from './backend.ts';

export type SteKind = 'tanh' | 'poly' | 'clip';
export const STE_KINDS: readonly SteKind[] = ['tanh', 'poly', 'clip'];

/** The surrogate function whose derivative each STE uses (for finite-difference tests). */
export function steSurrogate(kind: SteKind, x: number): number {
  switch (kind) {
    case 'tanh':
      return Math.tanh(x);
    case 'poly':
      return x <= -1 ? -1 : x >= 1 ? 1 : polyValue(x);
    case 'clip':
      return Math.max(-1, Math.min(1, x));
  }
}

/** 2x - x|x| on [-1, 1]: odd, reaches +-1 at +-1 with zero slope, derivative 2 - 2|x|. */
function polyValue(x: number): number {
  return 2 * x - x * Math.abs(x);
}

/** The surrogate derivative as a tensor op (elementwise), evaluated at x. */
export function steDerivative(kind: SteKind, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (kind) {
      case 'tanh': {
        const t = tf.tanh(x);
        return tf.sub(1, tf.mul(t, t));
      }
      case 'poly':
        return tf.relu(tf.sub(2, tf.mul(2, tf.abs(x))));
      case 'clip':
        return tf.cast(tf.lessEqual(tf.abs(x), 1), 'float32');
    }
  });
}

/** sign(x) with sign(0) = +1, as +1/-1 floats. */
export function signPm1(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greaterEqual(x, 0), 'float32'), 2), 1));
}

const cache = new Map<SteKind, (x: tf.Tensor) => tf.Tensor>();

/** sign forward, STE backward. */
export function binarize(x: tf.Tensor, kind: SteKind): tf.Tensor {
  let fn = cache.get(kind);
  if (!fn) {
    fn = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const xIn = args[0] as tf.Tensor;
      (args[1] as tf.GradSaveFunc)([xIn]);
      return {
        value: signPm1(xIn),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, steDerivative(kind, saved[0]!)),
      };
    }) as (x: tf.Tensor) => tf.Tensor;
    cache.set(kind, fn);
  }
  return fn(x);
}
