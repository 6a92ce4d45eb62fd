/**
 * One point of bench:hardware: a shipped model on a target at a folding spec, taken as far
 * as it goes — folding, analytical estimate, generation, a short cosimulation (measured cycles
 * per window and latency), synthesis, place and route, report. A point that stops (no folding
 * fits, the estimate exceeds the device, Yosys or nextpnr fails) is a result too: the step it
 * stopped at, the message, the estimate, and Yosys's cell counts when synthesis got that far.
 *
 * Finished points are cached by the generated design's hash (sim/cosim/design.ts: manifest,
 * Verilog and memory files) together with everything else that changes the result, so a
 * re-run after an engine change redoes exactly the designs that changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UserError } from '../cli/errors.ts';
import type { DesignManifest } from '../design/manifest.ts';
import type { Target } from '../design/targets.ts';
import { resolveFoldingSpec } from '../flow/folding-spec.ts';
import type { QModel } from '../model/qmodel.ts';
import { buildReport, modelMetrics, type DesignReport, type MeasuredAccuracy, type ModelMetrics } from '../report/index.ts';
import { buildDirFor, pnrLogName, synthesize } from '../synth/index.ts';
import type { ResourceCounts } from '../synth/resources.ts';
import { MissingToolError } from '../tools/index.ts';
import { hierarchicalCounts, parseYosysStat } from '../synth/yosys-stat.ts';
import { overUseText, overUtilised } from '../synth/nextpnr-log.ts';
import { budgetExcess, estimateDesign, fitsDevice } from '../../hdl-gen/estimate.ts';
import { fullyFolded, type ResolvedFolding } from '../../hdl-gen/folding.ts';
import { generateDesign } from '../../hdl-gen/generate.ts';
import { cosimulate, readDesignDir, syntheticWindows } from '../../sim/cosim/index.ts';
import { foldingLabel } from '../../sim/cosim/foldings.ts';

/** Bumped when a point's result changes meaning; older cached results are then redone. */
export const HARDWARE_BENCH_VERSION = 1;

export type Resources5 = { lut4: number; ff: number; bram: number; spram: number; dsp: number };

export interface HardwarePointSpec {
  /** model name (models/<name>.json) */
  model: string;
  modelPath: string;
  target: string;
  /** folding spec (src/flow/folding-spec.ts): 'auto' or 'fit' in the bench */
  folding: string;
}

export interface HardwareOptions {
  /** place-and-route seeds for designs whose estimate is at most seedLutLimit LUT4 */
  seeds: number;
  seedLutLimit: number;
  /** synthetic windows to cosimulate (0: no cosimulation; cycles are then the estimate) */
  cosimWindows: number;
  /** synthesize even when the estimate exceeds the device (shows the real size; P&R then fails) */
  force: boolean;
}

export interface HardwareResult {
  version: number;
  model: string;
  target: string;
  folding: string;
  /** ok: placed and routed; no-fit: stopped before synthesis by the estimate; failed: a tool step failed */
  status: 'ok' | 'no-fit' | 'failed';
  /** the step a no-fit or failed point stopped at, and why */
  failedStep: string | null;
  error: string | null;
  /** PE x SIMD per layer; for a no-fit folding, the fully folded design the estimate is of */
  foldingText: string | null;
  estimate: { cyclesPerWindow: number; latencyCycles: number; total: Resources5; fitsDevice: boolean } | null;
  /** cache key (design hash + options); null when no design was generated */
  key: string | null;
  seeds: number;
  /** cosimulation: windows, mismatches, measured cycles; or why it did not run */
  cosim: { windows: number; mismatches: number; cyclesPerWindow: number; latencyCycles: number } | null;
  cosimError: string | null;
  /** Yosys's whole-design counts when synthesis finished but place and route did not */
  synthesized: Omit<ResourceCounts, 'other'> | null;
  /** the full report (ok points) */
  report: DesignReport | null;
  modelMetrics: ModelMetrics;
  seconds: Record<string, number>;
}

export interface PointContext {
  model: QModel;
  target: Target;
  measuredAccuracy: MeasuredAccuracy | null;
  /** where design directories go: <designsDir>/<model>-<target>-<folding> */
  designsDir: string;
  /** earlier results by key */
  cache: Map<string, HardwareResult>;
  log: (line: string) => void;
}

function five(r: Resources5): Resources5 {
  return { lut4: r.lut4, ff: r.ff, bram: r.bram, spram: r.spram, dsp: r.dsp };
}

function withinDevice(r: Resources5, t: Target): boolean {
  return fitsDevice(r, t, 1);
}

export function pointKey(designHash: string, target: string, seeds: number, o: HardwareOptions): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: HARDWARE_BENCH_VERSION, designHash, target, seeds, cosimWindows: o.cosimWindows }))
    .digest('hex');
}

/** The step a tool failure names: the text before the first ': ' (MalformedToolOutputError and ToolFailedError start with it). */
export function stepOf(message: string): string {
  const i = message.indexOf(': ');
  return i > 0 ? message.slice(0, i) : message;
}

/** Yosys's totals from a build directory whose synthesis finished (stat.json), or null. */
function synthesizedCounts(buildDir: string, manifest: DesignManifest, target: Target): Omit<ResourceCounts, 'other'> | null {
  const file = join(buildDir, 'stat.json');
  if (!existsSync(file)) return null;
  try {
    const stat = parseYosysStat(readFileSync(file, 'utf8'), file);
    const { other: _other, ...rest } = hierarchicalCounts(stat, manifest.top, target.family);
    return rest;
  } catch (e) {
    if (e instanceof UserError) return null;
    throw e;
  }
}

type Base = Omit<HardwareResult, 'status' | 'failedStep' | 'error' | 'foldingText' | 'estimate'>;

/**
 * A point up to its design: the folding and the estimate, or the no-fit result that ends it
 * (nothing fits the target, or the estimate exceeds it); then the generated design's
 * directory and cache key.
 */
type Plan =
  | { kind: 'no-fit'; result: HardwareResult }
  | { kind: 'design'; folding: ResolvedFolding; est: ReturnType<typeof estimateDesign>; estimate: NonNullable<HardwareResult['estimate']>; foldingText: string; seeds: number };

function planPoint(spec: HardwarePointSpec, ctx: Pick<PointContext, 'model' | 'target'>, opts: HardwareOptions, base: Base): Plan {
  const { model, target } = ctx;
  let folding: ResolvedFolding;
  try {
    folding = resolveFoldingSpec(model, target, spec.folding);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    // nothing fits: show the smallest design's estimate
    const smallest = estimateDesign(model, fullyFolded(model), target);
    return {
      kind: 'no-fit',
      result: {
        ...base,
        status: 'no-fit',
        failedStep: `folding (${spec.folding})`,
        error: e.message,
        foldingText: `${foldingLabel(fullyFolded(model))} (fully folded)`,
        estimate: { cyclesPerWindow: smallest.cyclesPerWindow, latencyCycles: smallest.latencyCycles, total: five(smallest.total), fitsDevice: withinDevice(smallest.total, target) },
      },
    };
  }
  const est = estimateDesign(model, folding, target);
  const estimate = { cyclesPerWindow: est.cyclesPerWindow, latencyCycles: est.latencyCycles, total: five(est.total), fitsDevice: withinDevice(est.total, target) };
  const foldingText = foldingLabel(folding);
  if (!estimate.fitsDevice && !opts.force) {
    const d = target.resources;
    return {
      kind: 'no-fit',
      result: {
        ...base,
        status: 'no-fit',
        failedStep: 'generate (device budget)',
        error: `the estimate (${est.total.lut4} LUT4, ${est.total.ff} FF, ${est.total.bram} BRAM, ${est.total.spram} SPRAM, ${est.total.dsp} DSP) exceeds ${target.name} (${d.lut4} LUT4, ${d.ff} FF, ${d.bram} BRAM, ${d.spram} SPRAM, ${d.dsp} DSP): ${budgetExcess(est.total, target).join(', ')}; --force synthesizes it anyway`,
        foldingText,
        estimate,
      },
    };
  }
  return { kind: 'design', folding, est, estimate, foldingText, seeds: est.total.lut4 <= opts.seedLutLimit ? opts.seeds : 1 };
}

function baseOf(spec: HardwarePointSpec, ctx: Pick<PointContext, 'model' | 'measuredAccuracy'>, seconds: Record<string, number>): Base {
  return {
    version: HARDWARE_BENCH_VERSION,
    model: spec.model,
    target: spec.target,
    folding: spec.folding,
    modelMetrics: modelMetrics(ctx.model, undefined, ctx.model.name, ctx.measuredAccuracy),
    key: null,
    seeds: 0,
    cosim: null,
    cosimError: null,
    synthesized: null,
    report: null,
    seconds,
  };
}

/**
 * The design directory of a point: `<model>-<target>-<folding>`, where a folding given as a
 * file contributes its name without directories or `.json` (a path would nest directories).
 */
export function pointDirName(spec: Pick<HardwarePointSpec, 'model' | 'target' | 'folding'>): string {
  const folding = spec.folding.endsWith('.json') ? basename(spec.folding, '.json') : spec.folding;
  return `${spec.model}-${spec.target}-${folding}`;
}

/**
 * Whether an earlier result still describes what the point would be today: the same design,
 * or for a point that stopped before a design, the same estimate and message. The key is
 * rebuilt with the seeds the result was measured with, not this run's: a run limited to some
 * points with other options (e.g. `--seeds 1` for slow ECP5 places) must not hide the rest.
 * Designs are generated into `scratchDir`, never over the bench's.
 */
export function isCurrent(previous: HardwareResult, spec: HardwarePointSpec, ctx: Pick<PointContext, 'model' | 'target' | 'measuredAccuracy'>, opts: HardwareOptions, scratchDir: string): boolean {
  const plan = planPoint(spec, ctx, opts, baseOf(spec, ctx, {}));
  if (plan.kind === 'no-fit') {
    return previous.status === 'no-fit' && previous.error === plan.result.error && JSON.stringify(previous.estimate) === JSON.stringify(plan.result.estimate);
  }
  const dir = join(scratchDir, pointDirName(spec));
  generateDesign(ctx.model, plan.folding, ctx.target, dir, { modelPath: spec.modelPath, allowOverBudget: true });
  return previous.key === pointKey(readDesignDir(dir).designHash, spec.target, previous.seeds, opts);
}

export async function runHardwarePoint(spec: HardwarePointSpec, ctx: PointContext, opts: HardwareOptions): Promise<HardwareResult & { reused: boolean }> {
  const { model, target } = ctx;
  const seconds: Record<string, number> = {};
  const base = baseOf(spec, ctx, seconds);
  const plan = planPoint(spec, ctx, opts, base);
  if (plan.kind === 'no-fit') return { ...plan.result, reused: false };
  const { folding, estimate, foldingText, seeds } = plan;

  let t0 = performance.now();
  const dir = join(ctx.designsDir, pointDirName(spec));
  const manifest = generateDesign(model, folding, target, dir, { modelPath: spec.modelPath, allowOverBudget: true });
  const design = readDesignDir(dir);
  seconds.generate = (performance.now() - t0) / 1000;
  const key = pointKey(design.designHash, spec.target, seeds, opts);
  const cached = ctx.cache.get(key);
  if (cached) return { ...cached, reused: true };

  let cosim: Awaited<ReturnType<typeof cosimulate>>['result'] | undefined;
  let cosimError: string | null = null;
  if (opts.cosimWindows > 0) {
    t0 = performance.now();
    ctx.log(`  cosimulate ${opts.cosimWindows} synthetic windows`);
    try {
      const w = syntheticWindows(model, opts.cosimWindows, 1);
      cosim = (await cosimulate({ design, model, windows: w.windows, input: w.input, backpressure: 0, seed: 1, timingWindows: 3 })).result;
      if (cosim.mismatches > 0) cosimError = `${cosim.mismatches} of ${cosim.windows} windows differ from the integer reference`;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      cosimError = e.message;
    }
    seconds.cosim = (performance.now() - t0) / 1000;
  }
  const cosimSummary = cosim ? { windows: cosim.windows, mismatches: cosim.mismatches, cyclesPerWindow: cosim.cyclesPerWindow, latencyCycles: cosim.latencyCycles } : null;

  t0 = performance.now();
  ctx.log(`  synthesize, place and route on ${target.name} (${seeds} seed${seeds > 1 ? 's' : ''})`);
  const common = { ...base, key, seeds, foldingText, estimate, cosim: cosimSummary, cosimError };
  try {
    const synth = await synthesize(dir, target.name, { seeds, onProgress: (m) => ctx.log(`    ${m}`) });
    seconds.synth = (performance.now() - t0) / 1000;
    const report = buildReport({ manifest, synth: [synth], cosim, model, measuredAccuracy: ctx.measuredAccuracy });
    return { ...common, status: 'ok', failedStep: null, error: null, report, reused: false };
  } catch (e) {
    // a missing tool is the machine's problem, not the design's: stop the bench
    if (!(e instanceof UserError) || e instanceof MissingToolError) throw e;
    seconds.synth = (performance.now() - t0) / 1000;
    const buildDir = buildDirFor(dir, target);
    const synthesized = synthesizedCounts(buildDir, manifest, target);
    // the device's over-used cells say more than nextpnr's last error line
    const pnrLog = join(buildDir, pnrLogName(1)); // the primary seed (synthesize's default)
    const over = /^place and route/.test(e.message) && existsSync(pnrLog) ? overUtilised(readFileSync(pnrLog, 'utf8')) : [];
    const error = `${over.length ? `does not fit: ${overUseText(over)}; ` : ''}${e.message}`.split(`${process.cwd()}/`).join('');
    return { ...common, status: 'failed', failedStep: stepOf(e.message), error, synthesized, reused: false };
  }
}
