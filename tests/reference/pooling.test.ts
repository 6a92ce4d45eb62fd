import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { randomModel, randomWindows } from '../../src/model/random.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { compileFns, evalFn, PoolMode } from '../../src/reference/fns.ts';

describe('bit pooling (OR for ge, AND for le) equals pooling the integers first', () => {
  it('on every output bit of random models', () => {
    let pooledMonotone = 0;
    for (let seed = 100; seed < 160; seed++) {
      const rng = makeRng(seed);
      const model = randomModel(rng);
      for (const l of model.layers) {
        if (l.kind === 'conv' && l.pool && l.pool.size > 1 && l.out.kind === 'binary') {
          pooledMonotone += l.out.fns.filter((f) => f.kind === 'ge' || f.kind === 'le').length;
        }
      }
      const intRef = compileReference(model, { pooling: 'int' });
      const bitRef = compileReference(model, { pooling: 'bits' });
      for (const w of randomWindows(rng, model, 5)) {
        const a = intRef.trace(w);
        const b = bitRef.trace(w);
        a.layers.forEach((l, i) => {
          if (l.bits) expect(Array.from(b.layers[i]!.bits!), `seed ${seed} layer ${i}`).toEqual(Array.from(l.bits));
        });
        expect(Array.from(b.logits)).toEqual(Array.from(a.logits));
      }
    }
    // the property was exercised, not vacuously true
    expect(pooledMonotone).toBeGreaterThan(50);
  });

  it('exhaustively for small windows of integers', () => {
    const fns = compileFns([{ kind: 'ge', t: 0 }, { kind: 'le', t: -1 }, { kind: 'const', v: 1 }, { kind: 'const', v: 0 }]);
    expect(Array.from(fns.poolMode)).toEqual([PoolMode.Or, PoolMode.And, PoolMode.Or, PoolMode.Or]);
    for (let c = 0; c < fns.n; c++) {
      for (let a = -3; a <= 3; a++) {
        for (let b = -3; b <= 3; b++) {
          const viaInt = evalFn(fns, c, Math.max(a, b));
          const fa = evalFn(fns, c, a);
          const fb = evalFn(fns, c, b);
          expect(fns.poolMode[c] === PoolMode.Or ? fa | fb : fa & fb).toBe(viaInt);
        }
      }
    }
  });
});
