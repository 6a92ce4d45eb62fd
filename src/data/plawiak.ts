/**
 * Builds the rhythm17 dataset from Plawiak's "ECG signals (1000 fragments)": folders
 * `<k> <CLASS>/` (k = 1..17, the label) holding `<record>m (<n>).mat` MATLAB v4 files, each
 * with an int16 1x3600 matrix `val` (raw ADC, lead MLII for all but three fragments).
 *
 * When the MIT-BIH records are also available, each fragment is located in its record (the
 * window start, a multiple of 3600, and the lead) so `offsets` are real; otherwise offsets
 * are UNKNOWN_OFFSET and a note says so.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { BITBEAT_VERSION } from '../version.ts';
import type { Dataset } from './dataset.ts';
import { combinedDigest, sha256Hex } from './checksums.ts';
import { readMatV4Int16Vector } from './matv4.ts';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, MITDB_ADC, MITDB_SAMPLE_RATE, WINDOW_LENGTH } from './mitdb.ts';
import { readWfdbRecord, type WfdbRecord } from './wfdb/record.ts';

export const RHYTHM17_CLASSES = [
  'NSR', 'APB', 'AFL', 'AFIB', 'SVTA', 'WPW', 'PVC', 'Bigeminy', 'Trigeminy', 'VT', 'IVR', 'VFL',
  'Fusion', 'LBBBB', 'RBBBB', 'SDHB', 'PR',
] as const;

export const UNKNOWN_OFFSET = 0xffffffff;

export interface PlawiakFragment {
  /** Path relative to the plawiak17 directory, e.g. '1 NSR/100m (0).mat'. */
  relPath: string;
  label: number;
  record: string;
  /** The number in parentheses. */
  index: number;
}

/** Lists the fragments in a stable order: by class, then record, then fragment number. */
export function listPlawiakFragments(dir: string): PlawiakFragment[] {
  const folders = readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory());
  const out: PlawiakFragment[] = [];
  const seen = new Set<number>();
  for (const folder of folders) {
    const m = /^(\d+) (\S+)$/.exec(folder);
    if (!m) continue;
    const k = Number(m[1]);
    const expected = RHYTHM17_CLASSES[k - 1];
    if (expected === undefined || expected !== m[2]) {
      throw new UserError(`${join(dir, folder)}: unexpected class folder (expected '${k} ${expected ?? '<none: classes are 1..17>'}'); is this the 17-class set?`);
    }
    seen.add(k);
    for (const file of readdirSync(join(dir, folder))) {
      const fm = /^(\d+)m \((\d+)\)\.mat$/.exec(file);
      if (!fm) throw new UserError(`${join(dir, folder, file)}: unexpected file name (expected '<record>m (<n>).mat')`);
      out.push({ relPath: `${folder}/${file}`, label: k - 1, record: fm[1]!, index: Number(fm[2]) });
    }
  }
  const missing = RHYTHM17_CLASSES.map((_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new UserError(`${dir}: class folders ${missing.map((k) => `'${k} ${RHYTHM17_CLASSES[k - 1]}'`).join(', ')} are missing`);
  out.sort((a, b) => a.label - b.label || Number(a.record) - Number(b.record) || a.record.localeCompare(b.record) || a.index - b.index);
  return out;
}

export interface FragmentLocation {
  offset: number;
  /** Signal description of the matching channel, e.g. 'MLII' or 'V1'. */
  lead: string;
}

/** Finds the window (start a multiple of 3600, any channel) equal to `fragment`, or undefined. */
export function locateFragment(rec: WfdbRecord, fragment: Int16Array): FragmentLocation | undefined {
  const n = fragment.length;
  for (let ch = 0; ch < rec.signals.length; ch++) {
    const sig = rec.signals[ch]!;
    for (let start = 0; start + n <= sig.length; start += n) {
      if (sig[start] !== fragment[0]) continue;
      let same = true;
      for (let t = 1; t < n; t++) {
        if (sig[start + t] !== fragment[t]) {
          same = false;
          break;
        }
      }
      if (same) return { offset: start, lead: rec.header.signals[ch]!.description };
    }
  }
  return undefined;
}

/**
 * Builds rhythm17 from `dir` (holding '1 NSR', ...). `mitdbDir`, when given, is used to locate
 * each fragment in its record; a fragment that matches no window there is an error.
 */
export function buildPlawiakRhythm17(dir: string, mitdbDir?: string): Dataset {
  const fragments = listPlawiakFragments(dir);
  const samples = new Int16Array(fragments.length * WINDOW_LENGTH);
  const offsets = new Uint32Array(fragments.length).fill(UNKNOWN_OFFSET);
  const fileSums: Record<string, string> = {};
  const notes: string[] = [];
  const recordCache = new Map<string, WfdbRecord>();
  const mitdbSums: Record<string, string> = {};
  fragments.forEach((f, i) => {
    const path = join(dir, f.relPath);
    const bytes = readFileSync(path);
    fileSums[f.relPath] = sha256Hex(bytes);
    const val = readMatV4Int16Vector(path, 'val', WINDOW_LENGTH);
    samples.set(val, i * WINDOW_LENGTH);
    if (mitdbDir === undefined) return;
    let rec = recordCache.get(f.record);
    if (!rec) {
      if (!existsSync(join(mitdbDir, `${f.record}.hea`))) throw new UserError(`${path}: names MIT-BIH record ${f.record}, which is not in ${mitdbDir}`);
      rec = readWfdbRecord(mitdbDir, f.record);
      recordCache.set(f.record, rec);
      for (const ext of ['hea', 'dat']) mitdbSums[`${f.record}.${ext}`] = sha256Hex(readFileSync(join(mitdbDir, `${f.record}.${ext}`)));
    }
    const loc = locateFragment(rec, val);
    if (!loc) throw new UserError(`${path}: matches no 3600-sample window (start a multiple of 3600) of MIT-BIH record ${f.record} in either channel`);
    offsets[i] = loc.offset;
    if (loc.lead !== 'MLII') notes.push(`${f.relPath.replace(/\.mat$/, '')}: lead ${loc.lead}, not MLII (record ${f.record}, samples ${loc.offset}..${loc.offset + WINDOW_LENGTH - 1})`);
  });
  if (mitdbDir === undefined) notes.push(`MIT-BIH records were not available, so offsets are unknown (${UNKNOWN_OFFSET})`);
  const sourceChecksums: Record<string, string> = {
    [`plawiak17/*/*.mat (${fragments.length} files, sha256sum list digest)`]: combinedDigest(fileSums),
  };
  if (mitdbDir !== undefined) {
    sourceChecksums[`mitdb/*.hea,*.dat (${Object.keys(mitdbSums).length} files used to locate fragments, sha256sum list digest)`] = combinedDigest(mitdbSums);
  }
  return {
    header: {
      format: 'bitbeat-dataset',
      version: 1,
      task: 'rhythm17',
      source: 'plawiak17',
      classes: [...RHYTHM17_CLASSES],
      windowLength: WINDOW_LENGTH,
      sampleRate: MITDB_SAMPLE_RATE,
      count: fragments.length,
      lead: 'MLII',
      adc: { ...MITDB_ADC },
      labelRule: 'folder: the fragment\'s class is the number k of its folder "<k> <CLASS>" (label k-1)',
      excludedRecords: [],
      sourceChecksums,
      defaultSplit: { method: 'stratified', testFraction: DEFAULT_TEST_FRACTION, seed: DEFAULT_SPLIT_SEED },
      notes,
      generator: `bitbeat ${BITBEAT_VERSION}`,
    },
    samples,
    labels: Uint8Array.from(fragments, (f) => f.label),
    records: fragments.map((f) => f.record),
    offsets,
  };
}
