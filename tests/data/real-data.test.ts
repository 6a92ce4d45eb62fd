/**
 * Checks against the real MIT-BIH and 17-class data. The data is never in the repository:
 * findDataDir() looks at BITBEAT_DATA, then ../shared/data; without it these tests skip.
 */
import { describe, expect, it } from 'vitest';
import { AAMI_BEAT_CLASS } from '../../src/data/aami.ts';
import { classCounts } from '../../src/data/dataset.ts';
import { buildMitdbAami5, listMitdbRecords } from '../../src/data/mitdb.ts';
import { findDataDir, sourceDir } from '../../src/data/paths.ts';
import { buildPlawiakRhythm17, RHYTHM17_CLASSES } from '../../src/data/plawiak.ts';
import { readAnnotationFile, readWfdbRecord } from '../../src/data/wfdb/record.ts';

const dataDir = findDataDir();
const mitdb = dataDir ? sourceDir(dataDir, 'mitdb', false) : undefined;
const plawiak = dataDir ? sourceDir(dataDir, 'plawiak17', false) : undefined;
if (!mitdb || !plawiak) {
  console.warn(
    `tests/data/real-data.test.ts: SKIPPING real-data checks: ${dataDir ? `${dataDir} lacks ${[mitdb ? '' : 'mitdb/', plawiak ? '' : 'plawiak17/'].filter(Boolean).join(' and ')}` : 'no data directory'}` +
      ' (set BITBEAT_DATA to the directory holding mitdb/ and plawiak17/)',
  );
}

describe.skipIf(!mitdb)('MIT-BIH Arrhythmia Database (real data)', () => {
  it('decodes all 48 records with matching initial values and checksums', () => {
    const records = listMitdbRecords(mitdb!);
    expect(records).toHaveLength(48);
    for (const r of records) {
      // readWfdbRecord throws on any initial value or checksum mismatch.
      const rec = readWfdbRecord(mitdb!, r);
      expect(rec.signals).toHaveLength(2);
      expect(rec.signals[0]!.length).toBe(650000);
      expect(rec.header.signals.every((s) => s.checksum !== undefined && s.initialValue !== undefined)).toBe(true);
    }
  });

  it('has 109,494 beat annotations, not counting the 472 flutter waves (!) of record 207', () => {
    // Beats are the symbols of AAMI_BEAT_CLASS: N L R e j (B) A a J S (n) V E (r) F / f Q (?).
    let beats = 0;
    const flutter: Record<string, number> = {};
    for (const r of listMitdbRecords(mitdb!)) {
      for (const a of readAnnotationFile(mitdb!, r)) {
        if (AAMI_BEAT_CLASS[a.symbol] !== undefined) beats++;
        if (a.symbol === '!') flutter[r] = (flutter[r] ?? 0) + 1;
      }
    }
    expect(beats).toBe(109494);
    expect(flutter).toEqual({ '207': 472 });
  });

  it('gives the documented aami5 window counts (N 5,007 S 657 V 2,121 F 127 Q 8 of 7,920)', () => {
    const ds = buildMitdbAami5(mitdb!);
    expect(classCounts(ds.labels, 5)).toEqual([5007, 657, 2121, 127, 8]);
  });
});

describe.skipIf(!mitdb || !plawiak)('17-class fragments (real data)', () => {
  it('every fragment equals a 3600-sample window of its record at a multiple of 3600; three are lead V1', () => {
    // buildPlawiakRhythm17 throws if any fragment matches no window of its record.
    const ds = buildPlawiakRhythm17(plawiak!, mitdb!);
    expect(ds.header.count).toBe(1000);
    expect(classCounts(ds.labels, 17)).toEqual([283, 66, 20, 135, 13, 21, 133, 55, 13, 10, 10, 10, 11, 103, 62, 10, 45]);
    expect(ds.header.classes).toEqual([...RHYTHM17_CLASSES]);
    expect(Array.from(ds.offsets).every((o) => o % 3600 === 0 && o + 3600 <= 650000)).toBe(true);
    expect(ds.header.notes.map((n) => n.split(':')[0])).toEqual(['14 LBBBB/109m (49)', '14 LBBBB/109m (50)', '15 RBBBB/118m (9)']);
    expect(ds.header.notes.every((n) => n.includes('lead V1'))).toBe(true);
  });
});
