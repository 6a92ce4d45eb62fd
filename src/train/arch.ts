/**
 * Network architectures: a JSON-describable spec (so researchers can define their own) and the
 * built-in presets of the seed papers, each also in full precision.
 *
 * A conv block computes, in order:
 *   pad(value) -> conv1d (binary weights, no bias) -> max-pool -> [PReLU] -> [BatchNorm]
 *   -> [learnable threshold] -> sign (binary) / activation (full precision)
 * The first block takes the normalizer's integer z scaled by 2^-fracBits (real-valued input);
 * every later block takes +1/-1 bits. The head is either a global sum over time of the last
 * block (whose output then has one channel per class and no sign) or a binary dense layer.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../cli/errors.ts';
import { DEFAULT_ZSCORE } from '../model/normalizer.ts';
import { NormalizerSchema } from '../model/qmodel.ts';
import { STE_KINDS } from './ste.ts';

const steKind = z.enum(STE_KINDS as unknown as ['tanh', 'poly', 'clip']);

export const ConvBlockSpecSchema = z.object({
  filters: z.union([z.number().int().positive(), z.literal('classes')]),
  kernel: z.number().int().positive(),
  stride: z.number().int().positive().default(1),
  /** padding taps on each side ([left, right] or one number for both) */
  pad: z.union([z.number().int().nonnegative(), z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])]).default(0),
  /** value of padding taps: binary inputs 0, 1 or -1; the first block's real-valued input any value whose z-units are integral */
  padValue: z.number().default(0),
  pool: z.object({ size: z.number().int().positive(), stride: z.number().int().positive() }).nullable().default(null),
  prelu: z.boolean().default(false),
  batchNorm: z.boolean().default(true),
  /** a learnable per-channel threshold subtracted before the sign */
  threshold: z.boolean().default(false),
});

export const TrainDefaultsSchema = z.object({
  epochs: z.number().int().positive().default(60),
  batchSize: z.number().int().positive().default(32),
  lr: z.number().positive().default(0.01),
  /** 'cosine' decays lr to lr*lrFinal; 'step' divides by 10 at 50 % and 75 % of the epochs */
  schedule: z.enum(['cosine', 'step', 'constant']).default('cosine'),
  lrFinal: z.number().positive().default(0.01),
  /** epochs without validation improvement before stopping (0 = never stop early) */
  patience: z.number().int().nonnegative().default(0),
  /** 'balanced' weights the loss by inverse class frequency (clipped), 'none' does not */
  classWeights: z.enum(['none', 'balanced', 'sqrt']).default('none'),
  /**
   * training-time augmentation: 'roll' rotates each window by a random offset every epoch (the
   * z-score statistics do not change under rotation, so the rotated z is still exactly what the
   * normalizer would output for the rotated raw window)
   */
  augment: z.enum(['none', 'roll']).default('none'),
  /** fraction of the training split held out for validation (early stop, best epoch) */
  validation: z.number().min(0).max(0.5).default(0.1),
});

export const ArchSpecSchema = z.object({
  name: z.string().min(1),
  binary: z.boolean().default(true),
  weightSte: steKind.default('tanh'),
  activationSte: steKind.default('poly'),
  normalizer: NormalizerSchema.default(DEFAULT_ZSCORE),
  blocks: z.array(ConvBlockSpecSchema).min(1),
  head: z.discriminatedUnion('kind', [z.object({ kind: z.literal('globalSum') }), z.object({ kind: z.literal('dense') })]),
  train: TrainDefaultsSchema.default(TrainDefaultsSchema.parse({})),
});

export type ConvBlockSpec = z.infer<typeof ConvBlockSpecSchema>;
export type ArchSpec = z.infer<typeof ArchSpecSchema>;
export type TrainDefaults = z.infer<typeof TrainDefaultsSchema>;

/**
 * Seed 000 (compact and accurate BNN): six blocks pad(+1) -> conv k7 -> max-pool(7, 2) ->
 * PReLU -> BatchNorm, channels 1-8-16-32-32-64-classes, first conv stride 2, padding 5, logits
 * by a sum over time of the last block. The first block pads the real-valued input with 0
 * (the padded value of a normalized signal's mean); every binary block pads with +1.
 */
function ecgbnnS(binary: boolean): ArchSpec {
  const block = (filters: number | 'classes', stride: number, padValue: number) => ({
    filters, kernel: 7, stride, pad: 5, padValue, pool: { size: 7, stride: 2 }, prelu: true, batchNorm: true, threshold: false,
  });
  return ArchSpecSchema.parse({
    name: binary ? 'ecgbnn-s' : 'ecgbnn-s-fp',
    binary,
    weightSte: 'tanh',
    activationSte: 'poly',
    blocks: [block(8, 2, 0), block(16, 1, 1), block(32, 1, 1), block(32, 1, 1), block(64, 1, 1), block('classes', 1, 1)],
    head: { kind: 'globalSum' },
    train: { epochs: 80, batchSize: 32, lr: 0.005, schedule: 'cosine', lrFinal: 0.02, patience: 0, classWeights: 'none', validation: 0.1 },
  });
}

/**
 * Seed 002 (BTPN): seven blocks conv -> max-pool -> BatchNorm -> sign, then dense to classes;
 * (filters, kernel, stride, padding, pool, pool stride) per block as in the paper; tanh' STE for
 * weights, the 2-2|x| polynomial for activations; high learning rate first, then lower.
 */
function btpn(binary: boolean): ArchSpec {
  const rows: [number, number, number, number, number, number][] = [
    [8, 16, 2, 7, 8, 4], [12, 12, 2, 5, 4, 2], [32, 9, 1, 4, 5, 2], [64, 7, 1, 3, 4, 2],
    [64, 5, 1, 2, 2, 2], [64, 3, 1, 1, 2, 2], [72, 3, 1, 1, 2, 2],
  ];
  return ArchSpecSchema.parse({
    name: binary ? 'btpn' : 'btpn-fp',
    binary,
    weightSte: 'tanh',
    activationSte: 'poly',
    blocks: rows.map(([filters, kernel, stride, pad, ps, pst]) => ({
      filters, kernel, stride, pad, padValue: 0, pool: { size: ps, stride: pst }, prelu: false, batchNorm: true, threshold: false,
    })),
    head: { kind: 'dense' },
    train: { epochs: 100, batchSize: 32, lr: 0.01, schedule: 'step', lrFinal: 0.01, patience: 0, classWeights: 'none', validation: 0.1 },
  });
}

export const PRESETS: Record<string, () => ArchSpec> = {
  'ecgbnn-s': () => ecgbnnS(true),
  'ecgbnn-s-fp': () => ecgbnnS(false),
  btpn: () => btpn(true),
  'btpn-fp': () => btpn(false),
};

/** The full-precision twin of a binary architecture (same shapes, float weights and activations). */
export function fullPrecisionOf(spec: ArchSpec): ArchSpec {
  return { ...spec, name: spec.name.endsWith('-fp') ? spec.name : `${spec.name}-fp`, binary: false };
}

/** Resolves `--arch`: a preset name or a JSON file holding an ArchSpec. */
export function loadArch(nameOrPath: string): ArchSpec {
  const preset = PRESETS[nameOrPath];
  if (preset) return preset();
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch {
    throw new UserError(`--arch ${nameOrPath}: neither a preset (${Object.keys(PRESETS).join(', ')}) nor a readable JSON file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`--arch ${nameOrPath}: not valid JSON (${(e as Error).message}); fix the file or use a preset`);
  }
  const parsed = ArchSpecSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`--arch ${nameOrPath}: ${issue.path.join('.') || '(root)'}: ${issue.message}; see docs/ARCHITECTURE.md "Training and export"`);
  }
  return parsed.data;
}

/** Resolved per-block shapes for a given input length and class count. */
export interface BlockShape {
  inChannels: number;
  outChannels: number;
  inLength: number;
  padLeft: number;
  padRight: number;
  convLength: number;
  outLength: number;
}

export function blockShapes(spec: ArchSpec, inputLength: number, classes: number): BlockShape[] {
  const out: BlockShape[] = [];
  let len = inputLength;
  let ch = 1;
  spec.blocks.forEach((b, i) => {
    const [pl, pr] = typeof b.pad === 'number' ? [b.pad, b.pad] : b.pad;
    const oc = b.filters === 'classes' ? classes : b.filters;
    const convLength = Math.floor((len + pl + pr - b.kernel) / b.stride) + 1;
    const outLength = b.pool ? Math.floor((convLength - b.pool.size) / b.pool.stride) + 1 : convLength;
    if (convLength < 1 || outLength < 1) {
      throw new UserError(`architecture ${spec.name}: block ${i + 1} has no output positions for input length ${inputLength}; use longer windows or fewer/smaller pools`);
    }
    out.push({ inChannels: ch, outChannels: oc, inLength: len, padLeft: pl, padRight: pr, convLength, outLength });
    len = outLength;
    ch = oc;
  });
  if (spec.head.kind === 'globalSum' && ch !== classes) {
    throw new UserError(`architecture ${spec.name}: a globalSum head needs the last block to have one filter per class ("filters": "classes")`);
  }
  return out;
}
