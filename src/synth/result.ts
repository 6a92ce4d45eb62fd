/**
 * synth.json: the result of `bitbeat synth` for one design on one target, written to
 * <design>/build/<target>/synth.json. Deterministic for the same design, tools and seeds (no
 * timestamps, no absolute paths), so it can be committed with benchmark results.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../cli/errors.ts';

export const SYNTH_FORMAT = 'bitbeat-synth';
export const SYNTH_VERSION = 1;

const count = z.number().int().nonnegative();

export const ResourceCountsSchema = z.object({
  lut4: count,
  ff: count,
  carry: count,
  bram: count,
  spram: count,
  dsp: count,
  lutram: count,
  other: z.record(z.string(), count),
});

const ToolSchema = z.object({ source: z.string(), version: z.string() });

export interface InstanceResult {
  name: string;
  path: string;
  module: string;
  resources: z.infer<typeof ResourceCountsSchema>;
  children: InstanceResult[];
}

const InstanceResultSchema: z.ZodType<InstanceResult> = z.lazy(() =>
  z.object({
    name: z.string(),
    path: z.string(),
    /** source module name (parameterised copies share it) */
    module: z.string(),
    /** cells of this instance and everything below it */
    resources: ResourceCountsSchema,
    children: z.array(InstanceResultSchema),
  }),
);

export const PnrRunSchema = z.object({
  seed: z.number().int(),
  fmaxMhz: z.number().nullable(),
  clocks: z.array(z.object({ name: z.string(), achievedMhz: z.number(), targetMhz: z.number() })),
  utilisation: z.record(z.string(), z.object({ used: count, available: count })),
  /** files in the build directory */
  report: z.string(),
  log: z.string(),
});

/** A non-primary seed whose place and route stopped (typically "Unable to find legal placement"). */
export const FailedPnrRunSchema = z.object({
  seed: z.number().int(),
  /** the tool's error, one line */
  error: z.string(),
  /** file in the build directory */
  log: z.string(),
});

export const SynthResultSchema = z.object({
  format: z.literal(SYNTH_FORMAT),
  version: z.number().int().positive(),
  design: z.string(),
  top: z.string(),
  target: z.string(),
  device: z.string(),
  package: z.string(),
  board: z.string(),
  /** the pin file used, relative to the build directory */
  constraints: z.string(),
  tools: z.record(z.string(), ToolSchema),
  synthesis: z.object({
    /** the Yosys script, as run */
    script: z.string(),
    /** whole design: every cell, through the hierarchy */
    resources: ResourceCountsSchema,
    /** cells of the top module itself (glue outside any instance) */
    topOwn: ResourceCountsSchema,
    /** the top's instances, each with its subtree; with topOwn they add up to `resources` */
    instances: z.array(InstanceResultSchema),
    /** per module type: own cells (excluding submodules) and how many instances */
    modules: z.array(z.object({ module: z.string(), yosysName: z.string(), instances: count, own: ResourceCountsSchema })),
  }),
  pnr: z.object({
    freqTargetMhz: z.number().positive(),
    /** the seed whose placement produced the .asc/.config (and bitstream) */
    primarySeed: z.number().int(),
    runs: z.array(PnrRunSchema).min(1),
    /**
     * seeds after the primary whose place and route failed: a design that places at most
     * seeds is still worth reporting, with the failures named (absent in older results)
     */
    failedRuns: z.array(FailedPnrRunSchema).default([]),
    /** over all runs with a measured Fmax */
    fmaxSpread: z.object({ min: z.number(), median: z.number(), max: z.number(), seeds: count }).nullable(),
  }),
  /** iCE40 only: icetime on the primary seed's placement; null on ECP5 or when skipped */
  icetime: z.object({ fmaxMhz: z.number(), pathDelayNs: z.number(), logicLevels: z.number().nullable() }).nullable(),
  /** the bitstream file (relative to the build directory), when requested */
  bitstream: z.string().nullable(),
});

export type SynthResult = z.infer<typeof SynthResultSchema>;
export type PnrRun = z.infer<typeof PnrRunSchema>;
export type FailedPnrRun = z.infer<typeof FailedPnrRunSchema>;

export function readSynthResult(file: string): SynthResult {
  if (!existsSync(file)) throw new UserError(`${file} not found: run \`bitbeat synth\` for this design and target first`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message}); run \`bitbeat synth\` again`);
  }
  const parsed = SynthResultSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`${file}: ${i.path.join('.')}: ${i.message}; run \`bitbeat synth\` again`);
  }
  return parsed.data;
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
