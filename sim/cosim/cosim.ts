/**
 * Cosimulation of one design against the integer reference: build (cached), a main run with
 * random back-pressure over every window, a short timing run without back-pressure, and the
 * bit-for-bit comparison of both runs' classes and trace streams.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { UserError } from '../../src/cli/errors.ts';
import { modelHash } from '../../src/model/hash.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { compileReference, type Reference } from '../../src/reference/compile.ts';
import { buildCosim, type CosimBuild } from './build.ts';
import { compareRun, mergeComparisons, streamSpecs, type Comparison } from './compare.ts';
import type { DesignDir } from './design.ts';
import type { HarnessOutput } from './io.ts';
import { CosimDeadlockError, CosimProtocolError, runHarness } from './run.ts';
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
  /**
   * simulator processes running at once (default defaultProcesses()). The main run's parts
   * (mainRunParts) and the timing run are queued to them; each part is compared with the
   * reference as soon as it is done, while the others still simulate. The result does not
   * depend on this number, only the wall-clock time does.
   */
  processes?: number;
}

/** Parts of a split main run have at least this many windows: each part's pipeline fill and drain are overhead. */
export const MIN_WINDOWS_PER_PART = 4;
/** About this many windows per part of a long main run: small enough to compare parts while later ones simulate. */
export const PART_WINDOWS = 200;

/** Simulator processes at once by default: 2, or 1 on a single-CPU machine. */
export function defaultProcesses(): number {
  return Math.min(2, availableParallelism());
}

/**
 * Parts of the main run over `windows` windows (1 with a VCD, which is one file of one run):
 * an even number, so two processes share them evenly, of about PART_WINDOWS windows each and
 * at least MIN_WINDOWS_PER_PART; a single part below 2 x MIN_WINDOWS_PER_PART windows. It
 * depends on the window count only, so results are the same for any number of processes.
 */
export function mainRunParts(windows: number, vcd: boolean): number {
  if (vcd || windows < 2 * MIN_WINDOWS_PER_PART) return 1;
  return 2 * Math.ceil(windows / (2 * PART_WINDOWS));
}

/**
 * Back-pressure seed of part `part` of a split main run: part 0 keeps the run's seed (so a
 * single part is the unsplit run), the others get distinct seeds, so their random valid/ready
 * patterns are not copies of part 0's.
 */
export function partSeed(seed: number, part: number): number {
  return (seed + Math.imul(part, 0x9e3779b9)) >>> 0;
}

/** Splits [0, n) into `parts` consecutive ranges whose sizes differ by at most one. */
export function splitRanges(n: number, parts: number): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  for (let p = 0, start = 0; p < parts; p++) {
    const end = start + Math.floor(n / parts) + (p < n % parts ? 1 : 0);
    out.push({ start, end });
    start = end;
  }
  return out;
}

export interface CosimRun {
  result: CosimResult;
  build: CosimBuild;
  /**
   * wall-clock seconds: build (0 when cached); run = simulation and comparison, which overlap
   * (windows/s = windows / run); compare = the part of it spent comparing in this process
   */
  seconds: { build: number; run: number; compare: number };
  /** simulator processes that ran at once */
  processes: number;
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

  const processes = o.processes ?? defaultProcesses();
  if (!Number.isInteger(processes) || processes < 1) throw new UserError(`cosim: processes must be an integer >= 1, got ${processes}`);

  t = performance.now();
  // The timing run: the first windows again (repeated when there are fewer), back to back,
  // no back-pressure. It is short and goes first.
  const timingCount = o.timingWindows ?? TIMING_WINDOWS;
  if (!Number.isInteger(timingCount) || timingCount < 3) throw new RangeError(`cosim: timingWindows must be an integer >= 3, got ${timingCount}`);
  const timingWindows = Array.from({ length: timingCount }, (_, i) => o.windows[i % o.windows.length]!);
  const parts = splitRanges(o.windows.length, mainRunParts(o.windows.length, o.vcdPath !== undefined));
  let compareMs = 0;
  const compare = <T>(f: () => T): T => {
    const c = performance.now();
    try {
      return f();
    } finally {
      compareMs += performance.now() - c;
    }
  };
  let timing: HarnessOutput | undefined;
  let cmpTiming: Comparison | undefined;
  const mainCycles: number[] = [];
  const cmps: Comparison[] = [];
  const jobs: Array<() => Promise<void>> = [
    async () => {
      timing = await runHarness(build, design, timingWindows, n, { backpressure: 0, seed: o.seed, watchdogCycles }).catch((e: unknown) => {
        throw annotate(e, ` [timing run: the first ${timingCount} windows again, back to back, without back-pressure]`);
      });
      cmpTiming = compare(() => compareRun(ref, specs, timingWindows, timing!, 'timing'));
    },
    ...parts.map((r, p) => async () => {
      const windows = o.windows.slice(r.start, r.end);
      const out = await runHarness(build, design, windows, n, { backpressure: o.backpressure, seed: partSeed(o.seed, p), watchdogCycles, vcdPath: o.vcdPath }).catch((e: unknown) => {
        throw parts.length > 1 ? annotate(e, ` [main run part ${p + 1} of ${parts.length}: windows ${r.start}..${r.end - 1}; window and cycle numbers above count from the part's start]`) : e;
      });
      mainCycles[p] = out.cycles;
      // Each part is compared on its own (its trace streams start at its first window), here
      // in this process while the simulator processes run the next parts.
      cmps[p] = compare(() => compareRun(ref, specs, windows, out, 'main', r.start));
    }),
  ];
  // a failure of the main run is reported before one of the timing run (job 0)
  await runPool(jobs, processes, (i) => (i === 0 ? jobs.length : i));
  const runSeconds = (performance.now() - t) / 1000;
  const cmp = mergeComparisons(cmps);

  const measured = measureCycles(timing!.timing);
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
    timingMismatches: cmpTiming!.mismatchedWindows,
    firstMismatch: cmp.firstMismatch ?? cmpTiming!.firstMismatch,
    streams: cmp.streams,
    classOnly: specs.length === 0,
    cyclesPerWindow: measured.cyclesPerWindow,
    latencyCycles: measured.latencyCycles,
    estimate: { cyclesPerWindow: est.cyclesPerWindow, latencyCycles: est.latencyCycles },
    diffPercent: { cyclesPerWindow: percentDiff(measured.cyclesPerWindow, est.cyclesPerWindow), latencyCycles: percentDiff(measured.latencyCycles, est.latencyCycles) },
    timingWindows: timingCount,
    backpressure: o.backpressure,
    seed: o.seed,
    cycles: mainCycles.reduce((a, c) => a + c, 0),
    parts: parts.length,
    watchdogCycles,
  };
  return { result, build, seconds: { build: buildSeconds, run: runSeconds, compare: compareMs / 1000 }, processes };
}

/**
 * Runs jobs with at most `width` at once, in order. After a failure no new job starts; the
 * running ones are waited for (no simulator is left behind), then the failure of the job with
 * the lowest rank is thrown.
 */
async function runPool(jobs: ReadonlyArray<() => Promise<void>>, width: number, rank: (job: number) => number): Promise<void> {
  let next = 0;
  const failures: Array<{ rank: number; error: unknown }> = [];
  const worker = async (): Promise<void> => {
    while (next < jobs.length && failures.length === 0) {
      const i = next++;
      try {
        await jobs[i]!();
      } catch (error) {
        failures.push({ rank: rank(i), error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  if (failures.length) throw failures.sort((a, b) => a.rank - b.rank)[0]!.error;
}

/** A harness failure with a note saying which run it comes from (the harness numbers windows and cycles from that run's start). */
function annotate(e: unknown, where: string): unknown {
  if (!(e instanceof Error)) return e;
  if (e instanceof CosimDeadlockError) return new CosimDeadlockError(e.message + where);
  if (e instanceof CosimProtocolError) return new CosimProtocolError(e.message + where);
  e.message += where;
  return e;
}
