import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMatV4Int16, parseMatV4, readMatV4Int16Vector } from '../../src/data/matv4.ts';

const dir = mkdtempSync(join(tmpdir(), 'bitbeat-mat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const val = Array.from({ length: 3600 }, (_, i) => ((i * 37) % 2048) - 600);

describe('MATLAB v4 reader', () => {
  it('reads the int16 1x3600 `val` layout of the 17-class fragments (7,224 bytes)', () => {
    const bytes = encodeMatV4Int16([{ name: 'val', rows: 1, cols: 3600, data: val }]);
    expect(bytes.length).toBe(7224);
    const path = join(dir, '100m (0).mat');
    writeFileSync(path, bytes);
    expect(Array.from(readMatV4Int16Vector(path, 'val', 3600))).toEqual(val);
  });

  it('parses several matrices, other precisions and big-endian files from the header fields', () => {
    const le = Buffer.from(encodeMatV4Int16([{ name: 'a', rows: 2, cols: 2, data: [1, -2, 3, -4] }, { name: 'val', rows: 1, cols: 3, data: [7, 8, 9] }]));
    const mats = parseMatV4(le, 'x.mat');
    expect(mats.map((m) => [m.name, m.rows, m.cols, Array.from(m.data)])).toEqual([['a', 2, 2, [1, -2, 3, -4]], ['val', 1, 3, [7, 8, 9]]]);
    // Big-endian double matrix: type 1000 (M=1, P=0).
    const be = Buffer.alloc(20 + 2 + 16);
    [1000, 1, 2, 0, 2].forEach((v, i) => be.writeInt32BE(v, 4 * i));
    be.write('d\0', 20, 'latin1');
    be.writeDoubleBE(1.5, 22);
    be.writeDoubleBE(-2.25, 30);
    const [m] = parseMatV4(be, 'be.mat');
    expect(m).toMatchObject({ name: 'd', rows: 1, cols: 2, precision: 'float64' });
    expect(Array.from(m!.data)).toEqual([1.5, -2.25]);
  });

  it('gives clear errors for truncated, foreign and mismatched files', () => {
    const bytes = encodeMatV4Int16([{ name: 'val', rows: 1, cols: 3600, data: val }]);
    const cut = join(dir, 'cut.mat');
    writeFileSync(cut, bytes.subarray(0, 7000));
    expect(() => readMatV4Int16Vector(cut, 'val', 3600)).toThrow(/cut\.mat: not a valid MATLAB v4 file at byte 24: matrix 'val' \(1x3600 int16\) needs 7200 data bytes, only 6976 present \(truncated\)/);
    const v5 = join(dir, 'v5.mat');
    writeFileSync(v5, Buffer.from('MATLAB 5.0 MAT-file, Platform: GLNXA64'.padEnd(128, ' ')));
    expect(() => readMatV4Int16Vector(v5, 'val', 3600)).toThrow(/v5\.mat: .*unrecognised type word/);
    const short = join(dir, 'short.mat');
    writeFileSync(short, encodeMatV4Int16([{ name: 'val', rows: 1, cols: 100, data: val.slice(0, 100) }]));
    expect(() => readMatV4Int16Vector(short, 'val', 3600)).toThrow(/short\.mat: matrix 'val' is 1x100, expected 1x3600/);
    const other = join(dir, 'other.mat');
    writeFileSync(other, encodeMatV4Int16([{ name: 'sig', rows: 1, cols: 3, data: [1, 2, 3] }]));
    expect(() => readMatV4Int16Vector(other, 'val', 3)).toThrow(/other\.mat: no matrix named 'val' \(found: sig\)/);
    expect(() => readMatV4Int16Vector(join(dir, 'absent.mat'), 'val', 3)).toThrow(/absent\.mat: MAT file is missing/);
  });
});
