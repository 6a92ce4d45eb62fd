import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { makeRng } from '../../src/data/rng.ts';
import { codeOf, type Annotation } from '../../src/data/wfdb/annotations.ts';
import { readAnnotationFile, readWfdbRecord } from '../../src/data/wfdb/record.ts';
import { writeWfdbRecord } from '../../src/data/wfdb/writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'bitbeat-wfdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rng = makeRng(5);
const N = 5001; // odd frame count x 2 signals
const sig0 = Array.from({ length: N }, () => rng.int(4096) - 2048);
const sig1 = Array.from({ length: N }, () => 1024 + rng.int(200) - 100);
const anns: Annotation[] = [
  { sample: 3, code: codeOf('+'), symbol: '+', subtype: 0, chan: 0, num: 0, aux: '(N' },
  { sample: 100, code: codeOf('N'), symbol: 'N', subtype: 0, chan: 0, num: 0, aux: '' },
  { sample: 4000, code: codeOf('V'), symbol: 'V', subtype: 0, chan: 0, num: 0, aux: '' },
];

/** Writes a fresh copy of the record under `name` and returns the path of one of its files. */
function fresh(name: string): (ext: string) => string {
  writeWfdbRecord(dir, name, [sig0, sig1], { descriptions: ['MLII', 'V5'], annotations: anns, crlf: true });
  return (ext) => join(dir, `${name}.${ext}`);
}

describe('WFDB record reader', () => {
  it('reads back what the writer wrote, verifying initial values and checksums', () => {
    fresh('r1');
    const rec = readWfdbRecord(dir, 'r1');
    expect(rec.header.signals.map((s) => s.description)).toEqual(['MLII', 'V5']);
    expect(Array.from(rec.signals[0]!)).toEqual(sig0);
    expect(Array.from(rec.signals[1]!)).toEqual(sig1);
    expect(readAnnotationFile(dir, 'r1')).toEqual(anns);
  });

  it('detects a corrupted sample through the checksum', () => {
    const file = fresh('r2');
    const bytes = readFileSync(file('dat'));
    bytes[300] ^= 0x01; // low byte of one sample: the sum changes by +-1
    writeFileSync(file('dat'), bytes);
    expect(() => readWfdbRecord(dir, 'r2')).toThrow(/r2\.dat: signal \d \((MLII|V5)\) checksum mismatch: samples sum to -?\d+ \(16-bit\), header says -?\d+/);
  });

  it('detects a header whose initial value does not match the signal', () => {
    const file = fresh('r3');
    const text = readFileSync(file('hea'), 'latin1').split('\r\n');
    const fields = text[1]!.split(' ');
    fields[5] = String(Number(fields[5]) + 1);
    text[1] = fields.join(' ');
    writeFileSync(file('hea'), text.join('\r\n'), 'latin1');
    expect(() => readWfdbRecord(dir, 'r3')).toThrow(/r3\.dat: signal 0 \(MLII\) starts with -?\d+ but the header's initial value is -?\d+/);
  });

  it('reports a truncated signal file with the expected and actual sizes', () => {
    const file = fresh('r4');
    const bytes = readFileSync(file('dat'));
    writeFileSync(file('dat'), bytes.subarray(0, bytes.length - 5));
    expect(() => readWfdbRecord(dir, 'r4')).toThrow(/r4\.dat: truncated signal file: 5001 samples of 2 signal\(s\) in format 212 need 15003 bytes after offset 0, found 14998/);
  });

  it('reports missing files by path', () => {
    const file = fresh('r5');
    rmSync(file('dat'));
    rmSync(file('atr'));
    expect(() => readWfdbRecord(dir, 'r5')).toThrow(UserError);
    expect(() => readWfdbRecord(dir, 'r5')).toThrow(/r5\.dat: WFDB signal file is missing/);
    expect(() => readAnnotationFile(dir, 'r5')).toThrow(/r5\.atr: annotation file is missing/);
    expect(() => readWfdbRecord(dir, 'nope')).toThrow(/nope\.hea: WFDB header is missing/);
  });

  it('reports an unsupported signal format', () => {
    const file = fresh('r6');
    writeFileSync(file('hea'), readFileSync(file('hea'), 'latin1').replace(/ 212 /g, ' 80 '), 'latin1');
    expect(() => readWfdbRecord(dir, 'r6')).toThrow(/r6\.dat: WFDB signal format 80 is not supported/);
  });
});
