import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { getTarget } from '../../src/design/targets.ts';
import { resolveFoldingSpec } from '../../src/flow/folding-spec.ts';
import { loadModel } from '../../src/model/load.ts';
import { modelHash } from '../../src/model/hash.ts';
import { jobsFromGenerator, runSweep, SWEEP_CSV_HEADER, writeSweepOutputs, type GenerateFn } from '../../src/synth/index.ts';
import { checkWellFormedXml, splitCsvLine } from '../report/helpers.ts';
import { FIXTURE_DESIGN, missingTools } from './helpers.ts';
import { bitbeatAsync } from '../cli-async.ts';
import { btpnShapedModel } from '../gen/fixtures.ts';
import { estimateDesign } from '../../hdl-gen/estimate.ts';

const missing = await missingTools(['yosys', 'nextpnr-ice40', 'icetime']);
if (missing.length) console.warn(`skipping the sweep test: missing ${missing.join(', ')} (run scripts/setup.sh)`);

describe('sweep jobs', () => {
  it('makes one point per target and folding, each with its own design directory', () => {
    const seen: string[] = [];
    const gen: GenerateFn = async (r) => {
      seen.push(r.outDir);
      return r.outDir;
    };
    const jobs = jobsFromGenerator('models/m5.json', ['ice40-up5k', 'ecp5-25f'], ['auto', 'fold/fast.json'], '/o', gen);
    expect(jobs.map((j) => `${j.target}:${j.label}`)).toEqual(['ice40-up5k:auto', 'ice40-up5k:fold/fast.json', 'ecp5-25f:auto', 'ecp5-25f:fold/fast.json']);
    return Promise.all(jobs.map((j) => j.design())).then(() => {
      expect(seen).toEqual(['/o/m5-ice40-up5k-auto', '/o/m5-ice40-up5k-fast', '/o/m5-ecp5-25f-auto', '/o/m5-ecp5-25f-fast']);
    });
  });

  it('refuses unknown targets and an empty sweep', async () => {
    expect(() => jobsFromGenerator('m.json', ['ice41'], ['auto'], '/o', async (r) => r.outDir)).toThrow(/unknown target/);
    await expect(runSweep([])).rejects.toThrow(/no points/);
  });
});

describe.skipIf(missing.length > 0)('sweep with an injected generator', () => {
  it('generates, synthesizes and reports each point, keeps failed points as rows, writes CSV and SVG', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bb-sweep-'));
    let inFlight = 0;
    let peak = 0;
    // stands in for hdl-gen's generateDesign: the fixture for every folding but 'too-big'
    const generate: GenerateFn = async (req) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      if (req.folding === 'too-big') throw new UserError('folding too-big does not fit ice40-up5k: 9000 LUT4 > 5280');
      cpSync(FIXTURE_DESIGN, req.outDir, { recursive: true, filter: (s) => !s.includes('/build') });
      return req.outDir;
    };
    const jobs = jobsFromGenerator('fixture.json', ['ice40-up5k'], ['a', 'too-big', 'b'], join(out, 'designs'), generate);
    const rows = await runSweep(jobs, { synth: { icetime: false } });
    expect(peak).toBeLessThanOrEqual(2);
    expect(rows.map((r) => `${r.label}:${r.status}`)).toEqual(['a:ok', 'too-big:failed', 'b:ok']);
    expect(rows[1]!.error).toMatch(/does not fit/);
    expect(rows[0]!.report!.targets[0]!.resources.lut4).toBeGreaterThan(0);

    const files = writeSweepOutputs(rows, out, 'fixture sweep');
    const csv = readFileSync(files.csv, 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(SWEEP_CSV_HEADER.join(','));
    for (const l of csv) expect(splitCsvLine(l)).toHaveLength(SWEEP_CSV_HEADER.length);
    expect(csv.filter((l) => l.startsWith('too-big,failed,'))).toHaveLength(1);
    expect(csv.filter((l) => /^[ab],ok,.*,total,/.test(l))).toHaveLength(2);
    const svg = readFileSync(files.svg, 'utf8');
    checkWellFormedXml(svg);
    expect(svg.match(/<g class="series"/g)).toHaveLength(1);
    // the same design twice: equal points, both Pareto-optimal
    expect(svg.match(/<g class="point pareto"/g)).toHaveLength(2);
    expect(existsSync(files.json)).toBe(true);
  });
});

const TINY_MODEL = join(import.meta.dirname, '../fixtures/cosim/sign3/model.json');

const bitbeat = bitbeatAsync;

describe('folding specs', () => {
  const model = loadModel(TINY_MODEL);
  const up5k = getTarget('ice40-up5k');
  it('resolves the named specs to the foldings they promise', () => {
    expect(resolveFoldingSpec(model, up5k, 'folded').layers.map((l) => [l.pe, l.simd])).toEqual([[1, 1]]);
    expect(resolveFoldingSpec(model, up5k, 'parallel').layers.map((l) => [l.pe, l.simd])).toEqual([[3, 32]]);
    // the tiny model fits fully parallel, so the fastest fitting design is the fully parallel one
    expect(resolveFoldingSpec(model, up5k, 'fit').layers.map((l) => [l.pe, l.simd])).toEqual([[3, 32]]);
  });
  it("'smallest' is auto's cheapest design at any bound: no bound finds a cheaper one", () => {
    const model = btpnShapedModel();
    const smallest = estimateDesign(model, resolveFoldingSpec(model, up5k, 'smallest'), up5k);
    for (const bound of [2e5, 1e6, 1e7]) {
      const other = estimateDesign(model, resolveFoldingSpec(model, up5k, `cycles=${bound}`), up5k);
      expect(smallest.total.lut4).toBeLessThanOrEqual(other.total.lut4);
    }
    // and it is slower than the 'auto' design, which trades logic for the 100,000-cycle bound
    expect(smallest.cyclesPerWindow).toBeGreaterThan(estimateDesign(model, resolveFoldingSpec(model, up5k, 'auto'), up5k).cyclesPerWindow);
  });
  it('refuses unknown specs and bad cycle counts, naming the choices', () => {
    expect(() => resolveFoldingSpec(model, up5k, 'fast')).toThrow(/unknown folding 'fast': use 'auto'/);
    expect(() => resolveFoldingSpec(model, up5k, 'cycles=abc')).toThrow(/cycles=<positive whole number>/);
    expect(() => resolveFoldingSpec(model, up5k, 'cycles=1')).toThrow(UserError);
  });
});

describe.skipIf(missing.length > 0)('bitbeat sweep --model', () => {
  it('generates each point from the model with generateDesign, synthesizes it, writes CSV and the Pareto SVG', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bb-sweep-model-'));
    const r = await bitbeat(['sweep', '--model', TINY_MODEL, '--targets', 'ice40-up5k', '--foldings', 'folded,parallel,nonsense', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^2 of 3 points ok/);
    // each design directory is the generator's: the model's hash and the folding asked for
    const hash = modelHash(loadModel(TINY_MODEL));
    const folds: Record<string, number[][]> = {};
    for (const f of ['folded', 'parallel']) {
      const m = JSON.parse(readFileSync(join(out, 'designs', `model-ice40-up5k-${f}`, 'manifest.json'), 'utf8')) as { model: { hash: string }; folding: { pe: number; simd: number }[] };
      expect(m.model.hash).toBe(hash);
      folds[f] = m.folding.map((l) => [l.pe, l.simd]);
      expect(existsSync(join(out, 'designs', `model-ice40-up5k-${f}`, 'build', 'ice40-up5k', 'synth.json'))).toBe(true);
    }
    expect(folds).toEqual({ folded: [[1, 1]], parallel: [[3, 32]] });
    const csv = readFileSync(join(out, 'sweep.csv'), 'utf8').trimEnd().split('\n');
    const totals = csv.filter((l) => /^(folded|parallel),ok,.*,total,/.test(l)).map((l) => splitCsvLine(l));
    expect(totals).toHaveLength(2);
    const lut = SWEEP_CSV_HEADER.indexOf('lut4');
    const lat = SWEEP_CSV_HEADER.indexOf('latency_us');
    const [folded, parallel] = [totals.find((t) => t[0] === 'folded')!, totals.find((t) => t[0] === 'parallel')!];
    // the parallel design is larger and faster than the folded one: both are Pareto-optimal
    expect(Number(parallel[lut])).toBeGreaterThan(Number(folded[lut]));
    expect(Number(parallel[lat])).toBeLessThan(Number(folded[lat]));
    expect(csv.filter((l) => l.startsWith('nonsense,failed,'))).toHaveLength(1);
    const svg = readFileSync(join(out, 'sweep.svg'), 'utf8');
    checkWellFormedXml(svg);
    expect(svg.match(/<g class="series" data-series="ice40-up5k"/g)).toHaveLength(1);
    expect(svg.match(/<g class="point pareto"/g)).toHaveLength(2);
  });
});
