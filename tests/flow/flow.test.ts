/**
 * `bitbeat flow` end to end on a small model on the iCE40 UP5K: generation, Verilator
 * cosimulation against the integer reference, Yosys + nextpnr, report files and summary.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { randomModel } from '../../src/model/random.ts';
import { parseModel } from '../../src/model/validate.ts';
import { bitbeatAsync } from '../cli-async.ts';

const dir = mkdtempSync(join(tmpdir(), 'bb-flow-'));
const modelPath = join(dir, 'small.json');

const bitbeat = bitbeatAsync;

beforeAll(() => {
  // A small z-score model with a global-sum head, like the shipped ecgbnn-s but tiny.
  const model = randomModel(makeRng(5), { inputLength: [96, 96], maxChannels: 8, binaryConvLayers: [1, 1], head: 'sum', normalizer: 'zscore', classes: [3, 3] });
  parseModel(model, 'small model');
  writeFileSync(modelPath, JSON.stringify(model));
});

describe('bitbeat flow', () => {
  it('runs a small model on ice40-up5k end to end and prints the summary', async () => {
    const out = join(dir, 'design');
    const r = await bitbeat(['flow', '--model', modelPath, '--target', 'ice40-up5k', '--windows', '4', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    for (const step of ['[1/5] analytical model', '[2/5] generate RTL', '[3/5] cosimulate', '[4/5] synthesize, place and route (ice40-up5k)', '[5/5] report']) {
      expect(r.stderr).toContain(`${step}`);
    }
    expect(r.stdout).toMatch(/cosimulation +4 windows, 0 mismatches/);
    const lut = /resources +(\d+) LUT4, (\d+) FF/.exec(r.stdout);
    expect(lut, r.stdout).not.toBeNull();
    expect(Number(lut![1])).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/Fmax +\d+\.\d MHz \(icetime \d+\.\d MHz\)/);
    for (const f of ['report.md', 'report.csv', 'report.tex', 'report.json', 'cosim.json', 'manifest.json', 'build/ice40-up5k/synth.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // The report carries the measured cycles from the cosimulation, not the estimate.
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { cosim: { windows: number; mismatches: number }; targets: { cyclesPerWindow: { source: string; value: number } }[] };
    expect(report.cosim).toEqual({ windows: 4, mismatches: 0 });
    expect(report.targets[0]!.cyclesPerWindow.source).toBe('cosim');
    expect(report.targets[0]!.cyclesPerWindow.value).toBeGreaterThan(0);
  });

  it('refuses an impossible folding before writing anything', async () => {
    const folding = join(dir, 'bad-folding.json');
    const model = JSON.parse(readFileSync(modelPath, 'utf8')) as { layers: { name: string }[] };
    writeFileSync(folding, JSON.stringify({ layers: model.layers.map((l) => ({ layer: l.name, pe: 7, simd: 1 })) }));
    const out = join(dir, 'never');
    const r = await bitbeat(['flow', '--model', modelPath, '--target', 'ice40-up5k', '--folding', folding, '--out', out]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^bitbeat: .*pe/i);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses two folding goals at once', async () => {
    const r = await bitbeat(['flow', '--model', modelPath, '--fit', '--target-cycles', '1000']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe('bitbeat: --fit and --target-cycles both given; choose one goal for --folding auto');
  });

  it('names a missing model file in one line', async () => {
    const r = await bitbeat(['flow', '--model', join(dir, 'nope.json')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/nope\.json/);
  });
});
