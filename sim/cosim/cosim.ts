/**
 * Cosimulation of one design against the integer reference: build (cached), a main run with
 * random back-pressure over every window, a short timing run without back-pressure, and the
 * bit-for-bit comparison of both runs' classes and trace streams.
 */
import { performance } from 'node:perf_hooks';
import { UserError } from '../../src/cli/errors.ts';
import { modelHash } from '../../src/model/hash.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { compileReference, type Reference } from '../../src/reference/compile.ts';
import { buildCosim, type CosimBuild } from './build.ts';
import { compareRun, streamSpecs } from './compare.ts';
import type { DesignDir } from './design.ts';
import { runHarness } from './run.ts';
import { COSIM_RESULT_FORMAT, COSIM_RESULT_VERSION, type CosimResult } from './result.ts';
import { measureCycles, percentDiff, TIMING_WINDOWS } from './timing.ts';

export interface CosimOptions {
  design: DesignDir;
  model: QModel;
  /** raw windows, model.input.length samples each */
  windows: readonly ArrayLike<number>[];
  /** where the windows came from, recorded in the result */
  input: CosimResult['input'];
  backpressure: number;
  seed: number;
  /** default: max(100000, 10 x (estimated cycles per window + latency)) */
  watchdogCycles?: number;
  /** write a VCD of the main run (compiles a VCD-capable build) */
  vcdPath?: string;
  cacheDir?: string;
  /** a reference compiled earlier for the same model (saves the compile when cosimulating many designs of one model) */
  reference?: Reference;
  /** windows of the timing run (default TIMING_WINDOWS = 7; at least 3): fewer saves time on very slow designs */
  timingWindows?: number;
}

export interface CosimRun {
  result: CosimResult;
  build: CosimBuild;
  /** wall-clock seconds: build (0 when cached), main run, comparison */
  seconds: { build: number; simulate: number; compare: number };
}

export function defaultWatchdog(design: DesignDir): number {
  const e = design.manifest.estimate;
  return Math.max(100_000, 10 * (e.cyclesPerWindow + e.latencyCycles));
}

export async function cosimulate(o: CosimOptions): Promise<CosimRun> {
  const { design, model } = o;
  const m = design.manifest;
  const hash = modelHash(model);
  if (hash !== m.model.hash) {
    throw new UserError(`model '${model.name}' (hash ${hash.slice(0, 12)}) is not the model design ${m.design} was generated from (hash ${m.model.hash.slice(0, 12)}): pass the right --model or regenerate the design`);
  }
  if (m.io.sampleBits !== model.input.sampleBits) throw new UserError(`design ${m.design} takes ${m.io.sampleBits}-bit samples but model '${model.name}' has ${model.input.sampleBits}: regenerate the design`);
  const specs = streamSpecs(model, m);
  const ref = o.reference ?? compileReference(model);
  const n = model.input.length;
  for (const [i, w] of o.windows.entries()) {
    if (w.length !== n) throw new UserError(`window ${i} has ${w.length} samples; model '${model.name}' takes ${n}-sample windows`);
  }
  const watchdogCycles = o.watchdogCycles ?? defaultWatchdog(design);

  let t = performance.now();
  const build = await buildCosim(design, { vcd: o.vcdPath !== undefined, cacheDir: o.cacheDir });
  const buildSeconds = build.cached ? 0 : (performance.now() - t) / 1000;

  t = performance.now();
  // The timing run: the first windows again (repeated when there are fewer), back to back,
  // no back-pressure. It is short and runs beside the main run (two processes).
  const timingCount = o.timingWindows ?? TIMING_WINDOWS;
  if (!Number.isInteger(timingCount) || timingCount < 3) throw new RangeError(`cosim: timingWindows must be an integer >= 3, got ${timingCount}`);
  const timingWindows = Array.from({ length: timingCount }, (_, i) => o.windows[i % o.windows.length]!);
  const [main, timing] = await Promise.all([
    runHarness(build, design, o.windows, n, { backpressure: o.backpressure, seed: o.seed, watchdogCycles, vcdPath: o.vcdPath }),
    runHarness(build, design, timingWindows, n, { backpressure: 0, seed: o.seed, watchdogCycles }),
  ]);
  const simulateSeconds = (performance.now() - t) / 1000;

  t = performance.now();
  const cmp = compareRun(ref, specs, o.windows, main, 'main');
  const cmpTiming = compareRun(ref, specs, timingWindows, timing, 'timing');
  const compareSeconds = (performance.now() - t) / 1000;

  const measured = measureCycles(timing.timing);
  const est = m.estimate;
  const result: CosimResult = {
    format: COSIM_RESULT_FORMAT,
    version: COSIM_RESULT_VERSION,
    design: m.design,
    top: m.top,
    designHash: design.designHash,
    model: { name: model.name, hash },
    verilator: build.verilatorVersion,
    input: o.input,
    windows: o.windows.length,
    mismatches: cmp.mismatchedWindows,
    classMismatches: cmp.classMismatches,
    elementMismatches: cmp.elementMismatches,
    timingMismatches: cmpTiming.mismatchedWindows,
    firstMismatch: cmp.firstMismatch ?? cmpTiming.firstMismatch,
    streams: cmp.streams,
    classOnly: specs.length === 0,
    cyclesPerWindow: measured.cyclesPerWindow,
    latencyCycles: measured.latencyCycles,
    estimate: { cyclesPerWindow: est.cyclesPerWindow, latencyCycles: est.latencyCycles },
    diffPercent: { cyclesPerWindow: percentDiff(measured.cyclesPerWindow, est.cyclesPerWindow), latencyCycles: percentDiff(measured.latencyCycles, est.latencyCycles) },
    timingWindows: timingCount,
    backpressure: o.backpressure,
    seed: o.seed,
    cycles: main.cycles,
    watchdogCycles,
  };
  return { result, build, seconds: { build: buildSeconds, simulate: simulateSeconds, compare: compareSeconds } };
}
