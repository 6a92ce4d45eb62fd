/**
 * Folding: how many output channels (PE) and input taps (SIMD) each layer's engine computes
 * in parallel. A folding file is JSON:
 *
 *   { "layers": [ { "layer": "conv0", "pe": 2, "simd": 16, "weights": "bram" }, ... ],
 *     "normalizerBuffers": 2 }
 *
 * - every model layer appears exactly once, by name (order free);
 * - `pe` must divide the layer's output channels (dense: outFeatures);
 * - `simd` must divide its taps, kernel * inChannels (dense: inFeatures).
 *   Padding rule: there is none. A non-divisor would need zero-weight filler taps and a
 *   ragged last fold, which costs logic and muddles the cycle formula; every layer has at
 *   least the choices 1 and "all", so the divisor rule never leaves a layer without options.
 * - `weights` (optional) overrides where the layer's weight ROM lives ('lut' or 'bram');
 *   without it estimate.ts's size rule decides.
 * - `pipeline` (optional) puts that many register stages into the XNOR + popcount trees (layer
 *   1: the add/subtract tree): a higher clock for `pipeline` more cycles of latency per window.
 * - `window` (optional) chooses the line buffer: 'regs' keeps the K window positions in
 *   registers and selects each group with a (taps/SIMD):1 mux; 'ram' keeps them in a small
 *   circular RAM (block RAM) read one group per cycle (binary layers, SIMD dividing the input
 *   channels). Without it estimate.ts picks the cheaper one for the target.
 * - `normalizerBuffers` (optional, z-score normalizer only): 2 = ping-pong window buffers,
 *   so pass 1 of the next window overlaps pass 2 of this one; 1 = a single buffer (half the
 *   RAM, about twice the cycles per window). Default: estimate.ts's rule per target.
 * - `inputLanes` (optional, z-score normalizer only, default 1): samples per beat from the
 *   normalizer's pass 2 into layer 1's line buffer (blocks/normalizer.ts, linebuffer.ts), so a
 *   layer 1 that takes `stride` samples per position needs about N / inputLanes cycles after
 *   the window's last sample instead of N; costs a product (DSP) and a buffer memory per lane.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../src/cli/errors.ts';
import type { QModel } from '../src/model/qmodel.ts';
import { contributingConvPositions, layerShapes, type LayerShape } from '../src/model/shapes.ts';
import { ramWindowUnsupported } from './blocks/ramwindow.ts';
import { lanesUnsupported } from './blocks/linebuffer.ts';
import { MAX_NORMALIZER_LANES } from './blocks/normalizer.ts';

export type WeightStorage = 'lut' | 'bram';
export type WindowStorage = 'regs' | 'ram';

export const LayerFoldSchema = z
  .object({
    layer: z.string().min(1),
    pe: z.number().int().positive(),
    simd: z.number().int().positive(),
    weights: z.enum(['lut', 'bram']).optional(),
    /** register stages inside the XNOR + popcount trees (layer 1: add/subtract tree; default 0) */
    pipeline: z.number().int().min(0).max(8).optional(),
    /** line buffer: 'regs' (K position registers) or 'ram' (circular RAM, binary layers with SIMD dividing C_in) */
    window: z.enum(['regs', 'ram']).optional(),
  })
  .strict();

export const FoldingFileSchema = z
  .object({
    layers: z.array(LayerFoldSchema).min(1),
    normalizerBuffers: z.union([z.literal(1), z.literal(2)]).optional(),
    inputLanes: z.number().int().min(1).max(MAX_NORMALIZER_LANES).optional(),
  })
  .strict();

export type LayerFold = z.infer<typeof LayerFoldSchema> & {
  /**
   * not a file option: the estimate's choice of a threshold parameter ROM in iCE40's spare
   * block RAM (estimate.ts's thresholdRomPlan), its word width; set by generate.ts's buildDesign
   */
  thresholdRomWidth?: number;
  /**
   * not a file option: the estimate's choice of layer 1's dot product in two iCE40 SB_MAC16
   * per lane (estimate.ts's dspDotPlan); set by generate.ts's buildDesign
   */
  dspDot?: boolean;
};
export type FoldingConfig = z.infer<typeof FoldingFileSchema>;

/** A folding checked against a model: one entry per layer, in model order. */
export interface ResolvedFolding {
  layers: LayerFold[];
  normalizerBuffers?: 1 | 2;
  /** samples per beat into layer 1 (1 when absent) */
  inputLanes?: number;
}

/** Positive divisors of n, ascending. */
export function divisors(n: number): number[] {
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d === 0) {
      small.push(d);
      if (d * d !== n) large.unshift(n / d);
    }
  }
  return [...small, ...large];
}

/** What decides whether a layer's window can live in RAM (see blocks/ramwindow.ts). */
export function windowGeometry(model: QModel, shape: LayerShape, simd: number): { bits: number; channels: number; simd: number; kernel: number; stride: number; positions: number } {
  const layer = model.layers[shape.index]!;
  const bits = shape.inputKind === 'binary' ? 1 : model.normalizer.outBits;
  if (layer.kind === 'dense') return { bits, channels: shape.inChannels, simd, kernel: shape.inLength, stride: 1, positions: 1 };
  return { bits, channels: shape.inChannels, simd, kernel: layer.kernel, stride: layer.stride, positions: contributingConvPositions(shape.convLength, layer.pool) };
}

/** What PE and SIMD divide for one layer. */
export function foldLimits(shape: LayerShape): { outChannels: number; taps: number } {
  return { outChannels: shape.outChannels, taps: shape.taps };
}

function layerLabel(shape: LayerShape): string {
  return `layer ${shape.index} '${shape.name}'`;
}

/**
 * Checks a folding against a model and returns it in model order. Every problem is a
 * UserError naming the source, the layer and the valid choices.
 */
export function validateFolding(model: QModel, cfg: FoldingConfig, source = 'folding'): ResolvedFolding {
  const shapes = layerShapes(model);
  const byName = new Map<string, LayerFold>();
  for (const f of cfg.layers) {
    if (byName.has(f.layer)) throw new UserError(`${source}: layer '${f.layer}' is listed twice; keep one entry per layer`);
    byName.set(f.layer, f);
  }
  const names = new Set(shapes.map((s) => s.name));
  for (const f of cfg.layers) {
    if (!names.has(f.layer)) {
      throw new UserError(`${source}: model '${model.name}' has no layer '${f.layer}'; its layers are ${shapes.map((s) => s.name).join(', ')}`);
    }
  }
  if (cfg.normalizerBuffers === 2 && model.normalizer.kind !== 'zscore') {
    throw new UserError(`${source}: normalizerBuffers 2 needs a z-score normalizer, but model '${model.name}' uses '${model.normalizer.kind}'; remove normalizerBuffers`);
  }
  const layers = shapes.map((shape) => {
    const f = byName.get(shape.name);
    if (!f) {
      throw new UserError(`${source}: ${layerLabel(shape)} has no folding entry; add { "layer": "${shape.name}", "pe": 1, "simd": 1 } or use --folding auto`);
    }
    if (shape.outChannels % f.pe !== 0) {
      throw new UserError(
        `${source}: ${layerLabel(shape)}: PE ${f.pe} does not divide its ${shape.outChannels} output channels; choose one of ${divisors(shape.outChannels).join(', ')}`,
      );
    }
    if (shape.taps % f.simd !== 0) {
      const what = shape.kind === 'dense' ? 'input features' : `taps (kernel x inChannels)`;
      throw new UserError(
        `${source}: ${layerLabel(shape)}: SIMD ${f.simd} does not divide its ${shape.taps} ${what}; choose one of ${divisors(shape.taps).join(', ')}`,
      );
    }
    if (f.window === 'ram') {
      const why = ramWindowUnsupported(windowGeometry(model, shape, f.simd));
      if (why) throw new UserError(`${source}: ${layerLabel(shape)}: window 'ram' impossible: ${why}; use "window": "regs" or a SIMD dividing ${shape.inChannels}`);
    }
    return { ...f };
  });
  const lanes = cfg.inputLanes ?? 1;
  if (lanes > 1) checkInputLanes(model, shapes[0]!, layers[0]!, lanes, source);
  const resolved: ResolvedFolding = cfg.normalizerBuffers === undefined ? { layers } : { layers, normalizerBuffers: cfg.normalizerBuffers };
  return cfg.inputLanes === undefined ? resolved : { ...resolved, inputLanes: cfg.inputLanes };
}

/** Why layer 1 cannot take `lanes` samples per beat, or null (see inputLanes above). */
export function inputLanesUnsupported(model: QModel, shape: LayerShape, fold: LayerFold, lanes: number): string | null {
  if (lanes === 1) return null;
  if (model.normalizer.kind !== 'zscore') return `the '${model.normalizer.kind}' normalizer streams one sample per beat`;
  if (fold.window === 'ram') return `layer 1 '${shape.name}' uses window 'ram'`;
  const layer = model.layers[shape.index]!;
  return lanesUnsupported({ kernel: layer.kind === 'conv' ? layer.kernel : shape.inLength, stride: layer.kind === 'conv' ? layer.stride : 1, length: shape.inLength }, lanes);
}

function checkInputLanes(model: QModel, shape: LayerShape, fold: LayerFold, lanes: number, source: string): void {
  const why = inputLanesUnsupported(model, shape, fold, lanes);
  if (why) throw new UserError(`${source}: inputLanes ${lanes} impossible for model '${model.name}': ${why}; remove inputLanes or set it to 1`);
}

/** Parses folding JSON (already read) with a source name for messages. */
export function parseFolding(json: unknown, source: string): FoldingConfig {
  const parsed = FoldingFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') || '(document)';
    throw new UserError(
      `${source}: field ${path.replace(/^\./, '')}: ${issue.message}; expected { "layers": [ { "layer": name, "pe": n, "simd": n } ] }`,
    );
  }
  return parsed.data;
}

/** Reads and parses a folding file (not yet checked against a model: see validateFolding). */
export function loadFoldingFile(path: string): FoldingConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`--folding ${path}: cannot read the file; give 'auto' or a readable folding JSON file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message}); fix the folding file`);
  }
  return parseFolding(json, path);
}

/** Every engine fully folded: PE = SIMD = 1 (smallest, slowest). */
export function fullyFolded(model: QModel): ResolvedFolding {
  return { layers: layerShapes(model).map((s) => ({ layer: s.name, pe: 1, simd: 1 })) };
}

/** Every engine fully parallel: PE = output channels, SIMD = taps (largest, fastest). */
export function fullyParallel(model: QModel): ResolvedFolding {
  return { layers: layerShapes(model).map((s) => ({ layer: s.name, pe: s.outChannels, simd: s.taps })) };
}
