/**
 * Builds the aami5 dataset from MIT-BIH: non-overlapping 3600-sample (10 s) windows of lead
 * MLII, labelled by AAMI5_LABEL_RULE.
 *
 * Channels: MLII is signal 0 in every record except 114 (V5, MLII), where signal 1 is used;
 * the lead is chosen by the header's signal description, not by position. Records 102 (V5, V2)
 * and 104 (V5, V2) have no MLII at all; they are paced, and so excluded with 107 and 217.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { BITBEAT_VERSION } from '../version.ts';
import { AAMI5_CLASSES, AAMI5_LABEL_RULE, PACED_RECORDS, aamiClassIndex, aamiWindowLabel } from './aami.ts';
import type { Dataset } from './dataset.ts';
import { sha256Hex } from './checksums.ts';
import { readAnnotationFile, readWfdbRecord } from './wfdb/record.ts';

export const WINDOW_LENGTH = 3600;
export const MITDB_SAMPLE_RATE = 360;
export const DEFAULT_SPLIT_SEED = 42;
export const DEFAULT_TEST_FRACTION = 0.2;
export const MITDB_ADC = { bits: 11, baseline: 1024, gain: 200, units: 'mV' } as const;

/** Record names of a MIT-BIH directory: its RECORDS file, else every *.hea, sorted. */
export function listMitdbRecords(dir: string): string[] {
  const recordsFile = join(dir, 'RECORDS');
  if (existsSync(recordsFile)) return readFileSync(recordsFile, 'latin1').split(/\s+/).filter((s) => s !== '');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** Index of the MLII signal of a record, or -1. */
export function mliiChannel(descriptions: readonly string[]): number {
  return descriptions.findIndex((d) => d.trim() === 'MLII');
}

export interface MitdbOptions {
  excludedRecords?: readonly string[];
}

/** Builds the aami5 dataset from the MIT-BIH directory `dir` (the one holding 100.hea). */
export function buildMitdbAami5(dir: string, opts: MitdbOptions = {}): Dataset {
  const excluded = new Set(opts.excludedRecords ?? PACED_RECORDS);
  const all = listMitdbRecords(dir);
  if (all.length === 0) throw new UserError(`${dir}: no MIT-BIH records found (expected RECORDS or *.hea files)`);
  const used = all.filter((r) => !excluded.has(r));
  const sourceChecksums: Record<string, string> = {};
  const chunks: Int16Array[] = [];
  const labels: number[] = [];
  const records: string[] = [];
  const offsets: number[] = [];
  const notes: string[] = [];
  for (const rec of used) {
    const { header, signals } = readWfdbRecord(dir, rec);
    const ch = mliiChannel(header.signals.map((s) => s.description));
    if (ch < 0) {
      throw new UserError(`${join(dir, rec + '.hea')}: record ${rec} has no MLII signal (${header.signals.map((s) => s.description).join(', ')}); exclude it`);
    }
    if (header.samplingFrequency !== MITDB_SAMPLE_RATE) {
      throw new UserError(`${join(dir, rec + '.hea')}: sampling frequency ${header.samplingFrequency} Hz, expected ${MITDB_SAMPLE_RATE}`);
    }
    if (ch !== 0) notes.push(`record ${rec}: MLII is signal ${ch} (${header.signals.map((s) => s.description).join(', ')}); that signal is used`);
    for (const ext of ['hea', 'dat', 'atr']) sourceChecksums[`mitdb/${rec}.${ext}`] = sha256Hex(readFileSync(join(dir, `${rec}.${ext}`)));
    const signal = signals[ch]!;
    const anns = readAnnotationFile(dir, rec);
    const nWindows = Math.floor(signal.length / WINDOW_LENGTH);
    let a = 0;
    const beatClasses: number[] = [];
    for (let w = 0; w < nWindows; w++) {
      const start = w * WINDOW_LENGTH;
      const end = start + WINDOW_LENGTH;
      beatClasses.length = 0;
      while (a < anns.length && anns[a]!.sample < start) a++;
      // Annotations are in time order, so one forward pass assigns every beat to its window.
      let b = a;
      for (; b < anns.length && anns[b]!.sample < end; b++) {
        const k = aamiClassIndex(anns[b]!.symbol);
        if (k >= 0) beatClasses.push(k);
      }
      a = b;
      chunks.push(signal.subarray(start, end));
      labels.push(aamiWindowLabel(beatClasses));
      records.push(rec);
      offsets.push(start);
    }
  }
  const excludedList = all.filter((r) => excluded.has(r));
  if (excludedList.length > 0) {
    notes.push(`excluded records ${excludedList.join(', ')}: paced (AAMI EC57); 102 and 104 also have no MLII lead`);
  }
  const samples = new Int16Array(chunks.length * WINDOW_LENGTH);
  chunks.forEach((c, i) => samples.set(c, i * WINDOW_LENGTH));
  return {
    header: {
      format: 'bitbeat-dataset',
      version: 1,
      task: 'aami5',
      source: 'mitdb',
      classes: [...AAMI5_CLASSES],
      windowLength: WINDOW_LENGTH,
      sampleRate: MITDB_SAMPLE_RATE,
      count: labels.length,
      lead: 'MLII',
      adc: { ...MITDB_ADC },
      labelRule: AAMI5_LABEL_RULE,
      excludedRecords: excludedList,
      sourceChecksums,
      defaultSplit: { method: 'stratified', testFraction: DEFAULT_TEST_FRACTION, seed: DEFAULT_SPLIT_SEED },
      notes,
      generator: `bitbeat ${BITBEAT_VERSION}`,
    },
    samples,
    labels: Uint8Array.from(labels),
    records,
    offsets: Uint32Array.from(offsets),
  };
}
