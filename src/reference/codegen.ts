/**
 * Per-model specialized JavaScript for layer 1 and the output stages. The weights and the
 * folded functions are constants of a model, so the reference writes those loops out as
 * source with the constants inlined (taps as fixed offsets, thresholds as literals) and
 * compiles it once with `new Function`; V8 then runs straight-line code without
 * data-dependent branches. (The binary layers' XNOR-popcount runs in WebAssembly instead,
 * wasm.ts, which has a popcount instruction.) The generic loops of kernels.ts and output.ts
 * stay as the readable definition and the fallback for very large layers; tests check they
 * agree.
 *
 * Only integers derived from the validated model reach the generated source.
 */
import { hexBit, hexToBits, type BitFunction } from '../model/qmodel.ts';
import type { KernelGeometry } from './kernels.ts';

/** Above this many generated terms per position the generic loops are used instead. */
export const MAX_GENERATED_TERMS = 1024;

/**
 * Layer 1: conv[p*cout + c] = 2 * (sum of + taps) - all, or all - 2 * (sum of - taps), where
 * `all` is the window sum from the prefix sum P (whichever sign has fewer taps is summed).
 */
export function generateIntKernel(g: KernelGeometry, input: Int32Array, conv: Int32Array): (() => void) | null {
  if (g.kernel * g.outChannels > MAX_GENERATED_TERMS) return null;
  let body = '';
  g.weights.forEach((hex, c) => {
    let plus = 0;
    for (let k = 0; k < g.kernel; k++) plus += hexBit(hex, k);
    const useNeg = plus * 2 > g.kernel;
    const terms: string[] = [];
    for (let k = 0; k < g.kernel; k++) if (hexBit(hex, k) === (useNeg ? 0 : 1)) terms.push(`x${k}`);
    const s = terms.length > 0 ? terms.join(' + ') : '0';
    body += useNeg ? `      conv[o + ${c}] = all - 2 * (${s});\n` : `      conv[o + ${c}] = 2 * (${s}) - all;\n`;
  });
  // The taps are loaded into locals once per position: the stores into conv (also an
  // Int32Array) would otherwise stop V8 from reusing a load across channels.
  const loads = Array.from({ length: g.kernel }, (_, k) => `x${k} = x[b + ${k}]`).join(', ');
  // The prefix sum wraps modulo 2^32 (| 0) so it stays int32; the difference of two entries
  // is still the exact window sum, which fits easily (|z| < 2^15, kernel <= 1024).
  const src = `
  const P = new Int32Array(x.length + 1);
  return function intConv_layer${g.layerIndex}() {
    for (let i = 0; i < x.length; i++) P[i + 1] = (P[i] + x[i]) | 0;
    for (let p = 0, b = 0, o = 0; p < ${g.convLength}; p++, b += ${g.stride}, o += ${g.outChannels}) {
      const all = (P[b + ${g.kernel}] - P[b]) | 0;
      const ${loads};
${body}    }
  };`;
  return new Function('x', 'conv', src)(input, conv) as () => void;
}

/**
 * A binary layer's output stage: per output position and channel, max-pool the integers (or,
 * with `bitPooling`, OR / AND the monotone functions' bits), apply the channel's function and
 * set the bit at offset + p * channels + c of the next layer's packed input.
 *
 * Pre-activations look like noise, so every data-dependent branch would mispredict half the
 * time; the generated code has none where it can avoid them:
 * - max: d = m - v; m -= d & (d >> 31)  (d >> 31 is all ones when m < v, making m - d = v);
 * - a threshold bit is a sign bit: a >= t  <=>  (t - 1 - a) >>> 31;
 * - up to 32 channels' bits of one position are gathered in a local word and OR-ed into the
 *   packed stream with two stores.
 * This needs the differences to fit 32 bits: thresholds are clamped into the layer's reachable
 * range [lo - 1, hi + 1] (which changes no reachable result) and `lo`/`hi` must span < 2^30;
 * otherwise plain comparisons are generated.
 * Overlapping pools whose size is a multiple of the stride take the maximum of stride-long
 * blocks first (each conv value read once), then of size/stride blocks per output.
 */
export function generateBinaryEmit(
  outLength: number,
  channels: number,
  pool: { size: number; stride: number } | null,
  fns: BitFunction[],
  bitPooling: boolean,
  conv: Int32Array,
  words: Int32Array,
  offset: number,
  layerIndex: number,
  preact: { lo: number; hi: number },
): (() => void) | null {
  const size = pool?.size ?? 1;
  const stride = pool?.stride ?? 1;
  if (size * channels > MAX_GENERATED_TERMS) return null;
  const narrow = preact.hi - preact.lo < 2 ** 30;
  const clampT = (t: number): number => Math.min(Math.max(t, preact.lo - 1), preact.hi + 1);
  const tables: Uint8Array[] = [];
  const intPooled = (fn: BitFunction): boolean => fn.kind !== 'const' && !(bitPooling && size > 1 && (fn.kind === 'ge' || fn.kind === 'le'));
  const blocks = stride > 1 && size > stride && size % stride === 0 && fns.some(intPooled);
  const nBlocks = blocks ? outLength - 1 + size / stride : 0;
  const blk = new Int32Array(nBlocks * channels);
  const maxOf = (terms: string[], into: string): string => {
    let code = `      ${into} = ${terms[0]};\n`;
    for (const t of terms.slice(1)) code += narrow ? `      d = ${into} - ${t}; ${into} -= d & (d >> 31);\n` : `      v = ${t}; if (v > ${into}) ${into} = v;\n`;
    return code;
  };
  // a >= t, a <= t as 0/1 expressions
  const ge = (a: string, t: number): string => (narrow ? `((${clampT(t) - 1} - ${a}) >>> 31)` : `(${a} >= ${t} ? 1 : 0)`);
  const le = (a: string, t: number): string => (narrow ? `((${a} - ${clampT(t) + 1}) >>> 31)` : `(${a} <= ${t} ? 1 : 0)`);

  let prepass = '';
  if (blocks) {
    let inner = '';
    for (let c = 0; c < channels; c++) {
      inner += maxOf(Array.from({ length: stride }, (_, j) => `conv[src + ${j * channels + c}]`), 'm');
      inner += `      blk[q + ${c}] = m;\n`;
    }
    prepass = `
    for (let b = 0, src = 0, q = 0; b < ${nBlocks}; b++, src += ${stride * channels}, q += ${channels}) {
${inner}    }`;
  }

  let body = '';
  for (let c0 = 0; c0 < channels; c0 += 32) {
    const n = Math.min(32, channels - c0);
    body += '      g = 0;\n';
    for (let c = c0; c < c0 + n; c++) {
      const fn = fns[c]!;
      const k = c - c0;
      let bitExpr: string;
      if (fn.kind === 'const') {
        if (fn.v === 0) continue;
        bitExpr = '1';
      } else if (!intPooled(fn)) {
        // bit pooling of a monotone function: OR of a >= t, or AND of a <= t
        const parts = Array.from({ length: size }, (_, j) => {
          const a = `conv[src + ${j * channels + c}]`;
          return fn.kind === 'ge' ? ge(a, fn.t) : le(a, (fn as { t: number }).t);
        });
        bitExpr = `(${parts.join(fn.kind === 'ge' ? ' | ' : ' & ')})`;
      } else {
        const terms = blocks
          ? Array.from({ length: size / stride }, (_, j) => `blk[bsrc + ${j * channels + c}]`)
          : Array.from({ length: size }, (_, j) => `conv[src + ${j * channels + c}]`);
        body += maxOf(terms, 'm');
        switch (fn.kind) {
          case 'ge':
            bitExpr = ge('m', fn.t);
            break;
          case 'le':
            bitExpr = le('m', fn.t);
            break;
          case 'in':
            bitExpr = `(${ge('m', fn.lo)} & ${le('m', fn.hi)})`;
            break;
          case 'out':
            bitExpr = `(1 ^ (${ge('m', fn.lo)} & ${le('m', fn.hi)}))`;
            break;
          case 'table':
            tables.push(hexToBits(fn.bits, fn.size));
            bitExpr = `tables[${tables.length - 1}][m - ${fn.min}]`;
            break;
        }
      }
      body += `      g |= ${bitExpr} << ${k};\n`;
    }
    // OR the n gathered bits into the stream at bit + c0 (they may straddle two words)
    body += `      i = bit + ${c0}; sh = i & 31; words[i >>> 5] |= g << sh;\n`;
    if (n > 1) body += `      if (sh + ${n} > 32) words[(i >>> 5) + 1] |= g >>> (32 - sh);\n`;
  }
  const src = `
  return function binaryEmit_layer${layerIndex}() {
    let m, v, d, g, i, sh;${prepass}
    for (let p = 0, src = 0, bsrc = 0, bit = ${offset}; p < ${outLength}; p++, src += ${stride * channels}, bsrc += ${channels}, bit += ${channels}) {
${body}    }
  };`;
  return new Function('conv', 'words', 'tables', 'blk', src)(conv, words, tables, blk) as () => void;
}
