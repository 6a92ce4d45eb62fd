import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER } from '../../src/report/index.ts';
import { designWithResults } from './helpers.ts';

const bin = join(import.meta.dirname, '../../bin/bitbeat.js');
const bitbeat = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('bitbeat report / synth / sweep command lines', () => {
  it('report prints each format and writes --out atomically', () => {
    const dir = designWithResults(['ice40-up5k', 'ecp5-25f']);
    const csv = bitbeat(['report', '--design', dir, '--format', 'csv']);
    expect(csv.status).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe(CSV_HEADER.join(','));
    const json = bitbeat(['report', '--design', dir, '--target', 'ice40-up5k', '--format', 'json']);
    expect(JSON.parse(json.stdout).targets).toHaveLength(1);
    const out = join(dir, 'reports', 'r.tex');
    const tex = bitbeat(['report', '--design', dir, '--format', 'tex', '--out', out]);
    expect(tex.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('\\begin{tabular}');
    expect(existsSync(`${out}.tmp-${tex.pid}`)).toBe(false);
  });

  it('errors are one line naming the problem and the fix', () => {
    const dir = designWithResults([]);
    const none = bitbeat(['report', '--design', dir]);
    expect(none.status).not.toBe(0);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/no synthesis results .* run `bitbeat synth/);
    expect(bitbeat(['report', '--design', dir, '--format', 'pdf']).stderr).toMatch(/unknown report format 'pdf': choose one of md, csv, tex, json/);
    expect(bitbeat(['synth', '--design', '/nonexistent', '--target', 'ice40-up5k']).stderr).toMatch(/manifest\.json not found/);
    expect(bitbeat(['synth', '--design', dir, '--target', 'ice40-up5k', '--seeds', 'x']).stderr).toMatch(/--seeds x: expected a whole number >= 1/);
    expect(bitbeat(['sweep', '--targets', 'ice40-up5k']).stderr).toMatch(/either --model .* or --designs/);
  });
});
