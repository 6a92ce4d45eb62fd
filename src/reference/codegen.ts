/**
 * Per-model specialized kernels. The weights are constants of a model, so the reference
 * writes each layer's inner loops out as JavaScript source with the weights inlined (taps as
 * fixed offsets, weight words as literals) and compiles it once with `new Function`. V8 then
 * runs straight-line adds and XOR-popcounts with no weight loads and no data-dependent
 * branches: about 4x the generic loops of kernels.ts on layer 1 of BTPN. The generic loops
 * stay as the readable definition and the fallback for very large layers; a test checks the
 * two agree.
 *
 * Only integers derived from the validated model reach the generated source.
 */
import { hexBit, hexToBits, type BitFunction } from '../model/qmodel.ts';
import { packHex, wordsFor } from './bits.ts';
import type { KernelGeometry } from './kernels.ts';

/** Above this many generated terms per position the generic loops are used instead. */
export const MAX_GENERATED_TERMS = 1024;

function int32Literal(v: number): string {
  return `${v | 0}`;
}

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
    for (let k = 0; k < g.kernel; k++) if (hexBit(hex, k) === (useNeg ? 0 : 1)) terms.push(`x[b + ${k}]`);
    const s = terms.length > 0 ? terms.join(' + ') : '0';
    body += useNeg ? `    conv[o + ${c}] = all - 2 * (${s});\n` : `    conv[o + ${c}] = 2 * (${s}) - all;\n`;
  });
  const src = `
  const P = new Float64Array(x.length + 1);
  return function intConv_layer${g.layerIndex}() {
    for (let i = 0; i < x.length; i++) P[i + 1] = P[i] + x[i];
    for (let p = 0, b = 0, o = 0; p < ${g.convLength}; p++, b += ${g.stride}, o += ${g.outChannels}) {
      const all = P[b + ${g.kernel}] - P[b];
${body}    }
  };`;
  return new Function('x', 'conv', src)(input, conv) as () => void;
}

/**
 * Binary layers: per position, the window's W words are read (unaligned) into locals, then
 * conv[p*cout + c] = base[p*cout + c] - 2 * sum_j popcount(w_j XOR weight_{c,j}).
 * The word loop is unrolled (W is a constant of the layer); the channel loop is not, which
 * keeps the function small enough for V8's optimizing compiler at any channel count.
 */
export function generateBinaryKernel(g: KernelGeometry, input: Int32Array, base: Int32Array, conv: Int32Array): (() => void) | null {
  const T = g.kernel * g.inChannels;
  const W = wordsFor(T);
  if (W > MAX_GENERATED_TERMS) return null;
  const tailMask = (T & 31) === 0 ? -1 : (1 << (T & 31)) - 1;
  const weightWords = new Int32Array(W * g.outChannels);
  g.weights.forEach((hex, c) => packHex(hex, T, weightWords, c * W));
  const decl = Array.from({ length: W }, (_, j) => `w${j}`).join(', ');
  const aligned = Array.from({ length: W }, (_, j) => `        w${j} = x[q + ${j}];`).join('\n');
  const shifted = Array.from({ length: W }, (_, j) => `        w${j} = (x[q + ${j}] >>> sh) | (x[q + ${j + 1}] << back);`).join('\n');
  // Popcounts are written out inline: per word, the SWAR steps up to per-byte counts (each
  // <= 8); up to 31 words' byte counts add without carrying out of a byte (31 * 8 < 256);
  // then one horizontal byte sum.
  let sum = '        m = 0;\n';
  for (let start = 0; start < W; start += 31) {
    sum += '        s = 0;\n';
    for (let j = start; j < Math.min(W, start + 31); j++) {
      sum += `        v = w${j} ^ wt[k + ${j}]; v = v - ((v >>> 1) & 0x55555555); v = (v & 0x33333333) + ((v >>> 2) & 0x33333333); s += (v + (v >>> 4)) & 0x0f0f0f0f;\n`;
    }
    sum += '        s = (s & 0x00ff00ff) + ((s >>> 8) & 0x00ff00ff); m += (s & 0xffff) + (s >>> 16);\n';
  }
  const src = `
  return function binaryConv_layer${g.layerIndex}() {
    let ${decl}, v, s, m;
    for (let p = 0, bit = 0, o = 0; p < ${g.convLength}; p++, bit += ${g.stride * g.inChannels}, o += ${g.outChannels}) {
      const q = bit >>> 5;
      const sh = bit & 31;
      if (sh === 0) {
${aligned}
      } else {
        const back = 32 - sh;
${shifted}
      }
      w${W - 1} &= ${int32Literal(tailMask)};
      for (let c = 0, k = 0; c < ${g.outChannels}; c++, k += ${W}) {
${sum}        conv[o + c] = base[o + c] - 2 * m;
      }
    }
  };`;
  return new Function('x', 'wt', 'base', 'conv', src)(input, weightWords, base, conv) as () => void;
}

/**
 * A binary layer's output stage: per output position and channel, max-pool the integers (or,
 * with `bitPooling`, OR / AND the monotone functions' bits), apply the channel's function and
 * set the bit at offset + p * channels + c of the next layer's packed input.
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
  narrow: boolean,
): (() => void) | null {
  const size = pool?.size ?? 1;
  const stride = pool?.stride ?? 1;
  if (size * channels > MAX_GENERATED_TERMS) return null;
  const tables: Uint8Array[] = [];
  let body = '';
  fns.forEach((fn, c) => {
    const at = (j: number): string => `conv[src + ${j * channels + c}]`;
    const set = `{ const i = bit + ${c}; words[i >>> 5] |= 1 << i; }`;
    if (fn.kind === 'const') {
      if (fn.v === 1) body += `      ${set}\n`;
      return;
    }
    const monotone = fn.kind === 'ge' || fn.kind === 'le';
    if (bitPooling && monotone && size > 1) {
      const op = fn.kind === 'ge' ? ' || ' : ' && ';
      const cmp = fn.kind === 'ge' ? '>=' : '<=';
      const cond = Array.from({ length: size }, (_, j) => `${at(j)} ${cmp} ${fn.t}`).join(op);
      body += `      if (${cond}) ${set}\n`;
      return;
    }
    body += `      m = ${at(0)};\n`;
    // Branch-free max (pre-activations are random, so a branch mispredicts half the time;
    // this is about 3x faster): d >> 31 is all ones when m < v, then m - d = v. Exact while
    // m - v fits 32 bits, which `narrow` (the layer's pre-activation span < 2^31) guarantees.
    for (let j = 1; j < size; j++) {
      body += narrow ? `      d = m - ${at(j)}; m -= d & (d >> 31);\n` : `      v = ${at(j)}; if (v > m) m = v;\n`;
    }
    let cond: string;
    switch (fn.kind) {
      case 'ge':
        cond = `m >= ${fn.t}`;
        break;
      case 'le':
        cond = `m <= ${fn.t}`;
        break;
      case 'in':
        cond = `m >= ${fn.lo} && m <= ${fn.hi}`;
        break;
      case 'out':
        cond = `m < ${fn.lo} || m > ${fn.hi}`;
        break;
      case 'table': {
        tables.push(hexToBits(fn.bits, fn.size));
        cond = `tables[${tables.length - 1}][m - ${fn.min}] === 1`;
        break;
      }
    }
    body += `      if (${cond}) ${set}\n`;
  });
  const src = `
  return function binaryEmit_layer${layerIndex}() {
    let m, v, d;
    for (let p = 0, src = 0, bit = ${offset}; p < ${outLength}; p++, src += ${stride * channels}, bit += ${channels}) {
${body}    }
  };`;
  return new Function('conv', 'words', 'tables', src)(conv, words, tables) as () => void;
}
