import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { jobsFromGenerator, runSweep, SWEEP_CSV_HEADER, writeSweepOutputs, type GenerateFn } from '../../src/synth/index.ts';
import { checkWellFormedXml, splitCsvLine } from '../report/helpers.ts';
import { FIXTURE_DESIGN, missingTools } from './helpers.ts';

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
