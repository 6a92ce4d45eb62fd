/**
 * The quantized model: the contract between training (which exports it), the integer
 * reference model (which defines what it computes) and the hardware generator.
 *
 * This file holds the document's structure (zod schema + TypeScript types). Semantic checks
 * that need arithmetic over the whole network (channel chains, lengths, reachable ranges)
 * live in validate.ts; the meaning of each field is written here, next to the field, and in
 * docs/QMODEL.md.
 *
 * Conventions (DESIGN.md section 2):
 * - Binary values are +1/-1 stored as bits, 1 = +1, 0 = -1. sign(0) = +1.
 * - A conv/dense pre-activation is the integer sum over real taps of x_i * w_i. Padding taps
 *   carry `pad.value` (for binary inputs: 0 = contributes nothing, +1 or -1 = a constant bit).
 * - Max-pool acts on the integer pre-activations; the per-channel output function is then
 *   applied to the pooled integer (a monotone function commutes with max, so hardware may
 *   pool bits instead; the reference checks that equivalence).
 */
import { z } from 'zod';

export const QMODEL_FORMAT = 'bitbeat-qmodel';
export const QMODEL_SCHEMA_VERSION = 1;

const int = z.number().int();
const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
/** A bit vector written as a hexadecimal number: bit i is bit i of the number (LSB = bit 0). */
const hexBits = z.string().regex(/^[0-9a-f]+$/, 'lower-case hexadecimal digits');

/**
 * Per-window z-score in fixed point, exactly (see normalizer.ts for the arithmetic):
 *   S1 = sum x, S2 = sum x^2, N = window length
 *   mean = floor(S1 / N);  sdN = isqrt(N*S2 - S1^2)          (= N * standard deviation)
 *   r    = min(floor(N * 2^recipBits / max(sdN, 1)), 2^recipWidth - 1)
 *   z_i  = clamp(floor((x_i - mean) * r / 2^(recipBits - fracBits)), -2^(outBits-1), 2^(outBits-1)-1)
 * z_i / 2^fracBits approximates (x_i - mean) / std.
 */
export const ZScoreNormalizerSchema = z.object({
  kind: z.literal('zscore'),
  recipBits: posInt,
  recipWidth: posInt,
  fracBits: nonNegInt,
  outBits: z.number().int().min(2).max(16),
});

/** z_i = clamp(floor((x_i - offset) / 2^shift), -2^(outBits-1), 2^(outBits-1)-1). Cheap; for small test models. */
export const OffsetNormalizerSchema = z.object({
  kind: z.literal('offset'),
  offset: int,
  shift: nonNegInt,
  outBits: z.number().int().min(2).max(16),
});

export const NormalizerSchema = z.discriminatedUnion('kind', [ZScoreNormalizerSchema, OffsetNormalizerSchema]);

/** Per-channel function from the (pooled) integer pre-activation `a` to one output bit. */
export const BitFunctionSchema = z.discriminatedUnion('kind', [
  /** bit = a >= t */
  z.object({ kind: z.literal('ge'), t: int }),
  /** bit = a <= t */
  z.object({ kind: z.literal('le'), t: int }),
  /** bit = lo <= a <= hi */
  z.object({ kind: z.literal('in'), lo: int, hi: int }),
  /** bit = a < lo || a > hi */
  z.object({ kind: z.literal('out'), lo: int, hi: int }),
  /** bit = v for every reachable a */
  z.object({ kind: z.literal('const'), v: z.union([z.literal(0), z.literal(1)]) }),
  /** bit = bit (a - min) of `bits`; must cover the whole reachable range of a */
  z.object({ kind: z.literal('table'), min: int, size: posInt, bits: hexBits }),
]);

export const BinaryOutputSchema = z.object({
  kind: z.literal('binary'),
  /** one function per output channel */
  fns: z.array(BitFunctionSchema).min(1),
});

/**
 * Integer logits. Per output channel c and output position p of the (pooled) pre-activation a:
 *   v = (a >= 0 ? pos_c * a : neg_c * a) + bias_c
 * (a fixed-point affine/PReLU with `fracBits` fractional bits), and the channel's logit is the
 * sum of v over positions (`reduce: 'sum'`, the global sum of seed 000) or v itself when the
 * layer has a single output position (`reduce: 'none'`, a dense last layer). Argmax over
 * channels, ties to the lowest index.
 */
export const LogitOutputSchema = z.object({
  kind: z.literal('logits'),
  reduce: z.enum(['sum', 'none']),
  fracBits: nonNegInt,
  fns: z.array(z.object({ pos: int, neg: int, bias: int })).min(1),
});

export const LayerOutputSchema = z.discriminatedUnion('kind', [BinaryOutputSchema, LogitOutputSchema]);

export const PoolSchema = z.object({ kind: z.literal('max'), size: posInt, stride: posInt });

/**
 * 1-D convolution. Input is a sequence of `inLength` positions x `inChannels` channels; the
 * first layer's input is the normalizer's integer z (inputKind 'int'), every later layer's
 * is bits (inputKind 'binary').
 * Weights: one hex bit vector per output channel, `kernel * inChannels` bits, bit index
 * k * inChannels + c for tap k (0 = leftmost) and input channel c.
 * Output length before pooling: floor((inLength + pad.left + pad.right - kernel) / stride) + 1;
 * after pooling: floor((convLength - pool.size) / pool.stride) + 1 ('valid' pooling).
 */
export const ConvLayerSchema = z.object({
  kind: z.literal('conv'),
  name: z.string().min(1),
  inputKind: z.enum(['int', 'binary']),
  inChannels: posInt,
  outChannels: posInt,
  kernel: posInt,
  stride: posInt,
  /** value carried by padding taps: binary inputs 0 (nothing), 1 (+1) or -1; int inputs any integer in z units */
  pad: z.object({ left: nonNegInt, right: nonNegInt, value: int }),
  weights: z.array(hexBits).min(1),
  pool: PoolSchema.nullable(),
  out: LayerOutputSchema,
});

/**
 * Fully connected layer on binary inputs. The input sequence (L positions x C channels) is
 * flattened position-major: feature f = position * C + channel (TensorFlow's Flatten order).
 * Weights: one hex bit vector of `inFeatures` bits per output.
 */
export const DenseLayerSchema = z.object({
  kind: z.literal('dense'),
  name: z.string().min(1),
  inputKind: z.literal('binary'),
  inFeatures: posInt,
  outFeatures: posInt,
  weights: z.array(hexBits).min(1),
  out: LayerOutputSchema,
});

export const LayerSchema = z.discriminatedUnion('kind', [ConvLayerSchema, DenseLayerSchema]);

export const QModelSchema = z.object({
  format: z.literal(QMODEL_FORMAT),
  schemaVersion: posInt,
  name: z.string().min(1),
  /** e.g. 'aami5', 'rhythm17', 'synthetic' */
  task: z.string().min(1),
  classes: z.array(z.string().min(1)).min(2),
  input: z.object({
    /** samples per window */
    length: posInt,
    /** width of a raw signed ADC sample as the hardware receives it (MIT-BIH: 12 holds 0..2047) */
    sampleBits: z.number().int().min(2).max(16),
    sampleRate: z.number().positive(),
  }),
  normalizer: NormalizerSchema,
  layers: z.array(LayerSchema).min(1),
  /** storage as the papers count it; informative, recomputed by tools */
  storage: z
    .object({ weightBits: nonNegInt, paramBits: nonNegInt, bytes: z.number().nonnegative() })
    .optional(),
  /** free-form: how the model was trained and exported */
  provenance: z.record(z.string(), z.unknown()).optional(),
});

export type ZScoreNormalizer = z.infer<typeof ZScoreNormalizerSchema>;
export type OffsetNormalizer = z.infer<typeof OffsetNormalizerSchema>;
export type Normalizer = z.infer<typeof NormalizerSchema>;
export type BitFunction = z.infer<typeof BitFunctionSchema>;
export type BinaryOutput = z.infer<typeof BinaryOutputSchema>;
export type LogitOutput = z.infer<typeof LogitOutputSchema>;
export type LayerOutput = z.infer<typeof LayerOutputSchema>;
export type Pool = z.infer<typeof PoolSchema>;
export type ConvLayer = z.infer<typeof ConvLayerSchema>;
export type DenseLayer = z.infer<typeof DenseLayerSchema>;
export type Layer = z.infer<typeof LayerSchema>;
export type QModel = z.infer<typeof QModelSchema>;

/** Reads bit i of a hex bit vector (bit 0 = least significant bit of the number). */
export function hexBit(hex: string, i: number): 0 | 1 {
  const digit = hex.length - 1 - (i >> 2);
  if (digit < 0) return 0;
  return ((parseInt(hex[digit]!, 16) >> (i & 3)) & 1) as 0 | 1;
}

/** Writes bits (index 0 = LSB) as a hex bit vector of ceil(n/4) digits. */
export function bitsToHex(bits: ArrayLike<number>): string {
  const digits = Math.max(1, Math.ceil(bits.length / 4));
  let out = '';
  for (let d = digits - 1; d >= 0; d--) {
    let v = 0;
    for (let b = 3; b >= 0; b--) v = (v << 1) | (bits[d * 4 + b] ? 1 : 0);
    out += v.toString(16);
  }
  return out;
}

/** Expands a hex bit vector into n bits (index 0 = LSB). */
export function hexToBits(hex: string, n: number): Uint8Array {
  const bits = new Uint8Array(n);
  for (let i = 0; i < n; i++) bits[i] = hexBit(hex, i);
  return bits;
}
