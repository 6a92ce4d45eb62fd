/** Hand-computed cases for the conventions written once in DESIGN.md section 2. */
import { describe, expect, it } from 'vitest';
import type { QModel } from '../../src/model/qmodel.ts';
import { parseModel } from '../../src/model/validate.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { argmax } from '../../src/reference/output.ts';
import { popcount32 } from '../../src/reference/bits.ts';

/** offset normalizer with offset 0, shift 0: z = x, so windows are the layer-1 inputs directly. */
function model(layer2: Partial<QModel['layers'][number]> & Record<string, unknown>, fn1 = { kind: 'ge', t: 0 }): QModel {
  return parseModel(
    {
      format: 'bitbeat-qmodel',
      schemaVersion: 1,
      name: 'hand',
      task: 'synthetic',
      classes: ['a', 'b'],
      input: { length: 4, sampleBits: 8, sampleRate: 1 },
      normalizer: { kind: 'offset', offset: 0, shift: 0, outBits: 8 },
      layers: [
        // kernel 1, weight +1: the bits are sign(x) with sign(0) = +1 (ge 0)
        { kind: 'conv', name: 'l1', inputKind: 'int', inChannels: 1, outChannels: 1, kernel: 1, stride: 1, pad: { left: 0, right: 0, value: 0 }, weights: ['1'], pool: null, out: { kind: 'binary', fns: [fn1] } },
        {
          kind: 'conv', name: 'l2', inputKind: 'binary', inChannels: 1, outChannels: 2, kernel: 3, stride: 1,
          pad: { left: 1, right: 1, value: 0 }, weights: ['7', '7'], pool: null,
          out: { kind: 'logits', reduce: 'sum', fracBits: 0, fns: [{ pos: 1, neg: 1, bias: 0 }, { pos: 1, neg: 1, bias: 0 }] },
          ...layer2,
        },
      ],
    },
    'hand',
  );
}

describe('reference semantics', () => {
  it('sign(0) = +1 and zero padding contributes nothing', () => {
    const ref = compileReference(model({}));
    // x = [0, -1, 5, -3] -> bits [1, 0, 1, 0] -> ±1 [+1, -1, +1, -1]
    const t = ref.trace([0, -1, 5, -3]);
    expect(Array.from(t.layers[0]!.bits!)).toEqual([1, 0, 1, 0]);
    // all-ones kernel of 3 with zero padding: [0+1-1, 1-1+1, -1+1-1, 1-1+0] = [0, 1, -1, 0]
    expect(Array.from(t.layers[1]!.preact)).toEqual([0, 0, 1, 1, -1, -1, 0, 0]);
  });

  it('+1 padding and -1 padding are constant taps', () => {
    const plus = compileReference(model({ pad: { left: 1, right: 1, value: 1 } })).trace([0, -1, 5, -3]);
    expect(Array.from(plus.layers[1]!.preact).filter((_, i) => i % 2 === 0)).toEqual([1, 1, -1, 1]);
    const minus = compileReference(model({ pad: { left: 1, right: 1, value: -1 } })).trace([0, -1, 5, -3]);
    expect(Array.from(minus.layers[1]!.preact).filter((_, i) => i % 2 === 0)).toEqual([-1, 1, -1, -1]);
  });

  it('an integer pad value on layer 1 is a constant z', () => {
    const m = model({ kind: 'conv' } as any) as any;
    m.layers[0] = { ...m.layers[0], kernel: 2, weights: ['3'], pad: { left: 1, right: 0, value: -7 }, out: { kind: 'binary', fns: [{ kind: 'ge', t: -5 }] } };
    const t = compileReference(parseModel(m, 'hand')).trace([1, 2, 3, -9]);
    // sums of pairs with a -7 in front: [-6, 3, 5, -6]
    expect(Array.from(t.layers[0]!.preact)).toEqual([-6, 3, 5, -6]);
    expect(Array.from(t.layers[0]!.bits!)).toEqual([0, 1, 1, 0]);
  });

  it('argmax ties go to the lowest index, also through classify', () => {
    expect(argmax([3, 5, 5, 1])).toBe(1);
    expect(argmax([-2, -2])).toBe(0);
    // both logit channels are identical -> always class 0
    const ref = compileReference(model({}));
    expect(ref.classify([1, 1, 1, 1])).toBe(0);
    expect(Array.from(ref.logits([1, 1, 1, 1]))).toEqual([2 + 3 + 3 + 2, 10]);
  });

  it('popcount32 counts bits of negative words too', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(-1)).toBe(32);
    expect(popcount32(0x80000001 | 0)).toBe(2);
    expect(popcount32(0x0f0f1234)).toBe(4 + 4 + 1 + 1 + 2 + 1);
  });

  it('rejects windows of the wrong length or out-of-range samples', () => {
    const ref = compileReference(model({}));
    expect(() => ref.classify([1, 2, 3])).toThrow(/3 samples, model 'hand' expects 4/);
    expect(() => ref.classify([1, 2, 3, 128])).toThrow(/sample 3 = 128 is not a 8-bit signed integer/);
  });
});
