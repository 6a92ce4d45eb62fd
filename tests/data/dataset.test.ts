import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { encodeDataset, readDatasetFile, window, writeDatasetFile } from '../../src/data/dataset.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'bitbeat-ds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ds = syntheticDataset({ seed: 3, perClass: 4, classes: ['N', 'S', 'V', 'F', 'Q'], windowLength: 1000 });

describe('dataset file', () => {
  it('round-trips every field and is byte-identical when re-written', () => {
    const path = join(dir, 'a.bbds');
    writeDatasetFile(path, ds);
    const back = readDatasetFile(path);
    expect(back.header).toEqual(ds.header);
    expect(Array.from(back.samples)).toEqual(Array.from(ds.samples));
    expect(Array.from(back.labels)).toEqual(Array.from(ds.labels));
    expect(back.records).toEqual(ds.records);
    expect(Array.from(back.offsets)).toEqual(Array.from(ds.offsets));
    expect(encodeDataset(back).equals(readFileSync(path))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('window() is a view of one window', () => {
    const w = window(ds, 6);
    expect(w.length).toBe(1000);
    expect(w.buffer).toBe(ds.samples.buffer);
    expect(w[0]).toBe(ds.samples[6000]);
    expect(() => window(ds, ds.header.count)).toThrow(RangeError);
  });

  it('detects corruption, truncation and foreign files with one clear error', () => {
    const path = join(dir, 'b.bbds');
    writeDatasetFile(path, ds);
    const good = readFileSync(path);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100] ^= 0x40;
    writeFileSync(path, flipped);
    expect(() => readDatasetFile(path)).toThrow(/b\.bbds: not a valid bitbeat dataset: payload SHA-256 does not match/);
    writeFileSync(path, good.subarray(0, good.length - 3));
    expect(() => readDatasetFile(path)).toThrow(/b\.bbds: .*payload is \d+ bytes, expected \d+ .*\(truncated\)/);
    writeFileSync(path, Buffer.concat([good, Buffer.from([0])]));
    expect(() => readDatasetFile(path)).toThrow(/trailing bytes/);
    writeFileSync(path, Buffer.from('PK\x03\x04 not a dataset'));
    expect(() => readDatasetFile(path)).toThrow(/missing "BBDS" magic/);
    const badHeader = Buffer.from(good);
    const at = badHeader.indexOf('"windowLength":1000');
    badHeader.write('"windowLength":-100', at, 'latin1');
    writeFileSync(path, badHeader);
    expect(() => readDatasetFile(path)).toThrow(/header field 'windowLength'/);
    expect(() => readDatasetFile(join(dir, 'none.bbds'))).toThrow(/none\.bbds: dataset file not found/);
  });

  it('leaves nothing behind when the target directory does not exist', () => {
    const path = join(dir, 'missing-dir', 'c.bbds');
    expect(() => writeDatasetFile(path, ds)).toThrow(UserError);
    expect(existsSync(join(dir, 'missing-dir'))).toBe(false);
  });

  it('refuses inconsistent datasets before writing', () => {
    const bad = { ...ds, labels: ds.labels.subarray(1) };
    expect(() => writeDatasetFile(join(dir, 'd.bbds'), bad)).toThrow(/labels\/records\/offsets must each have 20 entries/);
    expect(existsSync(join(dir, 'd.bbds'))).toBe(false);
  });
});
