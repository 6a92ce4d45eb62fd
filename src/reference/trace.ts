/**
 * Per-layer traces of one window: every stream the hardware produces, in the order it emits
 * it. All per-position arrays are position-major: element p * channels + c is output
 * position p, channel c (for each position, all channels, then the next position).
 * See docs/QMODEL.md, "Traces".
 */

export interface NormalizerTrace {
  /** z stream into layer 1, one value per sample */
  z: Int32Array;
  /** z-score only: floor(S1 / N) */
  mean: number | null;
  /** z-score only: isqrt(N*S2 - S1^2) */
  sdN: bigint | null;
  /** z-score only: the reciprocal scale r */
  recip: number | null;
}

export interface LayerTrace {
  index: number;
  name: string;
  kind: 'conv' | 'dense';
  /** conv positions before pooling (dense: 1) */
  convLength: number;
  /** output positions after pooling (dense: 1) */
  length: number;
  channels: number;
  /** integer pre-activation at every conv position (before pooling), convLength x channels */
  convPreact: Int32Array;
  /** max-pooled integer pre-activation (= convPreact without a pool), length x channels */
  preact: Int32Array;
  /** binary layers: the output bits (0/1), length x channels; null for the logits layer */
  bits: Uint8Array | null;
  /** logits layer: v = (a >= 0 ? pos*a : neg*a) + bias per position, length x channels; else null */
  values: Float64Array | null;
  /** logits layer: the per-channel logits after the reduce; else null */
  logits: Float64Array | null;
}

export interface ReferenceTrace {
  normalizer: NormalizerTrace;
  layers: LayerTrace[];
  logits: Float64Array;
  /** argmax of the logits, ties to the lowest index */
  classIndex: number;
}

/** A JSON-friendly copy of a trace (typed arrays as plain arrays, bigint as a decimal string). */
export function traceToJson(t: ReferenceTrace): unknown {
  return {
    normalizer: {
      z: Array.from(t.normalizer.z),
      mean: t.normalizer.mean,
      sdN: t.normalizer.sdN === null ? null : t.normalizer.sdN.toString(),
      recip: t.normalizer.recip,
    },
    layers: t.layers.map((l) => ({
      index: l.index,
      name: l.name,
      kind: l.kind,
      convLength: l.convLength,
      length: l.length,
      channels: l.channels,
      convPreact: Array.from(l.convPreact),
      preact: Array.from(l.preact),
      bits: l.bits && Array.from(l.bits),
      values: l.values && Array.from(l.values),
      logits: l.logits && Array.from(l.logits),
    })),
    logits: Array.from(t.logits),
    classIndex: t.classIndex,
  };
}
