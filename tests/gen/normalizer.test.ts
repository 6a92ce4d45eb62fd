/**
 * Input normalizer block under Verilator, value for value against the integer reference
 * (src/model/normalizer.ts): the statistics unit alone (exhaustive mean divider at a small N,
 * extreme and random windows at N = 3600), the whole z-score block on many random windows
 * with random valid/ready back-pressure on both sides and back-to-back windows (ping-pong and
 * single buffer), its cycle timing against normalizerTiming, the offset kind, lint and Yosys.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRng, type Rng } from '../../src/data/rng.ts';
import { emitDesign, type Module } from '../../src/hdl/index.ts';
import { DEFAULT_ZSCORE, normalizeWindow, zscoreStats } from '../../src/model/normalizer.ts';
import type { Normalizer, ZScoreNormalizer } from '../../src/model/qmodel.ts';
import { resolveTool, runTool } from '../../src/tools/index.ts';
import { Simulator, type SimOutputs } from '../../sim/index.ts';
import {
  buildNormalizer,
  estimateNormalizerResources,
  normalizerAccumulateDsp,
  normalizerDspProducts,
  normalizerStatsSquareDsp,
  normalizerTiming,
  PASS2_STAGES,
  type NormalizerOptions,
} from '../../hdl-gen/blocks/normalizer.ts';
import { buildStatsUnit, statsModel, statsWidths, type StatsSqrtMove } from '../../hdl-gen/blocks/normalizer-stats.ts';
import { unpackLanes } from './streams.ts';

const B = 12;
const XMIN = -(2 ** (B - 1));
const XMAX = 2 ** (B - 1) - 1;

// ---- windows ---------------------------------------------------------------------------

const clampX = (v: number) => Math.max(XMIN, Math.min(XMAX, Math.round(v)));

/** Window kinds chosen to reach every corner of the arithmetic. */
const WINDOW_KINDS = ['uniform', 'constant', 'tiny', 'extremes', 'negative', 'ecg', 'small-noise', 'spike', 'ramp'] as const;

function makeWindow(kind: (typeof WINDOW_KINDS)[number], n: number, rng: Rng): number[] {
  const w = new Array<number>(n);
  switch (kind) {
    case 'uniform':
      for (let i = 0; i < n; i++) w[i] = XMIN + rng.int(2 ** B);
      break;
    case 'constant': {
      // sdN = 0: r saturates, every z is 0; include the extreme codes
      const c = [XMIN, XMAX, 0, -1, XMIN + rng.int(2 ** B)][rng.int(5)]!;
      w.fill(c);
      break;
    }
    case 'tiny': {
      // one sample off by 1 or 4: sdN tiny, r saturates at 2^recipWidth - 1, z non-zero
      // (at small N, +4 drives z to the top of its range)
      const c = XMIN + 4 + rng.int(2 ** B - 8);
      w.fill(c);
      w[rng.int(n)] = c + (rng() < 0.5 ? 1 : 4) * (rng() < 0.5 ? 1 : -1);
      break;
    }
    case 'extremes':
      for (let i = 0; i < n; i++) w[i] = rng() < 0.5 ? XMIN : XMAX;
      break;
    case 'negative': {
      // all negative, mean not a multiple of N: floor of a negative quotient
      const base = -1900 + rng.int(1500);
      for (let i = 0; i < n; i++) w[i] = clampX(base + 25 * rng.normal());
      break;
    }
    case 'ecg': {
      const base = rng.int(400) - 200;
      for (let i = 0; i < n; i++) w[i] = clampX(base + 60 * Math.sin((2 * Math.PI * i) / 23) + (i % 29 === 5 ? 900 : 0) + 4 * rng.normal());
      break;
    }
    case 'small-noise': {
      const base = XMIN + rng.int(2 ** B);
      for (let i = 0; i < n; i++) w[i] = clampX(base + 1.5 * rng.normal());
      break;
    }
    case 'spike': {
      // a flat window with one full-scale spike: the spike's z clamps at the top
      const base = rng.int(100) - 1000;
      w.fill(base);
      for (let i = 0; i < n; i++) if (rng() < 0.3) w[i] = base + rng.int(3) - 1;
      w[rng.int(n)] = rng() < 0.5 ? XMAX : XMIN;
      break;
    }
    case 'ramp': {
      const lo = XMIN + rng.int(2 ** B);
      for (let i = 0; i < n; i++) w[i] = clampX(lo + ((i * (XMAX - lo)) / n) * (rng() < 0.5 ? 1 : -1));
      break;
    }
  }
  return w;
}

/** Windows of every kind; narrower samples are the 12-bit ones shifted down (floor). */
function randomWindows(count: number, n: number, seed: number, sampleBits = B): number[][] {
  const rng = makeRng(seed);
  const shift = B - sampleBits;
  return Array.from({ length: count }, (_, k) => makeWindow(WINDOW_KINDS[k % WINDOW_KINDS.length]!, n, rng).map((x) => x >> shift));
}

// ---- streaming driver ------------------------------------------------------------------

interface StreamRun {
  z: number[];
  /** cycle of each accepted input sample */
  inCycles: number[];
  /** cycle of each z taken by the sink */
  outCycles: number[];
  /** stats_valid pulses (debug builds) */
  stats: { cycle: number; mean: number; sdn: bigint; recip: number }[];
  cycles: number;
}

/**
 * Drives the block cycle by cycle: a producer that raises valid with probability pIn and holds
 * the sample until it is taken, a consumer whose ready is high with probability pOut.
 */
async function stream(sim: Simulator, samples: number[], pIn: number, pOut: number, seed: number, lanes?: { lanes: number; n: number; outBits: number }): Promise<StreamRun> {
  const rng = makeRng(seed);
  const s = await sim.open();
  const run: StreamRun = { z: [], inCycles: [], outCycles: [], stats: [], cycles: 0 };
  let idx = 0;
  let valid = false;
  let idle = 0;
  try {
    for (let cyc = 0; run.z.length < samples.length; cyc++) {
      if (!valid && idx < samples.length && rng() < pIn) valid = true;
      const ready = rng() < pOut;
      const o: SimOutputs = await s.step({ in_valid: valid ? 1 : 0, in_payload: valid ? samples[idx]! : 0, out_ready: ready ? 1 : 0 });
      let progress = false;
      if (valid && o.in_ready === 1n) {
        run.inCycles.push(cyc);
        idx++;
        valid = false;
        progress = true;
      }
      if (o.out_valid === 1n && ready) {
        if (!lanes) run.z.push(Number(o.out_payload));
        else {
          // a beat of `lanes` z values; the lanes past the window's end are not samples
          const inWindow = run.z.length % lanes.n;
          const take = Math.min(lanes.lanes, lanes.n - inWindow);
          run.z.push(...unpackLanes(o.out_payload!, lanes.lanes, lanes.outBits, true).slice(0, take));
        }
        run.outCycles.push(cyc);
        progress = true;
      }
      if (o.stats_valid === 1n) run.stats.push({ cycle: cyc, mean: Number(o.stats_mean), sdn: o.stats_sdn!, recip: Number(o.stats_recip) });
      // liveness watchdog: the block must make progress within a few windows' worth of cycles
      idle = progress ? 0 : idle + 1;
      if (idle > 50_000) throw new Error(`no progress for 50000 cycles at cycle ${cyc} (${idx} samples in, ${run.z.length} z out)`);
      run.cycles = cyc + 1;
    }
  } finally {
    s.close();
  }
  return run;
}

function expectWindowsMatch(run: StreamRun, windows: number[][], nz: Normalizer, n: number): void {
  expect(run.z.length).toBe(windows.length * n);
  windows.forEach((w, k) => {
    const want = Array.from(normalizeWindow(w, nz));
    const got = run.z.slice(k * n, (k + 1) * n);
    for (let i = 0; i < n; i++) if (got[i] !== want[i]) expect(got[i], `window ${k} sample ${i} (x = ${w[i]}, window ${JSON.stringify(w)})`).toBe(want[i]);
  });
}

/**
 * 'dsp+sq': DSP products, the statistics unit's U1^2 from DSPs, the signed pass-2 product, one
 * address counter per buffer and, with one buffer, U2 accumulated in the square's DSP (the
 * UP5K's form); 'logic+bc': logic products with one
 * address counter per buffer (the HX8K's form)
 */
function multiplierOpts(m: 'logic' | 'dsp' | 'dsp+sq' | 'logic+bc'): Pick<NormalizerOptions, 'multipliers' | 'statsSquareDsp' | 'scaleSignedDsp' | 'bufferCounters' | 'accumulateDsp'> {
  if (m === 'dsp+sq') return { multipliers: 'dsp', statsSquareDsp: true, scaleSignedDsp: true, bufferCounters: true, accumulateDsp: true };
  if (m === 'logic+bc') return { multipliers: 'logic', bufferCounters: true };
  return { multipliers: m };
}

const builds = new Map<string, Promise<Simulator>>();
function simOf(opts: NormalizerOptions): Promise<Simulator> {
  const key = JSON.stringify(opts);
  if (!builds.has(key)) builds.set(key, Simulator.build(buildNormalizer(opts)));
  return builds.get(key)!;
}

// ---- the statistics unit alone -----------------------------------------------------------

/** Runs the unit over (U1, U2) pairs in one batch: start, wait the documented steps, take. */
async function runStats(nz: ZScoreNormalizer, n: number, sampleBits: number, sums: [bigint, bigint][], sqrtMove: StatsSqrtMove = 'shift', squareDsp = false): Promise<void> {
  const sw = statsWidths(nz, n, sampleBits, sqrtMove, squareDsp);
  const sim = await Simulator.build(buildStatsUnit(nz, n, sampleBits, undefined, sqrtMove, squareDsp));
  const cycles: Record<string, bigint | number>[] = [];
  for (const [u1, u2] of sums) {
    cycles.push({ start: 1, u1, u2, take: 0 });
    for (let i = 0; i < sw.steps; i++) cycles.push({ start: 0 });
    cycles.push({ take: 1 });
  }
  const got = sim.run(cycles);
  const period = sw.steps + 2;
  sums.forEach(([u1, u2], k) => {
    const want = statsModel(u1, u2, nz, n);
    const before = got[k * period + sw.steps]!;
    const o = got[k * period + sw.steps + 1]!;
    const what = `U1=${u1} U2=${u2}`;
    expect(before.done, `${what}: done one cycle early`).toBe(0n);
    expect(o.done, `${what}: not done after ${sw.steps} steps`).toBe(1n);
    if (o.mean_u !== want.meanU || o.sdn !== want.sdn || o.recip !== want.recip) {
      expect({ mean_u: o.mean_u, sdn: o.sdn, recip: o.recip }, what).toEqual({ mean_u: want.meanU, sdn: want.sdn, recip: want.recip });
    }
  });
}

/** U1, U2 of a window of biased samples u = x + 2^(B-1). */
function sumsOf(w: number[], sampleBits: number): [bigint, bigint] {
  let s1 = 0n;
  let s2 = 0n;
  for (const x of w) {
    const u = BigInt(x + 2 ** (sampleBits - 1));
    s1 += u;
    s2 += u * u;
  }
  return [s1, s2];
}

describe('normalizer statistics unit', () => {
  for (const [sqrtMove, squareDsp] of [['shift', false], ['adder', false], ['adder', true]] as const) it(`mean divider exact for every reachable U1 at N=16, 8-bit samples (with sdN and r, two spreads per sum), SQRT move '${sqrtMove}'${squareDsp ? ', U1^2 from DSP products' : ''}`, async () => {
    const n = 16;
    const sb = 8;
    const uMax = 2 ** sb - 1;
    const sums: [bigint, bigint][] = [];
    for (let s = 0; s <= n * uMax; s++) {
      // least spread: values q and q+1; most spread: full-scale values, one partial, zeros
      const q = Math.floor(s / n);
      const r = s - q * n;
      const even = Array.from({ length: n }, (_, i) => (i < r ? q + 1 : q));
      const full = Math.floor(s / uMax);
      const wide = Array.from({ length: n }, (_, i) => (i < full ? uMax : i === full ? s - full * uMax : 0));
      for (const u of [even, wide]) sums.push(sumsOf(u.map((v) => v - 2 ** (sb - 1)), sb));
    }
    expect(sums.length).toBe(2 * (n * uMax + 1));
    await runStats(DEFAULT_ZSCORE, n, sb, sums, sqrtMove, squareDsp);
  });

  for (const [sqrtMove, squareDsp] of [['shift', false], ['adder', false], ['adder', true]] as const) it(`N=3600, 12-bit samples, default z-score: extreme and random windows, SQRT move '${sqrtMove}'${squareDsp ? ', U1^2 from DSP products' : ''}`, async () => {
    const n = 3600;
    const windows: number[][] = [
      new Array(n).fill(XMIN), // U1 = 0
      new Array(n).fill(XMAX), // U1 = N * (2^B - 1)
      Array.from({ length: n }, (_, i) => (i % 2 === 0 ? XMIN : XMAX)), // largest D
      Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0)), // sdN tiny: r saturates
      Array.from({ length: n }, (_, i) => (i < n - 1 ? -1 : 0)), // negative, not a multiple of N
    ];
    const rng = makeRng(36);
    for (let k = 0; k < 300; k++) windows.push(makeWindow(WINDOW_KINDS[k % WINDOW_KINDS.length]!, n, rng));
    // sums next to multiples of N (where a divider would be off by one)
    const sums = windows.map((w) => sumsOf(w, B));
    for (const m of [1n, 2047n, 2048n, 4094n]) {
      for (const d of [-1n, 0n, 1n]) {
        const u1 = m * 3600n + d;
        const q = u1 / 3600n;
        const r = u1 - q * 3600n;
        sums.push([u1, r * (q + 1n) * (q + 1n) + (3600n - r) * q * q]);
      }
    }
    await runStats(DEFAULT_ZSCORE, n, B, sums, sqrtMove, squareDsp);
  });
});

// ---- the whole z-score block -------------------------------------------------------------

describe('z-score normalizer block vs normalizeWindow', () => {
  for (const [n, buffers, count, multipliers] of [
    [37, 2, 45, 'logic'],
    [16, 1, 36, 'logic'],
    [37, 2, 45, 'dsp'],
    [16, 1, 36, 'dsp'],
    [128, 2, 45, 'dsp+sq'],
    [16, 1, 36, 'dsp+sq'],
    [37, 2, 45, 'logic+bc'],
    [16, 1, 36, 'logic+bc'],
  ] as const) {
    it(`N=${n}, ${buffers} buffer${buffers > 1 ? 's' : ''}, ${multipliers} multipliers: ${count} back-to-back random windows, random back-pressure on both sides`, async () => {
      const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n, sampleBits: B, buffers, exposeStats: true, ...multiplierOpts(multipliers) };
      if (multipliers === 'dsp+sq' && n >= 128) expect(normalizerStatsSquareDsp(opts)).toBe(true);
      if (multipliers === 'dsp+sq') expect(normalizerAccumulateDsp(opts)).toBe(buffers === 1);
      const sim = await simOf(opts);
      const windows = randomWindows(count, n, 100 + n);
      // three regimes: slow producer, slow consumer, both fast
      const thirds = [windows.slice(0, 15), windows.slice(15, 30), windows.slice(30)];
      const rates: [number, number][] = [
        [0.35, 0.9],
        [0.95, 0.3],
        [0.8, 0.75],
      ];
      for (let part = 0; part < 3; part++) {
        const run = await stream(sim, thirds[part]!.flat(), rates[part]![0], rates[part]![1], part + 7 * n);
        expectWindowsMatch(run, thirds[part]!, DEFAULT_ZSCORE, n);
        expect(run.stats.length).toBe(thirds[part]!.length);
        run.stats.forEach((st, k) => {
          const want = zscoreStats(thirds[part]![k]!, DEFAULT_ZSCORE);
          expect({ mean: st.mean, sdn: st.sdn, recip: st.recip }, `window ${k}`).toEqual({ mean: want.mean, sdn: want.sdN, recip: want.recip });
        });
      }
      // the corners were really reached
      const all = windows.map((w) => zscoreStats(w, DEFAULT_ZSCORE));
      expect(all.some((s) => s.sdN === 0n)).toBe(true);
      expect(all.some((s) => s.sdN > 0n && s.recip === 2 ** DEFAULT_ZSCORE.recipWidth - 1)).toBe(true);
      expect(all.some((s) => s.mean < 0 && s.mean * n !== windows[all.indexOf(s)]!.reduce((a, b) => a + b, 0))).toBe(true);
      const zs = windows.flatMap((w) => Array.from(normalizeWindow(w, DEFAULT_ZSCORE)));
      expect(zs).toContain(127);
      // a single negative spike reaches at most -sqrt(N-1) standard deviations: -128 needs N > 17
      if (n > 17) expect(zs).toContain(-128);
    });
  }

  for (const [n, buffers, multipliers] of [
    [37, 2, 'logic'],
    [16, 1, 'logic'],
    [37, 2, 'dsp'],
    [16, 1, 'dsp'],
    [128, 2, 'dsp'],
    [128, 2, 'dsp+sq'],
    [128, 1, 'dsp+sq'],
    [37, 2, 'logic+bc'],
    [16, 1, 'logic+bc'],
  ] as const) {
    it(`N=${n}, ${buffers} buffer${buffers > 1 ? 's' : ''}, ${multipliers} multipliers: cycles per window and latency match normalizerTiming`, async () => {
      const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n, sampleBits: B, buffers, exposeStats: true, ...multiplierOpts(multipliers) };
      const sim = await simOf(opts);
      const windows = randomWindows(8, n, 5);
      const run = await stream(sim, windows.flat(), 1, 1, 1);
      expectWindowsMatch(run, windows, DEFAULT_ZSCORE, n);
      const t = normalizerTiming(opts);
      const lastIn = (k: number) => run.inCycles[(k + 1) * n - 1]!;
      expect(run.outCycles[0]! - lastIn(0)).toBe(t.latencyAfterLastSample);
      // steady state (the first window enters an idle block): per pair of windows. With two
      // buffers and pass 2 slower than the unit (N + 4 > S + 3, N >= 128 here) the second window
      // also enters a transient: its statistics wait 4 cycles once for pass 2 (window 0's reads
      // and pipeline), which delays window 3; from window 2 on the pairs take 2 cyclesPerWindow.
      const first = (buffers === 2 && n + PASS2_STAGES > t.statsSteps + 3) ? 2 : 1;
      for (let k = first; k + 2 < windows.length; k++) expect(lastIn(k + 2) - lastIn(k), `windows ${k}..${k + 2}`).toBe(2 * t.cyclesPerWindow);
      // pass 2 streams one z per cycle
      for (let k = 0; k < windows.length; k++) expect(run.outCycles[(k + 1) * n - 1]! - run.outCycles[k * n]!).toBe(n - 1);
    });
  }

  // other parameter sets: no final shift (recipBits = fracBits) with wide z; and a reciprocal
  // that always saturates (T = N * 2^12 exceeds every sdN), with 6-bit z (z ~ x - mean, clamped)
  for (const [n, sampleBits, nz, buffers, multipliers] of [
    [40, 10, { kind: 'zscore', recipBits: 8, recipWidth: 12, fracBits: 8, outBits: 12 }, 1, 'logic'],
    [23, 8, { kind: 'zscore', recipBits: 20, recipWidth: 8, fracBits: 12, outBits: 6 }, 2, 'logic'],
    [40, 10, { kind: 'zscore', recipBits: 8, recipWidth: 12, fracBits: 8, outBits: 12 }, 1, 'dsp'],
    [23, 8, { kind: 'zscore', recipBits: 20, recipWidth: 8, fracBits: 12, outBits: 6 }, 2, 'dsp'],
    [40, 10, { kind: 'zscore', recipBits: 8, recipWidth: 12, fracBits: 8, outBits: 12 }, 1, 'dsp+sq'],
    [23, 8, { kind: 'zscore', recipBits: 20, recipWidth: 8, fracBits: 12, outBits: 6 }, 2, 'dsp+sq'],
  ] as const) {
    it(`N=${n}, ${sampleBits}-bit samples, recipBits ${nz.recipBits} recipWidth ${nz.recipWidth} fracBits ${nz.fracBits} outBits ${nz.outBits}, ${multipliers} multipliers: random windows`, async () => {
      const sim = await simOf({ normalizer: nz, n, sampleBits, buffers, exposeStats: true, ...multiplierOpts(multipliers) });
      const windows = randomWindows(27, n, n, sampleBits);
      const run = await stream(sim, windows.flat(), 0.7, 0.7, n);
      expectWindowsMatch(run, windows, nz, n);
      run.stats.forEach((st, k) => {
        const want = zscoreStats(windows[k]!, nz);
        expect({ mean: st.mean, sdn: st.sdn, recip: st.recip }, `window ${k}`).toEqual({ mean: want.mean, sdn: want.sdN, recip: want.recip });
      });
      expect(run.stats.length).toBe(windows.length);
    });
  }

  for (const multipliers of ['logic', 'dsp', 'dsp+sq'] as const) it(`N=3600, real-model parameters (DEFAULT_ZSCORE, SPRAM build), ${multipliers} multipliers: three windows`, async () => {
    const n = 3600;
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n, sampleBits: B, buffers: 2, bufferStorage: 'spram', ...multiplierOpts(multipliers) };
    const sim = await simOf(opts);
    const rng = makeRng(3600);
    const windows = [makeWindow('ecg', n, rng), makeWindow('negative', n, rng), makeWindow('extremes', n, rng)];
    const run = await stream(sim, windows.flat(), 0.9, 0.7, 11);
    expectWindowsMatch(run, windows, DEFAULT_ZSCORE, n);
  });

  // one buffer, the UP5K's form: U2's low 32 bits in the square's DSP, its wraps counted (full
  // scale: 3600 * 4095^2 wraps 14 times; the smaller-N tests above never wrap)
  it('N=3600, one buffer, dsp+sq multipliers (U2 in the square\'s DSP): full-scale, extreme and ECG windows under back-pressure, exact statistics', async () => {
    const n = 3600;
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n, sampleBits: B, buffers: 1, bufferStorage: 'spram', exposeStats: true, ...multiplierOpts('dsp+sq') };
    expect(normalizerAccumulateDsp(opts)).toBe(true);
    const sim = await simOf(opts);
    const rng = makeRng(3601);
    const windows = [new Array(n).fill(XMAX), makeWindow('extremes', n, rng), Array.from({ length: n }, (_, i) => (i % 2 === 0 ? XMIN : XMAX)), makeWindow('ecg', n, rng)];
    const run = await stream(sim, windows.flat(), 0.9, 0.6, 12);
    expectWindowsMatch(run, windows, DEFAULT_ZSCORE, n);
    expect(run.stats.length).toBe(windows.length);
    run.stats.forEach((st, k) => {
      const want = zscoreStats(windows[k]!, DEFAULT_ZSCORE);
      expect({ mean: st.mean, sdn: st.sdn, recip: st.recip }, `window ${k}`).toEqual({ mean: want.mean, sdn: want.sdN, recip: want.recip });
    });
  });
});

// ---- several samples per beat (pass 2 lanes) ----------------------------------------------

describe('z-score normalizer with several samples per beat vs normalizeWindow', () => {
  for (const [n, buffers, lanes, multipliers] of [
    [37, 2, 2, 'logic'],
    [16, 1, 2, 'dsp'],
    [38, 2, 2, 'dsp'],
    [23, 1, 3, 'logic'],
  ] as const) {
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n, sampleBits: B, buffers, lanes, exposeStats: true, multipliers };
    const laneOpts = { lanes, n, outBits: DEFAULT_ZSCORE.outBits };
    it(`N=${n} (${n % lanes === 0 ? 'whole' : 'partial'} last beat), ${lanes} lanes, ${buffers} buffer${buffers > 1 ? 's' : ''}, ${multipliers} multipliers: random windows, random back-pressure`, async () => {
      const sim = await simOf(opts);
      const windows = randomWindows(36, n, 300 + n);
      const rates: [number, number][] = [
        [0.35, 0.9],
        [0.95, 0.3],
        [0.8, 0.75],
      ];
      for (let part = 0; part < 3; part++) {
        const ws = windows.slice(12 * part, 12 * part + 12);
        const run = await stream(sim, ws.flat(), rates[part]![0], rates[part]![1], part + 11 * n, laneOpts);
        expectWindowsMatch(run, ws, DEFAULT_ZSCORE, n);
        expect(run.stats.length).toBe(ws.length);
      }
    });
    it(`N=${n}, ${lanes} lanes, ${buffers} buffer${buffers > 1 ? 's' : ''}, ${multipliers} multipliers: cycles per window and latency match normalizerTiming`, async () => {
      const sim = await simOf(opts);
      const windows = randomWindows(8, n, 6);
      const run = await stream(sim, windows.flat(), 1, 1, 1, laneOpts);
      expectWindowsMatch(run, windows, DEFAULT_ZSCORE, n);
      const t = normalizerTiming(opts);
      const beats = Math.ceil(n / lanes);
      const lastIn = (k: number) => run.inCycles[(k + 1) * n - 1]!;
      expect(run.outCycles.length).toBe(windows.length * beats);
      expect(run.outCycles[0]! - lastIn(0)).toBe(t.latencyAfterLastSample);
      for (let k = 1; k + 2 < windows.length; k++) expect(lastIn(k + 2) - lastIn(k), `windows ${k}..${k + 2}`).toBe(2 * t.cyclesPerWindow);
      // pass 2 sends one beat per cycle
      for (let k = 0; k < windows.length; k++) expect(run.outCycles[(k + 1) * beats - 1]! - run.outCycles[k * beats]!).toBe(beats - 1);
    });
  }

  it('N=3600, 2 lanes, real-model parameters, dsp multipliers: three windows; one DSP per lane product', async () => {
    const n = 3600;
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n, sampleBits: B, buffers: 2, lanes: 2, multipliers: 'dsp' };
    const sim = await simOf(opts);
    const rng = makeRng(3601);
    const windows = [makeWindow('ecg', n, rng), makeWindow('negative', n, rng), makeWindow('extremes', n, rng)];
    const run = await stream(sim, windows.flat(), 0.9, 0.7, 12, { lanes: 2, n, outBits: DEFAULT_ZSCORE.outBits });
    expectWindowsMatch(run, windows, DEFAULT_ZSCORE, n);
    expect(estimateNormalizerResources({ ...opts, family: 'ecp5' }).dsp).toBe(3);
  });

  it('rejects lanes it cannot build', () => {
    expect(() => buildNormalizer({ normalizer: DEFAULT_ZSCORE, n: 16, sampleBits: B, lanes: 5 })).toThrow(/lanes must be 1\.\.4/);
    expect(() => buildNormalizer({ normalizer: { kind: 'offset', offset: 0, shift: 0, outBits: 8 }, n: 16, sampleBits: B, lanes: 2 })).toThrow(/z-score/);
  });
});

// ---- offset kind -------------------------------------------------------------------------

describe('offset normalizer block', () => {
  for (const nz of [
    { kind: 'offset', offset: -37, shift: 3, outBits: 8 },
    { kind: 'offset', offset: 1024, shift: 0, outBits: 6 },
  ] as const) {
    it(`offset ${nz.offset}, shift ${nz.shift}, ${nz.outBits}-bit z: every 12-bit sample, random back-pressure`, async () => {
      const n = 64;
      const sim = await simOf({ normalizer: nz, n, sampleBits: B });
      // every sample code once (negative ones: floor), in windows of 64
      const codes = Array.from({ length: 2 ** B }, (_, i) => XMIN + i);
      const windows = Array.from({ length: codes.length / n }, (_, k) => codes.slice(k * n, (k + 1) * n));
      const run = await stream(sim, codes, 0.6, 0.6, 3);
      expectWindowsMatch(run, windows, nz, n);
      const zs = run.z;
      expect(zs).toContain(2 ** (nz.outBits - 1) - 1);
      expect(zs).toContain(-(2 ** (nz.outBits - 1)));
      // one z per cycle at full rate, one cycle after the sample
      const fast = await stream(sim, codes.slice(0, 200), 1, 1, 4);
      expect(fast.outCycles[0]! - fast.inCycles[0]!).toBe(normalizerTiming({ normalizer: nz, n, sampleBits: B }).latencyAfterLastSample);
      expect(fast.cycles).toBe(201);
    });
  }
});

// ---- lint and synthesis ------------------------------------------------------------------

async function lintAndSynth(m: Module, synthCommand: string, netlist?: (verilog: string) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bitbeat-nz-'));
  try {
    const files = emitDesign(m, dir).filter((f) => f.endsWith('.v')).map((f) => basename(f));
    const verilator = await resolveTool('verilator', 'linting the normalizer');
    const lint = await runTool(verilator, ['--lint-only', '-Wall', '--top-module', m.name, ...files], { cwd: dir, check: false });
    expect(lint.stderr + lint.stdout).toBe('');
    expect(lint.code).toBe(0);
    const yosys = await resolveTool('yosys', 'synthesizing the normalizer');
    const script = [`read_verilog ${files.join(' ')}`, `${synthCommand} -top ${m.name}`, 'check -assert', 'stat', ...(netlist ? ['write_verilog -noattr netlist.v'] : [])].join('; ');
    const r = await runTool(yosys, ['-p', script], { cwd: dir, check: false });
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Found and reported 0 problems/);
    if (netlist) netlist(readFileSync(join(dir, 'netlist.v'), 'utf8'));
    return r.stdout.slice(r.stdout.lastIndexOf('Printing statistics'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every SB_MAC16 input port of a Yosys netlist driven: no x bits. Yosys 0.23 ice40_dsp once
 * packed one flip-flop into two DSPs (the statistics unit's sq_p1 as P1's product register and
 * as P2's D input register) and left P2's D input x: wrong U1^2 on the chip, right in the RTL.
 */
function expectDspInputsDriven(verilog: string): void {
  const cells = verilog.split(/\bSB_MAC16 #\(/).slice(1);
  expect(cells.length).toBeGreaterThan(0);
  for (const c of cells) {
    const body = c.slice(0, c.indexOf(');\n'));
    const name = /\)\s*(\S+)\s*\(/.exec(body)?.[1];
    for (const port of ['A', 'B', 'C', 'D']) {
      const conn = new RegExp(`\\.${port}\\(([^)]*)\\)`).exec(body)?.[1] ?? '';
      expect(conn, `${name} .${port}`).not.toMatch(/'[bh][0-9a-f]*x|\bx\b/i);
    }
  }
}

const FF_CELLS = ['SB_DFF', 'SB_DFFE', 'SB_DFFSR', 'SB_DFFESR', 'SB_DFFR', 'SB_DFFER', 'SB_DFFS', 'SB_DFFES', 'SB_DFFSS', 'SB_DFFESS'];
/** SB_LUT4 count of the N = 3600 logic build, shared with the dsp build's comparison */
let logicLuts3600: number | undefined;

function cellCount(stat: string, cell: string): number {
  const m = new RegExp(`^\\s+${cell}\\s+(\\d+)$`, 'm').exec(stat);
  return m ? Number(m[1]) : 0;
}

describe('normalizer lint and synthesis', () => {
  it('offset and small z-score variants: verilator -Wall clean, yosys synth_ice40 + check -assert clean', async () => {
    await lintAndSynth(buildNormalizer({ normalizer: { kind: 'offset', offset: -37, shift: 3, outBits: 8 }, n: 64, sampleBits: B }), 'synth_ice40');
    await lintAndSynth(buildNormalizer({ normalizer: DEFAULT_ZSCORE, n: 37, sampleBits: B, buffers: 1, exposeStats: true }), 'synth_ice40');
    await lintAndSynth(buildNormalizer({ normalizer: { kind: 'zscore', recipBits: 12, recipWidth: 10, fracBits: 4, outBits: 6 }, n: 50, sampleBits: 11 }), 'synth_ecp5');
    // synth_ecp5 maps the dsp variant's two products to MULT18X18D without being asked
    const ecp5Dsp = await lintAndSynth(
      buildNormalizer({ normalizer: { kind: 'zscore', recipBits: 12, recipWidth: 10, fracBits: 4, outBits: 6 }, n: 50, sampleBits: 11, multipliers: 'dsp' }),
      'synth_ecp5',
    );
    expect(cellCount(ecp5Dsp, 'MULT18X18D')).toBe(2);
  });

  it('dsp products fall back to logic when their operands exceed 16 bits', () => {
    const base = { normalizer: DEFAULT_ZSCORE, n: 64, multipliers: 'dsp' } as const;
    expect(normalizerDspProducts({ ...base, sampleBits: 12 })).toEqual({ square: true, scale: true });
    // B = 16: u^2 is 16 x 16, but u + 2^B - mean needs 17 bits
    expect(normalizerDspProducts({ ...base, sampleBits: 16 })).toEqual({ square: true, scale: false });
    expect(normalizerDspProducts({ ...base, sampleBits: 12, normalizer: { ...DEFAULT_ZSCORE, recipWidth: 17 } })).toEqual({ square: true, scale: false });
    expect(normalizerDspProducts({ ...base, sampleBits: 12, multipliers: 'logic' })).toEqual({ square: false, scale: false });
    expect(estimateNormalizerResources({ ...base, sampleBits: 16 }).dsp).toBe(1);
  });

  it('N=3600 on the UP5K: two SB_SPRAM256KA buffers, no block RAM, estimate close to Yosys', async () => {
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n: 3600, sampleBits: B, buffers: 2, bufferStorage: 'spram' };
    const m = buildNormalizer(opts);
    // The emitted Verilog alone must map the buffers to SPRAM: no extra Yosys commands.
    const stat = await lintAndSynth(m, 'synth_ice40');
    expect(cellCount(stat, 'SB_SPRAM256KA')).toBe(2);
    expect(cellCount(stat, 'SB_RAM40_4K')).toBe(0);
    const luts = cellCount(stat, 'SB_LUT4');
    const ffs = ['SB_DFF', 'SB_DFFE', 'SB_DFFSR', 'SB_DFFESR', 'SB_DFFR', 'SB_DFFER', 'SB_DFFS', 'SB_DFFES', 'SB_DFFSS', 'SB_DFFESS'].reduce((a, c) => a + cellCount(stat, c), 0);
    const est = estimateNormalizerResources(opts);
    expect(est.spram).toBe(2);
    expect(Math.abs(est.lut4 - luts) / luts, `estimated ${est.lut4} LUT4, Yosys ${luts}`).toBeLessThan(0.15);
    expect(Math.abs(est.ff - ffs) / ffs, `estimated ${est.ff} FF, Yosys ${ffs}`).toBeLessThan(0.15);
    logicLuts3600 = luts;
  });

  it('N=3600 on the UP5K with dsp multipliers: synth_ice40 -dsp maps both products to SB_MAC16, far fewer LUT4s', async () => {
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n: 3600, sampleBits: B, buffers: 2, bufferStorage: 'spram', multipliers: 'dsp' };
    const stat = await lintAndSynth(buildNormalizer(opts), 'synth_ice40 -dsp');
    expect(cellCount(stat, 'SB_MAC16')).toBe(2);
    expect(cellCount(stat, 'SB_SPRAM256KA')).toBe(2);
    const luts = cellCount(stat, 'SB_LUT4');
    const ffs = FF_CELLS.reduce((a, c) => a + cellCount(stat, c), 0);
    // the logic build's count from the test above (measured again when run alone)
    if (logicLuts3600 === undefined) {
      const logic = await lintAndSynth(buildNormalizer({ ...opts, multipliers: 'logic' }), 'synth_ice40');
      logicLuts3600 = cellCount(logic, 'SB_LUT4');
    }
    // the two adder-tree multipliers were about 650 LUT4 of about 1,300; most of that goes
    expect(logicLuts3600 - luts, `logic ${logicLuts3600} LUT4, dsp ${luts}`).toBeGreaterThan(400);
    const est = estimateNormalizerResources(opts);
    expect(est.dsp).toBe(2);
    expect(Math.abs(est.lut4 - luts) / luts, `estimated ${est.lut4} LUT4, Yosys ${luts}`).toBeLessThan(0.15);
    expect(Math.abs(est.ff - ffs) / ffs, `estimated ${est.ff} FF, Yosys ${ffs}`).toBeLessThan(0.15);
  });

  it('N=3600 on the UP5K with the statistics unit\'s U1^2 in DSPs and the signed pass-2 product: three more SB_MAC16, no LUT4 for the products, estimate close to Yosys', async () => {
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n: 3600, sampleBits: B, buffers: 2, bufferStorage: 'spram', multipliers: 'dsp', statsSquareDsp: true, scaleSignedDsp: true, bufferCounters: true };
    expect(normalizerStatsSquareDsp(opts)).toBe(true);
    const stat = await lintAndSynth(buildNormalizer(opts), 'synth_ice40 -dsp', expectDspInputsDriven);
    expect(cellCount(stat, 'SB_MAC16')).toBe(5);
    // one address counter per buffer: still two single-port SPRAMs, no address choice
    expect(cellCount(stat, 'SB_SPRAM256KA')).toBe(2);
    const shared = await lintAndSynth(buildNormalizer({ ...opts, bufferCounters: false }), 'synth_ice40 -dsp');
    expect(cellCount(shared, 'SB_LUT4') - cellCount(stat, 'SB_LUT4'), `shared counters ${cellCount(shared, 'SB_LUT4')} LUT4, own ${cellCount(stat, 'SB_LUT4')}`).toBeGreaterThan(12);
    const luts = cellCount(stat, 'SB_LUT4');
    const ffs = FF_CELLS.reduce((a, c) => a + cellCount(stat, c), 0);
    const plain = await lintAndSynth(buildNormalizer({ ...opts, statsSquareDsp: false, scaleSignedDsp: false }), 'synth_ice40 -dsp');
    // measured 513 -> 418 inside the UP5K reference design (the statistics unit 292 -> 228)
    expect(cellCount(plain, 'SB_LUT4') - luts, `without ${cellCount(plain, 'SB_LUT4')} LUT4, with ${luts}`).toBeGreaterThan(75);
    const est = estimateNormalizerResources(opts);
    expect(est.dsp).toBe(5);
    expect(Math.abs(est.lut4 - luts) / luts, `estimated ${est.lut4} LUT4, Yosys ${luts}`).toBeLessThan(0.15);
    expect(Math.abs(est.ff - ffs) / ffs, `estimated ${est.ff} FF, Yosys ${ffs}`).toBeLessThan(0.15);
    // the structural conditions: an even N, U1's halves of 10..16 bits
    expect(normalizerStatsSquareDsp({ ...opts, n: 3599 })).toBe(false);
    expect(normalizerStatsSquareDsp({ ...opts, n: 16 })).toBe(false);
    expect(normalizerStatsSquareDsp({ ...opts, multipliers: 'logic' })).toBe(false);
  });

  it('N=3600 on the UP5K, one buffer: U2 accumulates in the square\'s SB_MAC16, 20+ LUT4 fewer, all DSP inputs driven, estimate close to Yosys', async () => {
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n: 3600, sampleBits: B, buffers: 1, bufferStorage: 'spram', ...multiplierOpts('dsp+sq') };
    expect(normalizerAccumulateDsp(opts)).toBe(true);
    const stat = await lintAndSynth(buildNormalizer(opts), 'synth_ice40 -dsp', (v) => {
      expectDspInputsDriven(v);
      // the accumulator is the DSP's output register, cleared by its load input
      expect(v).toMatch(/\.O\(acc2_lo\)/);
      expect(v).toMatch(/\.OLOADTOP\(acc_clear\)/);
    });
    expect(cellCount(stat, 'SB_MAC16')).toBe(5);
    const luts = cellCount(stat, 'SB_LUT4');
    const ffs = FF_CELLS.reduce((a, c) => a + cellCount(stat, c), 0);
    const lut = await lintAndSynth(buildNormalizer({ ...opts, accumulateDsp: false }), 'synth_ice40 -dsp');
    // measured 355 -> 324 inside the UP5K 1 ms design (the whole block; the unit unchanged)
    expect(cellCount(lut, 'SB_LUT4') - luts, `LUT accumulators ${cellCount(lut, 'SB_LUT4')} LUT4, DSP ${luts}`).toBeGreaterThan(20);
    const est = estimateNormalizerResources(opts);
    expect(est.dsp).toBe(5);
    expect(Math.abs(est.lut4 - luts) / luts, `estimated ${est.lut4} LUT4, Yosys ${luts}`).toBeLessThan(0.15);
    expect(Math.abs(est.ff - ffs) / ffs, `estimated ${est.ff} FF, Yosys ${ffs}`).toBeLessThan(0.15);
    // two buffers, 16-bit samples or logic products keep the LUT accumulators
    expect(normalizerAccumulateDsp({ ...opts, buffers: 2 })).toBe(false);
    expect(normalizerAccumulateDsp({ ...opts, sampleBits: 16 })).toBe(false);
    expect(normalizerAccumulateDsp({ ...opts, multipliers: 'logic' })).toBe(false);
  });

  it('elsewhere the same buffers become block RAM', async () => {
    const opts: NormalizerOptions = { normalizer: DEFAULT_ZSCORE, n: 1000, sampleBits: B, buffers: 2, bufferStorage: 'bram' };
    const m = buildNormalizer(opts);
    const stat = await lintAndSynth(m, 'synth_ice40');
    expect(cellCount(stat, 'SB_SPRAM256KA')).toBe(0);
    expect(cellCount(stat, 'SB_RAM40_4K')).toBe(estimateNormalizerResources(opts).bram);
  });
});
