/**
 * What follows a layer's integer pre-activations: max-pooling, then either the per-channel
 * bit function (bits go straight into the next layer's packed input) or the integer logits.
 */
import type { BinaryOutput, LogitOutput, Pool } from '../model/qmodel.ts';
import { compileFns, evalFn, PoolMode, type CompiledFns } from './fns.ts';
import type { LayerTrace } from './trace.ts';
import { generateBinaryEmit } from './codegen.ts';

/** Where a layer's output bits go: bit (offset + p * channels + c) of `words`. */
export interface BitSink {
  words: Int32Array;
  offset: number;
}

export interface OutputGeometry {
  layerIndex: number;
  /** hull of the layer's reachable pre-activations */
  preact: { lo: number; hi: number };
  outLength: number;
  channels: number;
  pool: Pool | null;
}

/** max of conv[(p*stride + j) * ch + c] over j < size */
function pooledMax(conv: Int32Array, p: number, c: number, ch: number, size: number, stride: number): number {
  let i = p * stride * ch + c;
  let m = conv[i]!;
  for (let j = 1; j < size; j++) {
    i += ch;
    const v = conv[i]!;
    if (v > m) m = v;
  }
  return m;
}

export class BinaryStage {
  private readonly fns: CompiledFns;
  private readonly size: number;
  private readonly stride: number;
  private readonly generated: (() => void) | null;

  /**
   * `conv`: the kernel's pre-activation buffer this stage reads.
   * `bitPooling`: pool monotone channels' bits (OR/AND) as hardware may, instead of their integers.
   * `specialize`: use the generated code of codegen.ts (the generic loops below otherwise).
   */
  constructor(
    readonly g: OutputGeometry,
    out: BinaryOutput,
    private readonly conv: Int32Array,
    readonly sink: BitSink,
    private readonly bitPooling: boolean,
    specialize: boolean,
  ) {
    this.fns = compileFns(out.fns);
    this.size = g.pool?.size ?? 1;
    this.stride = g.pool?.stride ?? 1;
    this.generated = specialize ? generateBinaryEmit(g.outLength, g.channels, g.pool, out.fns, bitPooling, conv, sink.words, sink.offset, g.layerIndex, g.preact) : null;
  }

  /**
   * Writes the output bits into the sink (which the consumer has reset). With a trace, records
   * the pooled integers and reads the bits back from the sink, so the trace shows what the
   * fast path actually produced.
   */
  emit(trace: LayerTrace | null): void {
    if (this.generated) this.generated();
    else this.emitGeneric();
    if (trace) this.record(trace);
  }

  private emitGeneric(): void {
    const { outLength, channels: ch } = this.g;
    const { size, stride, fns, conv } = this;
    const { lo, hi, inv, isTable, tableMin, tableOffset, table, poolMode } = fns;
    const words = this.sink.words;
    const offset = this.sink.offset;
    const bitPooling = this.bitPooling && size > 1;
    for (let p = 0; p < outLength; p++) {
      for (let c = 0; c < ch; c++) {
        let bit: number;
        const mode = bitPooling ? poolMode[c]! : PoolMode.Int;
        if (mode === PoolMode.Int) {
          const a = pooledMax(conv, p, c, ch, size, stride);
          bit = isTable[c] ? table[tableOffset[c]! + a - tableMin[c]!]! : (a >= lo[c]! && a <= hi[c]! ? 1 : 0) ^ inv[c]!;
        } else {
          bit = mode === PoolMode.Or ? 0 : 1;
          for (let j = 0; j < size; j++) {
            const f = evalFn(fns, c, conv[(p * stride + j) * ch + c]!);
            bit = mode === PoolMode.Or ? bit | f : bit & f;
          }
        }
        if (bit) {
          const i = offset + p * ch + c;
          words[i >>> 5]! |= 1 << (i & 31);
        }
      }
    }
  }

  private record(trace: LayerTrace): void {
    const { outLength, channels: ch } = this.g;
    for (let p = 0; p < outLength; p++) {
      for (let c = 0; c < ch; c++) {
        const i = this.sink.offset + p * ch + c;
        trace.preact[p * ch + c] = pooledMax(this.conv, p, c, ch, this.size, this.stride);
        trace.bits![p * ch + c] = (this.sink.words[i >>> 5]! >>> (i & 31)) & 1;
      }
    }
  }
}

export class LogitStage {
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  private readonly bias: Float64Array;
  private readonly size: number;
  private readonly stride: number;

  constructor(
    readonly g: OutputGeometry,
    out: LogitOutput,
  ) {
    this.pos = Float64Array.from(out.fns, (f) => f.pos);
    this.neg = Float64Array.from(out.fns, (f) => f.neg);
    this.bias = Float64Array.from(out.fns, (f) => f.bias);
    this.size = g.pool?.size ?? 1;
    this.stride = g.pool?.stride ?? 1;
  }

  /**
   * Writes the logits: per channel the sum over positions of v (reduce 'sum'), or v of the
   * single position (reduce 'none', which validation allows only with one position, so the
   * same sum gives it). Values stay exact integers in doubles (validation bounds them by 2^53).
   */
  emit(conv: Int32Array, logits: Float64Array, trace: LayerTrace | null): void {
    const { outLength, channels: ch } = this.g;
    const { size, stride, pos, neg, bias } = this;
    logits.fill(0);
    for (let p = 0; p < outLength; p++) {
      for (let c = 0; c < ch; c++) {
        const a = pooledMax(conv, p, c, ch, size, stride);
        const v = (a >= 0 ? pos[c]! * a : neg[c]! * a) + bias[c]!;
        logits[c] += v;
        if (trace) {
          trace.preact[p * ch + c] = a;
          trace.values![p * ch + c] = v;
        }
      }
    }
    if (trace) trace.logits!.set(logits);
  }
}

/** Index of the largest logit; ties go to the lowest index. */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}
