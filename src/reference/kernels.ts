/**
 * The two pre-activation kernels of the integer reference. Each owns its (padded) input
 * buffer and writes the integer pre-activation of every conv position and output channel
 * into `conv` (position-major: index p * outChannels + c). Buffers are allocated once per
 * compiled model; running a window allocates nothing.
 */
import { hexBit } from '../model/qmodel.ts';
import { packHex, wordsFor } from './bits.ts';
import { generateIntKernel } from './codegen.ts';
import { instantiateBinconv } from './wasm.ts';

/** Geometry of a kernel: a dense layer is a conv whose kernel covers the whole input. */
export interface KernelGeometry {
  /** index of the layer in the model (names the generated functions in profiles) */
  layerIndex: number;
  inLength: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padLeft: number;
  padRight: number;
  padValue: number;
  convLength: number;
  weights: string[];
}

/**
 * Layer 1: integer z inputs (one channel) times ±1 weights, i.e. additions and subtractions.
 * a = sum(w_k z_k) = 2 * (sum over + taps) - (window sum) = (window sum) - 2 * (sum over - taps);
 * the window sum comes from a prefix sum, so each output adds only the less frequent sign's taps.
 * Padding taps hold pad.value (in z units) like real ones.
 */
export class IntConvKernel {
  /** padded input: [padLeft x pad.value][inLength x z][padRight x pad.value] */
  readonly input: Int32Array;
  readonly conv: Int32Array;
  private readonly prefix: Float64Array;
  private readonly tapOffsets: Int32Array;
  private readonly tapStart: Int32Array;
  private readonly useNegative: Uint8Array;
  private readonly fast: (() => void) | null;

  /** `specialize`: run model-specialized generated code (codegen.ts) instead of the generic loops. */
  constructor(
    readonly g: KernelGeometry,
    specialize = true,
  ) {
    if (g.inChannels !== 1) throw new Error('IntConvKernel: the integer layer has one input channel');
    const padded = g.padLeft + g.inLength + g.padRight;
    this.input = new Int32Array(padded).fill(g.padValue);
    this.prefix = new Float64Array(padded + 1);
    this.conv = new Int32Array(g.convLength * g.outChannels);
    const offsets: number[] = [];
    this.tapStart = new Int32Array(g.outChannels + 1);
    this.useNegative = new Uint8Array(g.outChannels);
    g.weights.forEach((hex, c) => {
      let plus = 0;
      for (let k = 0; k < g.kernel; k++) plus += hexBit(hex, k);
      const neg = plus * 2 > g.kernel ? 1 : 0;
      this.useNegative[c] = neg;
      this.tapStart[c] = offsets.length;
      for (let k = 0; k < g.kernel; k++) if (hexBit(hex, k) === (neg ? 0 : 1)) offsets.push(k);
    });
    this.tapStart[g.outChannels] = offsets.length;
    this.tapOffsets = Int32Array.from(offsets);
    this.fast = specialize ? generateIntKernel(g, this.input, this.conv) : null;
  }

  /** The real (unpadded) part of the input, where the normalizer writes z. */
  realInput(): Int32Array {
    return this.input.subarray(this.g.padLeft, this.g.padLeft + this.g.inLength);
  }

  run(): void {
    if (this.fast) this.fast();
    else this.runGeneric();
  }

  runGeneric(): void {
    const { input: x, prefix: P, conv, tapOffsets: offs, tapStart: start, useNegative: neg } = this;
    const { kernel: K, stride, convLength, outChannels: cout } = this.g;
    for (let i = 0; i < x.length; i++) P[i + 1] = P[i]! + x[i]!;
    for (let p = 0; p < convLength; p++) {
      const base = p * stride;
      const all = P[base + K]! - P[base]!;
      const o = p * cout;
      for (let c = 0; c < cout; c++) {
        let s = 0;
        const end = start[c + 1]!;
        for (let j = start[c]!; j < end; j++) s += x[base + offs[j]!]!;
        conv[o + c] = neg[c] ? all - 2 * s : 2 * s - all;
      }
    }
  }
}

/**
 * Binary layers: ±1 inputs packed 32 per word, ±1 weights packed the same way.
 * For T taps, a = matches - mismatches = T - 2 * popcount(x XOR w) (XNOR-popcount).
 * Padding: the input buffer's padding bits hold the pad value's bit (+1 -> 1, -1 -> 0);
 * for pad value 0 they hold 0 (= -1) and a per-position correction adds back the +w each
 * padding tap wrongly contributed, so edge positions sum over real taps only.
 */
export class BinaryConvKernel {
  /** packed padded input (spare words so the unaligned window reads never leave the array) */
  readonly input: Int32Array;
  /** the input's reset state: padding bits set for pad value +1, everything else 0 */
  readonly template: Int32Array;
  readonly conv: Int32Array;
  private readonly words: number;
  private readonly weightWords: Int32Array;
  /** T + padding correction, per conv position and output channel */
  private readonly base: Int32Array;
  private readonly window: Int32Array;
  private readonly tailMask: number;
  private readonly fast: (() => void) | null;

  /**
   * `specialize`: run the WebAssembly popcount kernel of wasm.ts (about 1.5x the whole
   * reference's speed over generated JavaScript) instead of the loops of runGeneric, the
   * readable definition. Tests check both agree.
   */
  constructor(
    readonly g: KernelGeometry,
    specialize = true,
  ) {
    const { inChannels: cin, kernel: K, outChannels: cout, convLength } = g;
    const T = K * cin;
    const paddedBits = (g.padLeft + g.inLength + g.padRight) * cin;
    const w64 = Math.ceil(T / 64);
    // The buffers the kernel reads and writes live in one WebAssembly memory (plain
    // ArrayBuffer-backed views otherwise); regions are 8-byte aligned for the i64 loads.
    const inputWords = wordsFor(paddedBits) + 2 * w64 + 4;
    const regions = { input: inputWords, weights: cout * w64 * 2, mask: w64 * 2, scratch: w64 * 2, base: convLength * cout, conv: convLength * cout };
    const offsets: Record<string, number> = {};
    let bytes = 0;
    for (const [name, words] of Object.entries(regions)) {
      offsets[name] = bytes;
      bytes += Math.ceil(words / 2) * 8;
    }
    const memory = specialize ? new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) }) : null;
    const buffer = memory ? memory.buffer : new ArrayBuffer(bytes);
    const view = (name: keyof typeof regions) => new Int32Array(buffer, offsets[name], regions[name]);
    this.input = view('input');
    this.template = new Int32Array(this.input.length);
    if (g.padValue === 1) {
      for (let i = 0; i < g.padLeft * cin; i++) this.template[i >>> 5]! |= 1 << (i & 31);
      for (let i = (g.padLeft + g.inLength) * cin; i < paddedBits; i++) this.template[i >>> 5]! |= 1 << (i & 31);
    }
    this.conv = view('conv');
    this.base = view('base').fill(T);
    this.words = wordsFor(T);
    this.weightWords = new Int32Array(cout * this.words);
    g.weights.forEach((hex, c) => packHex(hex, T, this.weightWords, c * this.words));
    this.window = new Int32Array(this.words);
    this.tailMask = (T & 31) === 0 ? -1 : (1 << (T & 31)) - 1;
    if (g.padValue === 0) {
      for (let p = 0; p < convLength; p++) {
        for (let k = 0; k < K; k++) {
          const pos = p * g.stride + k - g.padLeft;
          if (pos >= 0 && pos < g.inLength) continue;
          for (let c = 0; c < cout; c++) {
            let corr = 0;
            for (let ci = 0; ci < cin; ci++) corr += hexBit(g.weights[c]!, k * cin + ci) ? 1 : -1;
            this.base[p * cout + c]! += corr;
          }
        }
      }
    }
    if (memory) {
      const weights = view('weights');
      g.weights.forEach((hex, c) => packHex(hex, T, weights, c * w64 * 2));
      const mask = view('mask');
      for (let i = 0; i < T; i++) mask[i >>> 5]! |= 1 << (i & 31);
      const binconv = instantiateBinconv(memory);
      const o = offsets as Record<keyof typeof regions, number>;
      const step = g.stride * cin;
      this.fast = () => binconv(o.input, o.weights, o.base, o.conv, convLength, cout, w64, step, o.scratch, o.mask);
    } else {
      this.fast = null;
    }
  }

  reset(): void {
    this.input.set(this.template);
  }

  run(): void {
    if (this.fast) this.fast();
    else this.runGeneric();
  }

  runGeneric(): void {
    const { input: x, window: win, weightWords: wt, base, conv, words: W, tailMask } = this;
    const { stride, inChannels: cin, convLength, outChannels: cout } = this.g;
    const step = stride * cin;
    for (let p = 0; p < convLength; p++) {
      const b = p * step;
      const q = b >>> 5;
      const sh = b & 31;
      if (sh === 0) {
        for (let j = 0; j < W; j++) win[j] = x[q + j]!;
      } else {
        const back = 32 - sh;
        for (let j = 0; j < W; j++) win[j] = (x[q + j]! >>> sh) | (x[q + j + 1]! << back);
      }
      win[W - 1]! &= tailMask;
      const o = p * cout;
      for (let c = 0; c < cout; c++) {
        let mism = 0;
        const wo = c * W;
        for (let j = 0; j < W; j++) {
          let v = win[j]! ^ wt[wo + j]!;
          v = v - ((v >>> 1) & 0x55555555);
          v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
          mism += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
        }
        conv[o + c] = base[o + c]! - 2 * mism;
      }
    }
  }
}
