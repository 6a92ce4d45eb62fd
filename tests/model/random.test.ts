import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { randomModel, randomStackModel, randomWindows, BTPN_SPEC } from '../../src/model/random.ts';
import { modelHash } from '../../src/model/hash.ts';
import { layerShapes } from '../../src/model/shapes.ts';

describe('randomModel', () => {
  it('is deterministic per seed', () => {
    expect(modelHash(randomModel(makeRng(3)))).toBe(modelHash(randomModel(makeRng(3))));
    expect(modelHash(randomModel(makeRng(3)))).not.toBe(modelHash(randomModel(makeRng(4))));
  });

  it('covers every feature of the format within 40 seeds, at small sizes', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const m = randomModel(makeRng(seed));
      const shapes = layerShapes(m);
      expect(m.input.length).toBeGreaterThanOrEqual(64);
      expect(m.input.length).toBeLessThanOrEqual(256);
      seen.add(`normalizer:${m.normalizer.kind}`);
      m.layers.forEach((l, i) => {
        expect(shapes[i]!.outChannels).toBeLessThanOrEqual(16);
        seen.add(`layer:${l.kind}:${l.out.kind}`);
        if (l.out.kind === 'binary') for (const f of l.out.fns) seen.add(`fn:${f.kind}`);
        else seen.add(`reduce:${l.out.reduce}`);
        if (l.kind === 'conv') {
          seen.add(l.pool ? (l.pool.size > 1 ? 'pool' : 'pool1') : 'nopool');
          if (l.stride > 1) seen.add('stride');
          if (l.inputKind === 'int' && l.pad.value !== 0 && l.pad.left + l.pad.right > 0) seen.add('pad:int');
          if (l.inputKind === 'binary' && l.pad.left + l.pad.right > 0) seen.add(`pad:${l.pad.value}`);
          if (l.inputKind === 'binary' && (l.inChannels * l.kernel) % 32 !== 0 && l.inChannels * l.kernel > 32) seen.add('multiword');
        }
      });
    }
    const want = [
      'normalizer:zscore', 'normalizer:offset', 'layer:conv:binary', 'layer:dense:binary', 'layer:dense:logits', 'layer:conv:logits',
      'fn:ge', 'fn:le', 'fn:in', 'fn:out', 'fn:const', 'fn:table', 'reduce:sum', 'reduce:none',
      'pool', 'nopool', 'stride', 'pad:int', 'pad:0', 'pad:1', 'pad:-1', 'multiword',
    ];
    expect(want.filter((f) => !seen.has(f))).toEqual([]);
  });

  it('builds the BTPN shape: 7 blocks, dense 216 x 5 on 3,600 samples', () => {
    const m = randomStackModel(makeRng(1), BTPN_SPEC);
    const s = layerShapes(m);
    expect(s.map((l) => l.outLength)).toEqual([449, 111, 54, 26, 13, 6, 3, 1]);
    expect(s[7]!.taps).toBe(216);
    expect(randomWindows(makeRng(1), m, 2)[0]!.length).toBe(3600);
  });
});

describe('randomModel options', () => {
  it('restricts bit functions and padding values when asked', () => {
    for (let seed = 0; seed < 20; seed++) {
      const m = randomModel(makeRng(seed), { fnKinds: ['ge', 'le'], binaryPadValues: [0], intPadValues: false, head: 'sum', normalizer: 'zscore' });
      expect(m.normalizer.kind).toBe('zscore');
      expect(m.layers.at(-1)!.kind).toBe('conv');
      for (const l of m.layers) {
        if (l.out.kind === 'binary') for (const f of l.out.fns) expect(['ge', 'le']).toContain(f.kind);
        if (l.kind === 'conv') expect(l.pad.value).toBe(0);
      }
    }
  });
});
