/**
 * The aami5 and rhythm17 builders on a miniature, synthetic copy of the real directory
 * layout (mitdb/ with WFDB records, plawiak17/ with v4 MAT fragments cut from them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMatV4Int16 } from '../../src/data/matv4.ts';
import { buildMitdbAami5 } from '../../src/data/mitdb.ts';
import { RHYTHM17_CLASSES, buildPlawiakRhythm17, UNKNOWN_OFFSET } from '../../src/data/plawiak.ts';
import { prepareDataset } from '../../src/data/prepare.ts';
import { syntheticRecord } from '../../src/data/synthetic.ts';
import { codeOf, type Annotation } from '../../src/data/wfdb/annotations.ts';
import { writeWfdbRecord } from '../../src/data/wfdb/writer.ts';

const root = mkdtempSync(join(tmpdir(), 'bitbeat-pipe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mitdb = join(root, 'mitdb');
const plawiak = join(root, 'plawiak17');
mkdirSync(mitdb);
mkdirSync(plawiak);

const L = 3600;
const len = 3 * L + 500; // three full windows and a dropped tail
const a = syntheticRecord('NSR', len, 1);
const b = syntheticRecord('PVC', len, 2);
const c = syntheticRecord('AFIB', len, 3);
const beats = (list: [number, string][]): Annotation[] =>
  list.map(([sample, symbol]) => ({ sample, code: codeOf(symbol), symbol, subtype: 0, chan: 0, num: 0, aux: symbol === '+' ? '(N' : '' }));

// Record 100: window 0 all N (+ a rhythm mark and noise, not beats), window 1 N+S+V+V (V),
// window 2 has a tie S/F where F comes first (F), tail beats ignored.
writeWfdbRecord(mitdb, '100', [a, b], {
  descriptions: ['MLII', 'V5'],
  annotations: beats([[5, '+'], [100, 'N'], [900, 'N'], [1000, '~'], [L + 10, 'N'], [L + 300, 'A'], [L + 600, 'V'], [L + 900, 'E'],
    [2 * L + 5, 'F'], [2 * L + 50, 'a'], [2 * L + 99, 'N'], [3 * L + 100, 'V']]),
  crlf: true,
});
// Record 114: MLII is the second signal. Window 0: only '!' (not a beat) -> N; window 1: Q; window 2: one '/' (Q) and two 'f'... all Q.
writeWfdbRecord(mitdb, '114', [b, c], {
  descriptions: ['V5', 'MLII'],
  annotations: beats([[200, '!'], [L + 7, 'Q'], [L + 8, 'N'], [2 * L + 1, 'j'], [2 * L + 2, 'J']]),
});
// Record 102: paced, no MLII, excluded by default.
writeWfdbRecord(mitdb, '102', [c, a], { descriptions: ['V5', 'V2'], annotations: beats([[10, '/']]) });
writeFileSync(join(mitdb, 'RECORDS'), '100\n102\n114\n');

RHYTHM17_CLASSES.forEach((name, k) => mkdirSync(join(plawiak, `${k + 1} ${name}`)));
const mat = (signal: Int16Array, start: number): Uint8Array => encodeMatV4Int16([{ name: 'val', rows: 1, cols: L, data: signal.subarray(start, start + L) }]);
writeFileSync(join(plawiak, '1 NSR', '100m (0).mat'), mat(a, 0));
writeFileSync(join(plawiak, '1 NSR', '100m (1).mat'), mat(a, 2 * L));
writeFileSync(join(plawiak, '7 PVC', '100m (0).mat'), mat(b, L)); // the V5 channel of 100
writeFileSync(join(plawiak, '4 AFIB', '114m (3).mat'), mat(c, 2 * L));

describe('aami5 builder', () => {
  const ds = buildMitdbAami5(mitdb);

  it('cuts non-overlapping MLII windows, excluding paced records', () => {
    expect(ds.header.count).toBe(6);
    expect(ds.records).toEqual(['100', '100', '100', '114', '114', '114']);
    expect(Array.from(ds.offsets)).toEqual([0, L, 2 * L, 0, L, 2 * L]);
    expect(ds.header.excludedRecords).toEqual(['102']);
    expect(Array.from(ds.samples.subarray(L, 2 * L))).toEqual(Array.from(a.subarray(L, 2 * L)));
    // 114 uses its second signal (MLII).
    expect(Array.from(ds.samples.subarray(3 * L, 4 * L))).toEqual(Array.from(c.subarray(0, L)));
    expect(ds.header.notes.join('\n')).toMatch(/record 114: MLII is signal 1/);
  });

  it('labels windows with the documented rule', () => {
    expect(Array.from(ds.labels, (l) => ds.header.classes[l])).toEqual(['N', 'V', 'F', 'N', 'Q', 'S']);
    expect(Object.keys(ds.header.sourceChecksums).sort()).toEqual(['mitdb/100.atr', 'mitdb/100.dat', 'mitdb/100.hea', 'mitdb/114.atr', 'mitdb/114.dat', 'mitdb/114.hea']);
  });

  it('refuses a record without MLII when it is not excluded', () => {
    expect(() => buildMitdbAami5(mitdb, { excludedRecords: [] })).toThrow(/102\.hea: record 102 has no MLII signal \(V5, V2\)/);
  });
});

describe('rhythm17 builder', () => {
  it('reads fragments with folder labels and locates each in its record', () => {
    const ds = prepareDataset('plawiak17', 'rhythm17', root);
    expect(ds.header.count).toBe(4);
    expect(Array.from(ds.labels, (l) => ds.header.classes[l])).toEqual(['NSR', 'NSR', 'AFIB', 'PVC']);
    expect(ds.records).toEqual(['100', '100', '114', '100']);
    expect(Array.from(ds.offsets)).toEqual([0, 2 * L, 2 * L, L]);
    expect(ds.header.notes).toEqual(['7 PVC/100m (0): lead V5, not MLII (record 100, samples 3600..7199)']);
  });

  it('works without MIT-BIH, with unknown offsets', () => {
    const ds = buildPlawiakRhythm17(plawiak);
    expect(Array.from(ds.offsets)).toEqual([UNKNOWN_OFFSET, UNKNOWN_OFFSET, UNKNOWN_OFFSET, UNKNOWN_OFFSET]);
  });

  it('reports a fragment that is not a window of its record', () => {
    const odd = join(root, 'odd');
    mkdirSync(odd);
    RHYTHM17_CLASSES.forEach((name, k) => mkdirSync(join(odd, `${k + 1} ${name}`)));
    writeFileSync(join(odd, '1 NSR', '100m (9).mat'), mat(a, 100)); // not at a multiple of 3600
    expect(() => buildPlawiakRhythm17(odd, mitdb)).toThrow(/100m \(9\)\.mat: matches no 3600-sample window .* record 100/);
  });
});

describe('prepareDataset', () => {
  it('checks the source/task pair and the directory layout', () => {
    expect(() => prepareDataset('mitdb', 'rhythm17', root)).toThrow(/source mitdb provides task aami5, not 'rhythm17'/);
    expect(() => prepareDataset('ptb', 'aami5', root)).toThrow(/unknown source 'ptb'/);
    expect(() => prepareDataset('mitdb', 'aami5', plawiak)).toThrow(/no mitdb\/ directory here/);
    expect(prepareDataset('mitdb', 'aami5', mitdb).header.count).toBe(6);
  });
});
