/** The generated output stage against the generic one, on raw pre-activations, in both code shapes. */
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import type { BitFunction } from '../../src/model/qmodel.ts';
import { bitsToHex } from '../../src/model/qmodel.ts';
import { BinaryStage } from '../../src/reference/output.ts';

function randomFns(rng: ReturnType<typeof makeRng>, n: number, span: number): BitFunction[] {
  return Array.from({ length: n }, (_, c): BitFunction => {
    const a = rng.int(2 * span + 1) - span;
    const b = rng.int(2 * span + 1) - span;
    switch (c % 6) {
      case 0: return { kind: 'ge', t: a };
      case 1: return { kind: 'le', t: a };
      case 2: return { kind: 'in', lo: Math.min(a, b), hi: Math.max(a, b) };
      case 3: return { kind: 'out', lo: Math.min(a, b), hi: Math.max(a, b) };
      case 4: return { kind: 'const', v: rng.int(2) as 0 | 1 };
      default: return { kind: 'table', min: -span, size: 2 * span + 1, bits: bitsToHex(Array.from({ length: 2 * span + 1 }, () => rng.int(2))) };
    }
  });
}

describe('generated output stage', () => {
  it('equals the generic stage with branch-free (narrow) and plain (wide) comparisons, with and without bit pooling', () => {
    const rng = makeRng(31);
    for (let trial = 0; trial < 40; trial++) {
      const channels = 1 + rng.int(40);
      const size = 1 + rng.int(6);
      const stride = 1 + rng.int(4);
      const outLength = 1 + rng.int(20);
      const convLength = (outLength - 1) * stride + size;
      const span = 20;
      const conv = Int32Array.from({ length: convLength * channels }, () => rng.int(2 * span + 1) - span);
      const fns = randomFns(rng, channels, span);
      const offset = rng.int(70);
      const words = () => new Int32Array(Math.ceil((offset + outLength * channels) / 32) + 2);
      for (const wide of [false, true]) {
        for (const bitPooling of [false, true]) {
          // a wide hull forces plain comparisons; the values stay inside it either way
          const preact = wide ? { lo: -(2 ** 31), hi: 2 ** 31 - 1 } : { lo: -span, hi: span };
          const g = { layerIndex: 0, preact, outLength, channels, pool: { kind: 'max' as const, size, stride } };
          const want = words();
          const got = words();
          new BinaryStage(g, { kind: 'binary', fns }, conv, { words: want, offset }, bitPooling, false).emit(null);
          new BinaryStage(g, { kind: 'binary', fns }, conv, { words: got, offset }, bitPooling, true).emit(null);
          expect(Array.from(got), `trial ${trial} wide ${wide} bits ${bitPooling}`).toEqual(Array.from(want));
        }
      }
    }
  });
});
