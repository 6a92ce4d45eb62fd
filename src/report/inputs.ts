/**
 * What a report reads besides the manifest and synth.json:
 *  - cosim.json, written by `bitbeat cosim` into the design directory (sim/, another module).
 *    Until that exists, the report reads the fields below and shows '—' where they are absent.
 *  - model metrics: accuracy and storage of the quantized model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../cli/errors.ts';
import type { QModel } from '../model/qmodel.ts';

/**
 * The fields bitbeat reports from <design>/cosim.json. Extra fields are allowed and ignored.
 * Cycle counts are clock cycles of the accelerator's `clk`, measured in Verilator.
 */
export const CosimSummarySchema = z.looseObject({
  /** 'bitbeat-cosim' (sim/cosim/result.ts); checked when present */
  format: z.literal('bitbeat-cosim').optional(),
  /** the design simulated; must be this design when present */
  design: z.string().optional(),
  /** windows simulated */
  windows: z.number().int().nonnegative(),
  /** windows whose class differs from the integer reference (0 when bit-exact) */
  mismatches: z.number().int().nonnegative(),
  /** steady-state cycles between consecutive classes with the input always valid (0: not measured) */
  cyclesPerWindow: z.number().nonnegative(),
  /** cycles from the handshake of a window's last sample to its class on m_valid */
  latencyCycles: z.number().nonnegative(),
  /** samples per window (the model's input length) */
  windowSamples: z.number().int().positive().optional(),
  /** classification accuracy on labelled windows (fraction 0..1), when a dataset was used */
  accuracy: z.number().min(0).max(1).optional(),
  /** measured busy cycles per window of each engine, by manifest layer name */
  layers: z.array(z.object({ layer: z.string(), cycles: z.number().nonnegative() })).optional(),
});

export type CosimSummary = z.infer<typeof CosimSummarySchema>;

export const COSIM_FILE = 'cosim.json';

/** Reads <design>/cosim.json when it exists; undefined when it does not; a UserError when it is unreadable. */
export function readCosimSummary(designDir: string, expectedDesign?: string): CosimSummary | undefined {
  const file = join(designDir, COSIM_FILE);
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message}); run \`bitbeat cosim\` again`);
  }
  const parsed = CosimSummarySchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`${file}: ${i.path.join('.')}: ${i.message}; run \`bitbeat cosim\` again`);
  }
  if (expectedDesign !== undefined && parsed.data.design !== undefined && parsed.data.design !== expectedDesign) {
    throw new UserError(`${file} is the cosimulation of design ${parsed.data.design}, not ${expectedDesign}: run \`bitbeat cosim\` on this design again`);
  }
  return parsed.data;
}

export interface ModelMetrics {
  name: string;
  /** samples per window */
  windowSamples: number | null;
  /** fraction 0..1, and where it came from */
  accuracy: number | null;
  accuracySource: string | null;
  /** binary weight bits (every layer's weight vectors) */
  weightBits: number | null;
  /** all parameter bits as the model's exporter counted them (weights, thresholds, logit affines) */
  paramBits: number | null;
  bytes: number | null;
}

/** Weight bits of a model: kernel x inChannels per output channel (conv), inFeatures per output (dense). */
export function weightBitsOf(model: QModel): number {
  let bits = 0;
  for (const layer of model.layers) {
    bits += layer.kind === 'conv' ? layer.outChannels * layer.kernel * layer.inChannels : layer.outFeatures * layer.inFeatures;
  }
  return bits;
}

/**
 * Accuracy recorded by training in the model's free-form provenance: the first numeric field
 * among `testAccuracy`, `accuracy`, `valAccuracy` (fractions 0..1).
 */
function provenanceAccuracy(model: QModel): { value: number; key: string } | null {
  const prov = model.provenance ?? {};
  for (const key of ['testAccuracy', 'accuracy', 'valAccuracy']) {
    const v = prov[key];
    if (typeof v === 'number' && v >= 0 && v <= 1) return { value: v, key };
  }
  return null;
}

/** An accuracy measured outside the model file, with where it came from. */
export interface MeasuredAccuracy {
  /** fraction 0..1 */
  value: number;
  source: string;
}

/**
 * The test accuracy that training recorded in `<model>.metrics.json` beside the model file
 * (the integer reference's accuracy on the held-out split), or null when there is none.
 */
export function metricsFileAccuracy(modelPath: string): MeasuredAccuracy | null {
  const path = modelPath.replace(/\.json$/, '.metrics.json');
  if (path === modelPath || !existsSync(path)) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UserError(`${path} is not valid JSON: fix or delete it (it holds the model's training metrics)`);
  }
  const acc = (doc as { accuracy?: { integerPercent?: unknown } }).accuracy;
  const split = (doc as { split?: unknown }).split;
  if (!acc || typeof acc.integerPercent !== 'number') return null;
  return { value: acc.integerPercent / 100, source: `${basename(path)} (integer reference, ${typeof split === 'string' ? split : 'held-out'} test split)` };
}

export function modelMetrics(model: QModel | undefined, cosim: CosimSummary | undefined, fallbackName: string, measured?: MeasuredAccuracy | null): ModelMetrics {
  const prov = model ? provenanceAccuracy(model) : null;
  const accuracy = cosim?.accuracy ?? measured?.value ?? prov?.value ?? null;
  const accuracySource =
    cosim?.accuracy !== undefined ? 'cosim (RTL on labelled windows)' : measured ? measured.source : prov ? `model provenance.${prov.key}` : null;
  return {
    name: model?.name ?? fallbackName,
    windowSamples: model?.input.length ?? cosim?.windowSamples ?? null,
    accuracy,
    accuracySource,
    weightBits: model ? (model.storage?.weightBits ?? weightBitsOf(model)) : null,
    paramBits: model?.storage?.paramBits ?? null,
    bytes: model?.storage?.bytes ?? null,
  };
}
