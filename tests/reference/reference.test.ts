import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { randomModel, randomWindows } from '../../src/model/random.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { naiveEvaluate } from './naive.ts';
import { reachableContains } from '../../src/model/shapes.ts';

describe('integer reference vs an independent plain evaluation', () => {
  it('agrees on every stream of random models and windows', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = makeRng(seed);
      const model = randomModel(rng);
      const ref = compileReference(model);
      for (const w of randomWindows(rng, model, 6)) {
        const want = naiveEvaluate(model, w);
        const got = ref.trace(w);
        const ctx = `seed ${seed} model ${model.name}`;
        expect(Array.from(got.normalizer.z), ctx).toEqual(want.z);
        got.layers.forEach((l, i) => {
          const n = want.layers[i]!;
          expect(Array.from(l.convPreact), `${ctx} layer ${i} convPreact`).toEqual(n.convPreact.flat());
          expect(Array.from(l.preact), `${ctx} layer ${i} preact`).toEqual(n.preact.flat());
          if (n.bits) expect(Array.from(l.bits!), `${ctx} layer ${i} bits`).toEqual(n.bits.flat());
        });
        expect(Array.from(got.logits), ctx).toEqual(want.logits);
        expect(got.classIndex, ctx).toBe(want.classIndex);
        expect(ref.classify(w), ctx).toBe(want.classIndex);
      }
    }
  });
});

describe('shapes agree with what the reference computes', () => {
  it('every pooled pre-activation is in its channel\'s reachable set, every logit within logitBounds', () => {
    for (let seed = 300; seed < 330; seed++) {
      const rng = makeRng(seed);
      const model = randomModel(rng);
      const ref = compileReference(model);
      for (const w of randomWindows(rng, model, 5)) {
        const t = ref.trace(w);
        t.layers.forEach((l, i) => {
          const shape = ref.shapes[i]!;
          for (let e = 0; e < l.preact.length; e++) {
            const set = shape.channelPreact[e % l.channels]!;
            expect(reachableContains(set, l.preact[e]!), `seed ${seed} layer ${i} element ${e}`).toBe(true);
          }
          if (shape.logitBounds) {
            shape.logitBounds.forEach((b, c) => {
              expect(t.logits[c]!).toBeGreaterThanOrEqual(b.lo);
              expect(t.logits[c]!).toBeLessThanOrEqual(b.hi);
            });
          }
        });
      }
    }
  });
});
