import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readDatasetFile } from '../../src/data/dataset.ts';
import { syntheticRecord } from '../../src/data/synthetic.ts';
import { codeOf } from '../../src/data/wfdb/annotations.ts';
import { writeWfdbRecord } from '../../src/data/wfdb/writer.ts';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'bitbeat.js');
const dir = mkdtempSync(join(tmpdir(), 'bitbeat-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bitbeat(args: string[], env: Record<string, string | undefined> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, BITBEAT_DATA: undefined, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('bitbeat data', () => {
  it('synth writes a dataset that stats summarizes per split', () => {
    const out = join(dir, 'syn.bbds');
    const w = bitbeat(['data', 'synth', '--out', out, '--per-class', '10', '--seed', '4']);
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    const s = bitbeat(['data', 'stats', out]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/50 windows of 3600 samples at 360 Hz, source synthetic, task aami5/);
    expect(s.stdout).toMatch(/^stratified 80\/20 seed 42\s+train\s+8\s+8\s+8\s+8\s+8\s+40$/m);
    expect(s.stdout).toMatch(/^stratified 80\/20 seed 42\s+test\s+2\s+2\s+2\s+2\s+2\s+10$/m);
    const j = JSON.parse(bitbeat(['data', 'stats', out, '--json']).stdout) as { splits: { part: string; counts: number[] }[] };
    expect(j.splits[0]).toMatchObject({ part: 'all', counts: [10, 10, 10, 10, 10] });
  });

  it('prepare reads --data or BITBEAT_DATA and reports the inter-patient split for mitdb', () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'mitdb'), { recursive: true });
    const sig = syntheticRecord('NSR', 2 * 3600, 9);
    const anns = [{ sample: 3700, code: codeOf('V'), symbol: 'V', subtype: 0, chan: 0, num: 0, aux: '' }];
    writeWfdbRecord(join(data, 'mitdb'), '101', [sig, sig], { descriptions: ['MLII', 'V1'], annotations: anns }); // DS1
    writeWfdbRecord(join(data, 'mitdb'), '100', [sig, sig], { descriptions: ['MLII', 'V5'], annotations: [] }); // DS2
    const out = join(dir, 'm.bbds');
    const r = bitbeat(['data', 'prepare', '--source', 'mitdb', '--task', 'aami5', '--out', out], { BITBEAT_DATA: data });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^inter-patient DS1\/DS2\s+train \(DS1\)\s+1\s+0\s+1\s+0\s+0\s+2$/m);
    expect(r.stdout).toMatch(/^inter-patient DS1\/DS2\s+test \(DS2\)\s+2\s+0\s+0\s+0\s+0\s+2$/m);
    expect(readDatasetFile(out).header.count).toBe(4);
  });

  it('fails with one line naming the problem and leaves no output behind', () => {
    const out = join(dir, 'never.bbds');
    const noData = bitbeat(['data', 'prepare', '--source', 'mitdb', '--task', 'aami5', '--out', out]);
    expect(noData.code).not.toBe(0);
    expect(noData.stderr).toMatch(/^bitbeat: no data directory given: pass --data <dir> or set BITBEAT_DATA/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = bitbeat(['data', 'prepare', '--source', 'plawiak17', '--task', 'rhythm17', '--data', empty, '--out', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no plawiak17\/ directory here/);
    expect(existsSync(out)).toBe(false);
    const bad = join(dir, 'bad.bbds');
    writeFileSync(bad, 'nonsense');
    const s = bitbeat(['data', 'stats', bad]);
    expect(s.code).not.toBe(0);
    expect(s.stderr).toMatch(/bad\.bbds: not a valid bitbeat dataset: missing "BBDS" magic/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
