/** The fast paths (generated code, bit pooling) against the generic loops, and the evaluation helpers. */
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { randomModel, randomStackModel, randomWindows } from '../../src/model/random.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { accuracyOf, classifyAll, confusionMatrix, evaluateReference, formatConfusion } from '../../src/reference/evaluate.ts';

describe('fast kernels (generated JavaScript, WebAssembly) equal the generic loops', () => {
  it('on every stream of random models, with both pooling modes (generic bit pooling too)', () => {
    for (let seed = 200; seed < 240; seed++) {
      const rng = makeRng(seed);
      const model = randomModel(rng, { maxChannels: 16, inputLength: [64, 256] });
      const generic = compileReference(model, { specialize: false });
      const fast = compileReference(model, { specialize: true });
      const fastBits = compileReference(model, { specialize: true, pooling: 'bits' });
      const genericBits = compileReference(model, { specialize: false, pooling: 'bits' });
      for (const w of randomWindows(rng, model, 4)) {
        const want = generic.trace(w);
        for (const got of [fast.trace(w), fastBits.trace(w), genericBits.trace(w)]) {
          got.layers.forEach((l, i) => {
            expect(Array.from(l.convPreact), `seed ${seed} layer ${i}`).toEqual(Array.from(want.layers[i]!.convPreact));
            if (l.bits) expect(Array.from(l.bits), `seed ${seed} layer ${i}`).toEqual(Array.from(want.layers[i]!.bits!));
          });
          expect(Array.from(got.logits)).toEqual(Array.from(want.logits));
        }
      }
    }
  });

  it('on a BTPN-shaped network with many channels (wide words, unaligned windows)', () => {
    const rng = makeRng(7);
    const model = randomStackModel(rng, {
      inputLength: 900,
      classes: 5,
      head: 'dense',
      padValue: 1,
      blocks: [
        { filters: 8, kernel: 16, stride: 2, pad: 7, pool: 8, poolStride: 4 },
        { filters: 12, kernel: 12, stride: 2, pad: 5, pool: 4, poolStride: 2 },
        { filters: 40, kernel: 9, stride: 1, pad: 4, pool: 5, poolStride: 2 },
        { filters: 33, kernel: 7, stride: 3, pad: 3, pool: 2, poolStride: 1 },
      ],
    });
    const generic = compileReference(model, { specialize: false });
    const fast = compileReference(model);
    for (const w of randomWindows(rng, model, 8)) {
      const a = generic.trace(w);
      for (const ref of [fast]) {
        const b = ref.trace(w);
        a.layers.forEach((l, i) => expect(Array.from(b.layers[i]!.convPreact), `layer ${i}`).toEqual(Array.from(l.convPreact)));
        expect(Array.from(b.logits)).toEqual(Array.from(a.logits));
        expect(ref.classify(w)).toBe(a.classIndex);
      }
    }
  });
});

describe('evaluateReference', () => {
  it('classifies arrays and flat sample buffers alike and counts the confusion matrix', () => {
    const rng = makeRng(11);
    const model = randomModel(rng, { classes: [3, 3] });
    const windows = randomWindows(rng, model, 30);
    const ref = compileReference(model);
    const preds = windows.map((w) => ref.classify(w));
    const labels = Int32Array.from(windows, (_, i) => i % 3);
    const flat = new Int16Array(windows.length * model.input.length);
    windows.forEach((w, i) => flat.set(w, i * model.input.length));
    const a = evaluateReference(model, windows, labels);
    const b = evaluateReference(model, flat, labels);
    expect(Array.from(a.predictions)).toEqual(preds);
    expect(Array.from(b.predictions)).toEqual(preds);
    expect(Array.from(classifyAll(ref, flat, windows.length))).toEqual(preds);
    const correct = preds.filter((p, i) => p === labels[i]).length;
    expect(a.accuracy).toBeCloseTo(correct / windows.length, 12);
    let total = 0;
    for (const v of a.confusion.counts) total += v;
    expect(total).toBe(windows.length);
  });

  it('confusion helpers', () => {
    const cm = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], ['N', 'S', 'V']);
    expect(Array.from(cm.counts)).toEqual([1, 1, 0, 0, 1, 0, 1, 0, 2]);
    expect(accuracyOf(cm)).toBeCloseTo(4 / 6, 12);
    expect(formatConfusion(cm).split('\n')).toHaveLength(4);
    expect(() => confusionMatrix([0, 3], [0, 0], ['N', 'S'])).toThrow(/out of range at 1/);
  });
});
