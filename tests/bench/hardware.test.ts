/**
 * bench:hardware's pieces on a tiny model: one point end to end (generate, cosim, synth on
 * ice40-up5k), reuse of a cached point without running any tool, the points that stop before
 * synthesis, and the goals / Markdown on those results.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { designFrontier } from '../../src/bench/hardware-frontier.ts';
import { evaluateGoals, SEED000_MODEL } from '../../src/bench/hardware-goals.ts';
import { resolveFoldingSpec } from '../../src/flow/folding-spec.ts';
import { foldingLabel } from '../../sim/cosim/foldings.ts';
import { hardwareMarkdown } from '../../src/bench/hardware-md.ts';
import { isCurrent, pointDirName, runHardwarePoint, stepOf, type HardwareOptions, type HardwareResult, type PointContext } from '../../src/bench/hardware-point.ts';
import { getTarget } from '../../src/design/targets.ts';
import { loadModel } from '../../src/model/load.ts';
import { btpnShapedModel } from '../gen/fixtures.ts';
import { missingTools } from '../synth/helpers.ts';

const TINY = join(import.meta.dirname, '../fixtures/cosim/sign3/model.json');
const missing = await missingTools(['yosys', 'nextpnr-ice40', 'icetime', 'verilator']);
if (missing.length) console.warn(`skipping the bench:hardware point test: missing ${missing.join(', ')}`);

const opts: HardwareOptions = { seeds: 2, seedLutLimit: 6000, cosimWindows: 3, force: false };

function context(model = loadModel(TINY), target = 'ice40-up5k', cache = new Map<string, HardwareResult>()): PointContext {
  return { model, target: getTarget(target), measuredAccuracy: null, designsDir: mkdtempSync(join(tmpdir(), 'bb-hw-')), cache, log: () => {} };
}

describe('the estimated design space (seed-000 goal section)', () => {
  const model = btpnShapedModel();
  const up5k = getTarget('ice40-up5k');
  const points = designFrontier(model, up5k);
  it('spans the smallest design to fast ones, sorted by latency, each a distinct folding', () => {
    expect(points.length).toBeGreaterThan(3);
    expect(new Set(points.map((p) => p.folding)).size).toBe(points.length);
    for (let i = 1; i < points.length; i++) expect(points[i]!.latencyCycles).toBeGreaterThanOrEqual(points[i - 1]!.latencyCycles);
    const smallest = foldingLabel(resolveFoldingSpec(model, up5k, 'smallest'));
    expect(points.map((p) => p.folding)).toContain(smallest);
    // the fastest points are over the UP5K and say why
    expect(points[0]!.excess.length).toBeGreaterThan(0);
  });
  it('marks exactly the fitting designs no other fitting design beats in both LUT4 and latency', () => {
    const fits = points.filter((p) => p.excess.length === 0);
    expect(fits.some((p) => p.pareto)).toBe(true);
    for (const p of points) {
      const dominated = fits.some((q) => q !== p && q.lut4 <= p.lut4 && q.latencyCycles <= p.latencyCycles && (q.lut4 < p.lut4 || q.latencyCycles < p.latencyCycles));
      expect(p.pareto).toBe(p.excess.length === 0 && !dominated);
    }
  });
  it('the Markdown section states the two designs that bound the gap', () => {
    const md = hardwareMarkdown({ preamble: [], results: [], goals: [], frontier: { model: 'btpn', target: 'ice40-up5k', points } });
    const least = Math.min(...points.filter((p) => p.excess.length === 0).map((p) => p.lut4));
    expect(md).toContain(`- Smallest design that fits: ${least} LUT4 (est.)`);
    expect(md).toMatch(/- Smallest design within 24000 latency cycles: \d+ LUT4/);
    expect(md).toContain('No design meets both');
    // both sides of the gap: the fast design's LUT4 excess, and the lean design's clock (or, with none under the bound, the smallest's excess)
    expect(md).toMatch(/the smallest design within 24000 latency cycles is [+-]?[\d.]+% over 2000 LUT4/);
    expect(md).toMatch(/the fastest design within 2000 LUT4 \(.+\) takes [\d,]+ latency cycles, [\d.]+ MHz for 1 ms|the smallest design that fits is [+-]?[\d.]+% over 2000 LUT4/);
  });
});

describe('bench:hardware points that stop before synthesis', () => {
  it('a folding goal nothing meets is a no-fit row with the smallest design\'s estimate', async () => {
    const r = await runHardwarePoint({ model: 'tiny', modelPath: TINY, target: 'ice40-up5k', folding: 'cycles=1' }, context(), opts);
    expect(r.status).toBe('no-fit');
    expect(r.failedStep).toBe('folding (cycles=1)');
    expect(r.foldingText).toBe('1x1 (fully folded)');
    expect(r.estimate!.total.lut4).toBeGreaterThan(0);
    expect(r.report).toBeNull();
  });

  it('a design whose estimate exceeds the device stops at generation, with the estimate', async () => {
    const model = btpnShapedModel();
    const r = await runHardwarePoint({ model: 'btpn', modelPath: 'x.json', target: 'ice40-up5k', folding: 'parallel' }, context(model), opts);
    expect(r.status).toBe('no-fit');
    expect(r.failedStep).toBe('generate (device budget)');
    expect(r.estimate!.fitsDevice).toBe(false);
    expect(r.estimate!.total.lut4).toBeGreaterThan(5280);
    expect(r.error).toMatch(/exceeds ice40-up5k \(5280 LUT4/);
  });

  it('names the failing step of a tool error', () => {
    expect(stepOf('place and route (nextpnr-ice40, seed 1): nextpnr-ice40 exited with code 1 (ERROR: ...)')).toBe('place and route (nextpnr-ice40, seed 1)');
  });
});

describe.skipIf(missing.length > 0)('bench:hardware point on a tiny model', () => {
  it('generates, cosimulates, synthesizes and reports; a second run reuses the cached result', async () => {
    const cache = new Map<string, HardwareResult>();
    const ctx = context(undefined, 'ice40-up5k', cache);
    const spec = { model: 'tiny', modelPath: TINY, target: 'ice40-up5k', folding: 'folded' };
    const { reused, ...r } = await runHardwarePoint(spec, ctx, opts);
    expect(reused).toBe(false);
    expect(r.status, r.error ?? '').toBe('ok');
    expect(r.seeds).toBe(2);
    expect(r.cosim).toMatchObject({ windows: 3, mismatches: 0 });
    const t = r.report!.targets[0]!;
    expect(t.cyclesPerWindow.source).toBe('cosim');
    expect(t.cyclesPerWindow.value).toBe(r.cosim!.cyclesPerWindow);
    expect(t.fmaxSpread!.seeds).toBe(2);
    expect(t.resources.lut4).toBeGreaterThan(0);
    expect(t.latencyUs).toBeGreaterThan(0);

    cache.set(r.key!, r);
    const again = await runHardwarePoint(spec, { ...ctx, designsDir: ctx.designsDir }, opts);
    expect(again.reused).toBe(true);
    expect(again.key).toBe(r.key);
    // other options are another point
    const other = await runHardwarePoint({ ...spec, folding: 'cycles=1' }, ctx, opts);
    expect(other.reused).toBe(false);
    // a later run with other options keeps it (judged by its own seeds); another design does not
    const scratch = mkdtempSync(join(tmpdir(), 'bb-hw-current-'));
    expect(isCurrent(r, spec, ctx, { ...opts, seeds: 1 }, scratch)).toBe(true);
    expect(isCurrent(r, { ...spec, folding: 'parallel' }, ctx, opts, scratch)).toBe(false);
  });
});

describe('bench:hardware goals and Markdown', () => {
  function placed(model: string, target: string, folding: string, lut4: number, fmax: number, latencyCycles: number): HardwareResult {
    const t = {
      target,
      resources: { lut4, ff: 10, carry: 1, bram: 1, spram: 0, dsp: 0, lutram: 0 },
      fmaxMhz: fmax,
      latencyCycles: { value: latencyCycles, source: 'cosim' },
      cyclesPerWindow: { value: latencyCycles, source: 'cosim' },
      latencyUs: latencyCycles / fmax,
      estimate: { lut4: 100, ff: 10, bram: 1, spram: 0, dsp: 0 },
      estimateError: { lut4: 0.1, ff: 0, bram: 0, spram: null, dsp: null },
      fmaxSpread: null,
      failedSeeds: [],
      icetimeMhz: null,
      logicCells: null,
      windowsPerSecond: null,
      realtimeMargin: null,
    };
    return {
      version: 1, model, target, folding, status: 'ok', failedStep: null, error: null, foldingText: '1x1', key: 'k',
      estimate: { cyclesPerWindow: latencyCycles, latencyCycles, total: { lut4: 100, ff: 10, bram: 1, spram: 0, dsp: 0 }, fitsDevice: true },
      seeds: 1, cosim: { windows: 3, mismatches: 0, cyclesPerWindow: latencyCycles, latencyCycles }, cosimError: null, synthesized: null,
      report: { targets: [t] } as unknown as HardwareResult['report'],
      modelMetrics: { name: model, windowSamples: 3600, accuracy: 0.9, accuracySource: 'x', weightBits: 1, paramBits: 1, bytes: 1 },
      seconds: {},
    };
  }

  it('judges each goal on the measured figures, and says no data for goals not run', () => {
    const results = [
      placed(SEED000_MODEL, 'ice40-up5k', 'auto', 1900, 32, 20_000), // 625 µs
      placed(SEED000_MODEL, 'ecp5-25f', 'fit', 9000, 40, 4_100),
    ];
    const goals = evaluateGoals(results, [SEED000_MODEL, 'other']);
    const byGoal = (re: RegExp, model = SEED000_MODEL) => goals.find((g) => re.test(g.goal) && g.model === model)!;
    expect(byGoal(/Lattice/).status).toBe('met');
    expect(byGoal(/spiking/).status).toBe('met');
    expect(byGoal(/on UP5K$/).status).toBe('met');
    expect(byGoal(/fastest ECP5/).status).toBe('not met');
    expect(byGoal(/fastest ECP5/).measured).toMatch(/^4100 cycles \(cosim\)/);
    expect(byGoal(/Lattice/, 'other').status).toBe('no data');

    const slow = evaluateGoals([placed(SEED000_MODEL, 'ice40-up5k', 'auto', 1900, 20, 20_000)], [SEED000_MODEL]);
    expect(slow.find((g) => /on UP5K$/.test(g.goal))!.status).toBe('not met');
    expect(slow.find((g) => /Lattice/.test(g.goal))!.status).toBe('not met');

    // not met with one design on each side of the gap: both are named
    const split = evaluateGoals(
      [placed(SEED000_MODEL, 'ice40-up5k', 'smallest', 1800, 36, 200_000), placed(SEED000_MODEL, 'ice40-up5k', 'fit', 2500, 36, 30_000)],
      [SEED000_MODEL],
    ).find((g) => /on UP5K$/.test(g.goal))!;
    expect(split.status).toBe('not met');
    expect(split.measured).toMatch(/^smallest within 1 ms: 2500 LUT4, 36\.0 MHz, 833\.3 µs, fit .*; fastest within 2000 LUT4: 1800 LUT4, 36\.0 MHz, 5555\.6 µs, smallest/);
  });

  it('lists placed designs and stopped ones in their own tables', () => {
    const stopped: HardwareResult = {
      ...placed('m', 'ice40-up5k', 'fit', 0, 1, 1),
      status: 'no-fit', failedStep: 'folding (fit)', error: 'no folding fits', report: null, cosim: null,
    };
    const md = hardwareMarkdown({ preamble: ['Command: x'], results: [placed('m', 'ecp5-25f', 'auto', 1234, 40, 5000), stopped], goals: evaluateGoals([], ['m']) });
    expect(md).toMatch(/## Placed and routed designs\n\n\| model \| target \| folding \(PE x SIMD per layer\) \| LUT4 /);
    expect(md).toContain('| m | ecp5-25f | auto: 1x1 | 1234 |');
    expect(md).toMatch(/\| m \| ice40-up5k \| fit: 1x1 \| folding \(fit\) \| 100 \|/);
    expect(md).toContain('no folding fits');
  });
});

describe('nextpnr over-use', () => {
  it('reads the utilisation table a failed placement printed', async () => {
    const { overUtilised, overUseText } = await import('../../src/synth/nextpnr-log.ts');
    const log = ['Info: Device utilisation:', 'Info: \t         ICESTORM_LC: 10746/ 5280   203%', 'Info: \t        ICESTORM_RAM:     9/   30    30%', "ERROR: Unable to place cell 'x'"].join('\n');
    expect(overUtilised(log)).toEqual([{ cell: 'ICESTORM_LC', used: 10746, available: 5280 }]);
    expect(overUseText(overUtilised(log))).toBe('ICESTORM_LC 10746/5280 (204 %)');
  });
});

describe('bench:hardware design directories', () => {
  it('a folding file contributes its base name, so the directory is not nested', () => {
    expect(pointDirName({ model: 'm', target: 'ice40-up5k', folding: 'bench/foldings/m-up5k-1ms.json' })).toBe('m-ice40-up5k-m-up5k-1ms');
    expect(pointDirName({ model: 'm', target: 'ecp5-25f', folding: 'fit' })).toBe('m-ecp5-25f-fit');
  });
});

