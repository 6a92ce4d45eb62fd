import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/train/backend.ts';
import { conv1d } from '../../src/train/ops.ts';
import { binarize, signPm1, STE_KINDS, steSurrogate } from '../../src/train/ste.ts';

beforeAll(async () => {
  await initBackend();
});

describe('binarize', () => {
  it('forward is sign with sign(0) = +1', () => {
    const y = binarize(tf.tensor1d([-2, -0.1, 0, 0.1, 3]), 'tanh');
    expect(Array.from(y.dataSync())).toEqual([-1, -1, 1, 1, 1]);
    expect(Array.from(signPm1(tf.tensor1d([0, -0])).dataSync())).toEqual([1, 1]);
  });

  // Points away from the surrogates' kinks (|x| = 1 for poly and clip), where the derivative is defined.
  const xs = [-1.7, -0.8, -0.35, -0.05, 0.2, 0.6, 0.95, 1.4];
  for (const kind of STE_KINDS) {
    it(`${kind} STE gradient matches finite differences of its surrogate`, () => {
      const weights = xs.map((_, i) => 1 + 0.5 * i);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(binarize(x, kind), tf.tensor1d(weights))))(tf.tensor1d(xs));
      const got = Array.from(g.dataSync());
      const h = 1e-4;
      xs.forEach((x, i) => {
        const fd = (weights[i]! * (steSurrogate(kind, x + h) - steSurrogate(kind, x - h))) / (2 * h);
        expect(got[i]).toBeCloseTo(fd, 3);
      });
    });
  }

  it('the estimators differ where they should (tanh is never zero, poly and clip vanish beyond 1)', () => {
    const at = (kind: (typeof STE_KINDS)[number], x: number) => tf.grad((t: tf.Tensor) => tf.sum(binarize(t, kind)))(tf.tensor1d([x])).dataSync()[0]!;
    expect(at('tanh', 1.5)).toBeGreaterThan(0);
    expect(at('poly', 1.5)).toBe(0);
    expect(at('clip', 1.5)).toBe(0);
    expect(at('poly', 0)).toBeCloseTo(2, 6);
    expect(at('clip', 0.5)).toBe(1);
  });
});

describe('conv1d custom gradient', () => {
  for (const stride of [1, 2, 3]) {
    it(`matches finite differences (stride ${stride})`, () => {
      const x = tf.randomNormal([2, 17, 3], 0, 1, 'float32', 11) as tf.Tensor3D;
      const w = tf.randomNormal([4, 3, 5], 0, 1, 'float32', 12) as tf.Tensor3D;
      const outLen = Math.floor((17 - 4) / stride) + 1;
      const probe = tf.randomNormal([2, outLen, 5], 0, 1, 'float32', 13);
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv1d(a as tf.Tensor3D, b as tf.Tensor3D, stride), probe));
      const [gx, gw] = tf.grads(f)([x, w]);
      const h = 1e-2;
      const bump = (t: tf.Tensor, flat: number, d: number) => {
        const a = t.dataSync().slice();
        a[flat]! += d;
        return tf.tensor(a, t.shape);
      };
      for (const flat of [0, 7, 23, 59]) {
        const fd = ((f(x, bump(w, flat, h)).dataSync()[0]! - f(x, bump(w, flat, -h)).dataSync()[0]!) / (2 * h));
        expect(gw!.dataSync()[flat]).toBeCloseTo(fd, 1);
      }
      for (const flat of [0, 10, 50, 101]) {
        const fd = ((f(bump(x, flat, h), w).dataSync()[0]! - f(bump(x, flat, -h), w).dataSync()[0]!) / (2 * h));
        expect(gx!.dataSync()[flat]).toBeCloseTo(fd, 1);
      }
      // And the forward pass is tf.conv1d itself.
      expect(Array.from(conv1d(x, w, stride).dataSync())).toEqual(Array.from(tf.conv1d(x, w, stride, 'valid').dataSync()));
    });
  }
});

describe('batchNormTrain closed-form gradient', () => {
  it('equals the gradient of the written-out BatchNorm with batch statistics', async () => {
    const { batchNorm, batchNormTrain, channelMoments } = await import('../../src/train/ops.ts');
    const x = tf.randomNormal([3, 11, 4], 0, 2, 'float32', 21);
    const gamma = tf.randomNormal([4], 1, 0.3, 'float32', 22);
    const beta = tf.randomNormal([4], 0, 1, 'float32', 23);
    const probe = tf.randomNormal([3, 11, 4], 0, 1, 'float32', 24);
    const plain = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const m = channelMoments(a);
      return tf.sum(tf.mul(batchNorm(a, m.mean, m.variance, g, b, 1e-3), probe));
    };
    const fast = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const m = channelMoments(a);
      return tf.sum(tf.mul(batchNormTrain(a, m.mean, m.variance, g, b, 1e-3), probe));
    };
    expect(fast(x, gamma, beta).dataSync()[0]).toBeCloseTo(plain(x, gamma, beta).dataSync()[0]!, 4);
    const g1 = tf.grads(plain)([x, gamma, beta]);
    const g2 = tf.grads(fast)([x, gamma, beta]);
    g1.forEach((t, i) => {
      const a = t.dataSync();
      const b = g2[i]!.dataSync();
      for (let k = 0; k < a.length; k++) expect(b[k]).toBeCloseTo(a[k]!, 4);
    });
  });
});
