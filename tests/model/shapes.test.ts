import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { bitsToHex, hexBit } from '../../src/model/qmodel.ts';
import { contributingConvPositions, convOutLength, layerShapes, preactRange, reachableContains, reachableValues, type InputDomain } from '../../src/model/shapes.ts';
import { canonicalJson, modelHash } from '../../src/model/hash.ts';
import { parseModel } from '../../src/model/validate.ts';
import { smallModel } from './fixtures.ts';

/** Every pre-activation value of every channel over every input, by enumeration (plain loops). */
function enumerate(layer: any, inLength: number, values: number[]): Set<number>[] {
  const { kernel: K, stride, inChannels: cin, pad } = layer;
  const n = inLength * cin;
  const used = contributingConvPositions(convOutLength(inLength, layer), layer.pool);
  const sets = layer.weights.map(() => new Set<number>());
  const x = new Array<number>(n).fill(0);
  const total = values.length ** n;
  for (let code = 0; code < total; code++) {
    let c = code;
    for (let i = 0; i < n; i++) {
      x[i] = values[c % values.length]!;
      c = Math.floor(c / values.length);
    }
    layer.weights.forEach((hex: string, co: number) => {
      for (let p = 0; p < used; p++) {
        let a = 0;
        for (let k = 0; k < K; k++) {
          const pos = p * stride + k - pad.left;
          for (let ci = 0; ci < cin; ci++) {
            const w = hexBit(hex, k * cin + ci) ? 1 : -1;
            const v = pos >= 0 && pos < inLength ? x[pos * cin + ci]! : pad.value;
            a += w * v;
          }
        }
        sets[co]!.add(a);
      }
    });
  }
  return sets;
}

describe('preactRange', () => {
  it('equals the exhaustively enumerated set of pre-activations on tiny layers', () => {
    const rng = makeRng(5);
    for (let trial = 0; trial < 120; trial++) {
      const binary = trial % 2 === 0;
      const inLength = 1 + rng.int(binary ? 4 : 3);
      const cin = binary ? 1 + rng.int(inLength <= 2 ? 3 : 2) : 1;
      const K = 1 + rng.int(4);
      const left = rng.int(K);
      const right = rng.int(K);
      if (inLength + left + right < K) continue;
      const padValue = binary ? [-1, 0, 1][rng.int(3)]! : rng.int(5) - 2;
      const conv = convOutLength(inLength, { kernel: K, stride: 1, pad: { left, right, value: 0 } });
      const pool = rng() < 0.5 || conv < 2 ? null : { kind: 'max' as const, size: 2, stride: 1 + rng.int(2) };
      const layer = {
        kind: 'conv' as const,
        inChannels: cin,
        kernel: K,
        stride: 1 + rng.int(2),
        pad: { left, right, value: padValue },
        pool,
        weights: [0, 1, 2].map(() => bitsToHex(Array.from({ length: K * cin }, () => rng.int(2)))),
      };
      if (contributingConvPositions(convOutLength(inLength, layer), pool) <= 0) continue;
      const domain: InputDomain = binary ? { kind: 'binary' } : { kind: 'int', min: -2, max: 1 };
      const expected = enumerate(layer, inLength, binary ? [-1, 1] : [-2, -1, 0, 1]);
      expected.forEach((want, c) => {
        const got = preactRange(layer, inLength, domain, c);
        expect(reachableValues(got)).toEqual([...want].sort((a, b) => a - b));
        expect(got.lo).toBe(Math.min(...want));
        expect(got.hi).toBe(Math.max(...want));
      });
      const all = preactRange(layer, inLength, domain);
      expect(reachableValues(all)).toEqual([...new Set(expected.flatMap((s) => [...s]))].sort((a, b) => a - b));
    }
  });

  it('keeps parity: n real ±1 taps reach only values of n\'s parity', () => {
    const layer = { kind: 'conv' as const, inChannels: 3, kernel: 3, stride: 1, pad: { left: 1, right: 1, value: 0 }, pool: null, weights: ['1ff'] };
    const set = preactRange(layer, 10, { kind: 'binary' });
    // interior: 9 taps (odd), edges: 6 taps (even) -> odd values up to 9, even values only up to 6
    expect(reachableContains(set, 9)).toBe(true);
    expect(reachableContains(set, 8)).toBe(false);
    expect(reachableContains(set, 6)).toBe(true);
    expect(reachableContains(set, 7)).toBe(true);
    expect(set.lo).toBe(-9);
    expect(set.hi).toBe(9);
  });
});

describe('layerShapes', () => {
  it('gives lengths, taps and logit bounds of the small model', () => {
    const s = layerShapes(parseModel(smallModel(), 'small'));
    expect(s.map((l) => [l.inLength, l.inChannels, l.convLength, l.outLength, l.outChannels, l.taps])).toEqual([
      [16, 1, 16, 8, 2, 3],
      [8, 2, 4, 4, 3, 6],
      [4, 3, 1, 1, 2, 12],
    ]);
    // layer 1: offset normalizer with outBits 6 -> z in [-32, 31]; weights 5 = +,-,+ and 3 = +,+,-
    expect([s[0]!.channelPreact[0]!.lo, s[0]!.channelPreact[0]!.hi]).toEqual([-95, 94]);
    expect([s[0]!.channelPreact[1]!.lo, s[0]!.channelPreact[1]!.hi]).toEqual([-95, 94]);
    expect(s[2]!.logitBounds).toEqual([
      { lo: -12, hi: 12 },
      { lo: -13, hi: 23 },
    ]);
    expect(s[0]!.logitBounds).toBeNull();
  });
});

describe('modelHash', () => {
  it('ignores key order and formatting, and changes with any value', () => {
    const m = smallModel();
    // same content, keys in reverse order at every level, pretty-printed and re-read
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const shuffled = JSON.parse(JSON.stringify(reverseKeys(m), null, 2));
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(m));
    expect(canonicalJson(shuffled)).toBe(canonicalJson(m));
    expect(modelHash(shuffled)).toBe(modelHash(m));
    expect(modelHash(m)).toMatch(/^[0-9a-f]{64}$/);
    (m.layers[0] as any).weights[0] = '4';
    expect(modelHash(m)).not.toBe(modelHash(shuffled));
  });
});
