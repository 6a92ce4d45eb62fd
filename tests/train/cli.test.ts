import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeDatasetFile } from '../../src/data/dataset.ts';
import { loadArch } from '../../src/train/arch.ts';
import { sineDataset, tinyArch } from './helpers.ts';

const bin = join(import.meta.dirname, '../../bin/bitbeat.js');
const dir = mkdtempSync(join(tmpdir(), 'bitbeat-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function bitbeat(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
}

describe('bitbeat train and eval', () => {
  const dsFile = join(dir, 'sine.bbds');
  const archFile = join(dir, 'tiny.json');
  writeDatasetFile(dsFile, sineDataset(40, 128, 2));
  writeFileSync(archFile, JSON.stringify(tinyArch('dense')));
  const modelFile = join(dir, 'models', 'tiny.json');

  it('trains a custom JSON architecture, exports the model and its metrics, and resumes', () => {
    const r = bitbeat(['train', '--arch', archFile, '--dataset', dsFile, '--epochs', '3', '--out', modelFile]);
    expect(r.stderr).toMatch(/epoch 3\/3/);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/storage \d+ bytes/);
    const metrics = JSON.parse(readFileSync(join(dir, 'models', 'tiny.metrics.json'), 'utf8'));
    expect(metrics.training.epochsRun).toBe(3);
    expect(metrics.split).toBe('stratified');
    expect(metrics.accuracy.integerPercent).toBeTypeOf('number');
    expect(existsSync(join(dir, '.cache', 'train', 'tiny', 'checkpoint.json'))).toBe(true);
    const firstModel = readFileSync(modelFile, 'utf8');
    // The same command again resumes from the finished checkpoint: no epoch is retrained.
    const again = bitbeat(['train', '--arch', archFile, '--dataset', dsFile, '--epochs', '3', '--out', modelFile]);
    expect(again.status).toBe(0);
    expect(again.stderr).not.toMatch(/epoch \d+\/3 loss/);
    // ... and exports a byte-identical model (deterministic export).
    expect(readFileSync(modelFile, 'utf8')).toBe(firstModel);
  });

  it('evaluates the model with the reference engine and writes the confusion matrix SVG', () => {
    const r = bitbeat(['eval', '--model', modelFile, '--dataset', dsFile, '--engine', 'reference']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/accuracy \d+\.\d\d %/);
    expect(r.stdout).toMatch(/confusion matrix/);
    expect(existsSync(join(dir, 'models', 'tiny.stratified.confusion.svg'))).toBe(true);
    const t = bitbeat(['eval', '--model', modelFile, '--dataset', dsFile, '--engine', 'tfjs', '--json']);
    const ref = bitbeat(['eval', '--model', modelFile, '--dataset', dsFile, '--engine', 'reference', '--json']);
    expect(JSON.parse(t.stdout).confusion).toEqual(JSON.parse(ref.stdout).confusion);
  });

  it('gives one-line errors for a bad architecture or split', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', blocks: [{ kernel: 3 }], head: { kind: 'dense' } }));
    const r = bitbeat(['train', '--arch', bad, '--dataset', dsFile, '--out', join(dir, 'x.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/blocks\.0\.filters/);
    const s = bitbeat(['train', '--arch', 'ecgbnn-s', '--dataset', dsFile, '--split', 'interpatient', '--out', join(dir, 'y.json')]);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/inter-patient split needs a dataset of MIT-BIH records/);
  });

  it('resolves presets and their full-precision twins', () => {
    expect(loadArch('ecgbnn-s').blocks).toHaveLength(6);
    expect(loadArch('btpn').blocks).toHaveLength(7);
    expect(loadArch('btpn-fp').binary).toBe(false);
    expect(() => loadArch('no-such-preset')).toThrow(/neither a preset/);
  });
});
