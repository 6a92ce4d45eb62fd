/**
 * An independent, deliberately plain evaluation of a quantized model, written from the field
 * comments in qmodel.ts: BigInt normalizer arithmetic, ±1 numbers in nested arrays, no bit
 * packing, no prefix sums, no tricks. The property tests compare the fast reference to it.
 */
import type { QModel } from '../../src/model/qmodel.ts';

function bitOf(hex: string, i: number): number {
  // hex is a number written in base 16; bit i of it
  return Number((BigInt('0x' + hex) >> BigInt(i)) & 1n);
}

function clamp(v: bigint, bits: number): number {
  const hi = (1n << BigInt(bits - 1)) - 1n;
  const lo = -(1n << BigInt(bits - 1));
  return Number(v < lo ? lo : v > hi ? hi : v);
}

function floorDivBig(a: bigint, b: bigint): bigint {
  let q = a / b;
  if (a % b !== 0n && (a < 0n) !== (b < 0n)) q -= 1n;
  return q;
}

function sqrtFloor(n: bigint): bigint {
  // binary search, independent of the Newton iteration in normalizer.ts
  let lo = 0n;
  let hi = 1n;
  while (hi * hi <= n) hi *= 2n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (mid * mid <= n) lo = mid;
    else hi = mid;
  }
  return lo;
}

export function naiveNormalize(model: QModel, x: ArrayLike<number>): number[] {
  const nz = model.normalizer;
  const xs = Array.from(x, (v) => BigInt(v));
  if (nz.kind === 'offset') return xs.map((v) => clamp(floorDivBig(v - BigInt(nz.offset), 1n << BigInt(nz.shift)), nz.outBits));
  const N = BigInt(xs.length);
  const S1 = xs.reduce((s, v) => s + v, 0n);
  const S2 = xs.reduce((s, v) => s + v * v, 0n);
  const mean = floorDivBig(S1, N);
  const sdN = sqrtFloor(N * S2 - S1 * S1);
  let r = (N * (1n << BigInt(nz.recipBits))) / (sdN > 0n ? sdN : 1n);
  const rMax = (1n << BigInt(nz.recipWidth)) - 1n;
  if (r > rMax) r = rMax;
  return xs.map((v) => clamp(floorDivBig((v - mean) * r, 1n << BigInt(nz.recipBits - nz.fracBits)), nz.outBits));
}

function applyFn(fn: any, a: number): number {
  switch (fn.kind) {
    case 'ge': return a >= fn.t ? 1 : 0;
    case 'le': return a <= fn.t ? 1 : 0;
    case 'in': return fn.lo <= a && a <= fn.hi ? 1 : 0;
    case 'out': return a < fn.lo || a > fn.hi ? 1 : 0;
    case 'const': return fn.v;
    case 'table': {
      if (a < fn.min || a >= fn.min + fn.size) throw new Error(`table miss at ${a}`);
      return bitOf(fn.bits, a - fn.min);
    }
  }
  throw new Error(`unknown fn ${fn.kind}`);
}

export interface NaiveLayer {
  convPreact: number[][];
  preact: number[][];
  bits: number[][] | null;
}

export interface NaiveResult {
  z: number[];
  layers: NaiveLayer[];
  logits: number[];
  classIndex: number;
}

export function naiveEvaluate(model: QModel, x: ArrayLike<number>): NaiveResult {
  const z = naiveNormalize(model, x);
  // act[position][channel]: integers for layer 1, ±1 after
  let act: number[][] = z.map((v) => [v]);
  const out: NaiveLayer[] = [];
  let logits: number[] = [];
  for (const layer of model.layers) {
    let conv: number[][] = [];
    let pooled: number[][];
    if (layer.kind === 'conv') {
      const L = act.length;
      const convLength = Math.floor((L + layer.pad.left + layer.pad.right - layer.kernel) / layer.stride) + 1;
      for (let p = 0; p < convLength; p++) {
        const row: number[] = [];
        for (let co = 0; co < layer.outChannels; co++) {
          let a = 0;
          for (let k = 0; k < layer.kernel; k++) {
            const pos = p * layer.stride + k - layer.pad.left;
            for (let c = 0; c < layer.inChannels; c++) {
              const w = bitOf(layer.weights[co]!, k * layer.inChannels + c) === 1 ? 1 : -1;
              const v = pos >= 0 && pos < L ? act[pos]![c]! : layer.pad.value;
              a += w * v;
            }
          }
          row.push(a);
        }
        conv.push(row);
      }
      if (layer.pool) {
        pooled = [];
        for (let p = 0; p + layer.pool.size <= convLength; p += layer.pool.stride) {
          const row: number[] = [];
          for (let co = 0; co < layer.outChannels; co++) {
            let m = -Infinity;
            for (let j = 0; j < layer.pool.size; j++) m = Math.max(m, conv[p + j]![co]!);
            row.push(m);
          }
          pooled.push(row);
        }
      } else {
        pooled = conv;
      }
    } else {
      const flat = act.flat();
      if (flat.length !== layer.inFeatures) throw new Error('naive: dense input size');
      const row: number[] = [];
      for (let co = 0; co < layer.outFeatures; co++) {
        let a = 0;
        for (let f = 0; f < flat.length; f++) a += (bitOf(layer.weights[co]!, f) ? 1 : -1) * flat[f]!;
        row.push(a);
      }
      conv = [row];
      pooled = [row];
    }
    if (layer.out.kind === 'binary') {
      const fns = layer.out.fns;
      const bits = pooled.map((row) => row.map((a, c) => applyFn(fns[c], a)));
      out.push({ convPreact: conv, preact: pooled, bits });
      act = bits.map((row) => row.map((b) => (b ? 1 : -1)));
    } else {
      const fns = layer.out.fns;
      const vals = pooled.map((row) => row.map((a, c) => (a >= 0 ? fns[c]!.pos * a : fns[c]!.neg * a) + fns[c]!.bias));
      logits = fns.map((_, c) => (layer.out.kind === 'logits' && layer.out.reduce === 'none' ? vals[0]![c]! : vals.reduce((s, r) => s + r[c]!, 0)));
      out.push({ convPreact: conv, preact: pooled, bits: null });
    }
  }
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return { z, layers: out, logits, classIndex: best };
}
