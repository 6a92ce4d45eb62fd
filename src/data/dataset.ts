/**
 * The labelled-window dataset, in memory and on disk (".bbds" files).
 *
 * File layout (all integers little-endian):
 *   0   4 bytes  magic "BBDS"
 *   4   uint32   file layout version (1)
 *   8   uint32   byte length J of the JSON header
 *   12  J bytes  JSON header (UTF-8), padded with spaces so the payload starts at a multiple of 8
 *   payload:
 *       int16  x count*windowLength   samples, window-major (raw ADC integers)
 *       uint8  x count                labels (class index)
 *       pad to a multiple of 4
 *       uint32 x count                offsets (start sample of the window in its record)
 *       uint16 x count                record index into header.recordIds
 * The JSON header carries a SHA-256 of the payload, so any damage is detected on read.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { z } from 'zod';
import { UserError } from '../cli/errors.ts';
import { writeFileAtomic } from '../io/write-atomic.ts';

export type DatasetTask = 'aami5' | 'rhythm17';
export type DatasetSource = 'mitdb' | 'plawiak17' | 'synthetic';

export interface DefaultSplit {
  /** Stratified random train/test split (the seed papers' protocol). */
  method: 'stratified';
  testFraction: number;
  seed: number;
}

export interface DatasetHeader {
  format: 'bitbeat-dataset';
  version: 1;
  task: DatasetTask;
  source: DatasetSource;
  /** Class names; a label is an index into this list. */
  classes: string[];
  windowLength: number;
  sampleRate: number;
  count: number;
  /** Lead the windows come from (exceptions are listed in `notes`). */
  lead: string;
  /** ADC scale of the samples: physical mV = (sample - baseline) / gain. */
  adc: { bits: number; baseline: number; gain: number; units: string };
  /** How a window gets its label, in words. */
  labelRule: string;
  /** Source records left out, with the reason in `notes`. */
  excludedRecords: string[];
  /** SHA-256 (hex) of the source files the dataset was built from, by relative path. */
  sourceChecksums: Record<string, string>;
  defaultSplit: DefaultSplit;
  /** Free-form remarks (channel choices, lead exceptions, ...). */
  notes: string[];
  /** Program that wrote the dataset, e.g. 'bitbeat 0.1.0'. */
  generator: string;
}

export interface Dataset {
  header: DatasetHeader;
  /** count * windowLength raw ADC integers, window-major. */
  samples: Int16Array;
  /** Class index per window. */
  labels: Uint8Array;
  /** Record id per window. */
  records: string[];
  /** Start sample of each window in its record. */
  offsets: Uint32Array;
}

export const DATASET_EXTENSION = '.bbds';
const MAGIC = 'BBDS';
const LAYOUT_VERSION = 1;

const headerSchema = z.object({
  format: z.literal('bitbeat-dataset'),
  version: z.literal(1),
  task: z.enum(['aami5', 'rhythm17']),
  source: z.enum(['mitdb', 'plawiak17', 'synthetic']),
  classes: z.array(z.string()).min(1).max(256),
  windowLength: z.number().int().positive(),
  sampleRate: z.number().positive(),
  count: z.number().int().nonnegative(),
  lead: z.string(),
  adc: z.object({ bits: z.number().int(), baseline: z.number(), gain: z.number(), units: z.string() }),
  labelRule: z.string(),
  excludedRecords: z.array(z.string()),
  sourceChecksums: z.record(z.string(), z.string()),
  defaultSplit: z.object({ method: z.literal('stratified'), testFraction: z.number().gt(0).lt(1), seed: z.number().int() }),
  notes: z.array(z.string()),
  generator: z.string(),
});
const fileHeaderSchema = headerSchema.extend({
  recordIds: z.array(z.string()).max(65536),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Window `i` as a view into ds.samples (no copy). */
export function window(ds: Dataset, i: number): Int16Array {
  const n = ds.header.windowLength;
  if (!Number.isInteger(i) || i < 0 || i >= ds.header.count) throw new RangeError(`window index ${i} outside [0, ${ds.header.count})`);
  return ds.samples.subarray(i * n, (i + 1) * n);
}

/** Checks the in-memory invariants (array lengths, label range); throws RangeError. */
export function assertDatasetConsistent(ds: Dataset): void {
  const h = ds.header;
  if (ds.samples.length !== h.count * h.windowLength) throw new RangeError(`dataset: ${ds.samples.length} samples, expected count*windowLength = ${h.count * h.windowLength}`);
  if (ds.labels.length !== h.count || ds.records.length !== h.count || ds.offsets.length !== h.count) {
    throw new RangeError(`dataset: labels/records/offsets must each have ${h.count} entries (have ${ds.labels.length}/${ds.records.length}/${ds.offsets.length})`);
  }
  for (let i = 0; i < h.count; i++) {
    if (ds.labels[i]! >= h.classes.length) throw new RangeError(`dataset: window ${i} has label ${ds.labels[i]} but there are ${h.classes.length} classes`);
  }
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

function payloadLayout(count: number, windowLength: number) {
  const samplesBytes = count * windowLength * 2;
  const labelsAt = samplesBytes;
  const offsetsAt = align(labelsAt + count, 4);
  const recordIdxAt = offsetsAt + 4 * count;
  const total = recordIdxAt + 2 * count;
  return { samplesBytes, labelsAt, offsetsAt, recordIdxAt, total };
}

const littleEndianHost = endianness() === 'LE';

/** Serializes a dataset to bytes (deterministic: same dataset, same bytes). */
export function encodeDataset(ds: Dataset): Buffer {
  assertDatasetConsistent(ds);
  const h = ds.header;
  const recordIds: string[] = [];
  const recordIndex = new Map<string, number>();
  const idx = new Uint16Array(h.count);
  for (let i = 0; i < h.count; i++) {
    const r = ds.records[i]!;
    let k = recordIndex.get(r);
    if (k === undefined) {
      k = recordIds.length;
      if (k >= 65536) throw new RangeError('dataset: more than 65536 distinct records');
      recordIds.push(r);
      recordIndex.set(r, k);
    }
    idx[i] = k;
  }
  const L = payloadLayout(h.count, h.windowLength);
  const payload = Buffer.alloc(L.total);
  const sView = new Int16Array(payload.buffer, payload.byteOffset, h.count * h.windowLength);
  sView.set(ds.samples);
  payload.set(ds.labels, L.labelsAt);
  for (let i = 0; i < h.count; i++) {
    payload.writeUInt32LE(ds.offsets[i]!, L.offsetsAt + 4 * i);
    payload.writeUInt16LE(idx[i]!, L.recordIdxAt + 2 * i);
  }
  if (!littleEndianHost) payload.subarray(0, L.samplesBytes).swap16();
  const payloadSha256 = createHash('sha256').update(payload).digest('hex');
  // Fixed key order (the header's own) keeps the JSON byte-identical run to run.
  const json = Buffer.from(JSON.stringify({ ...h, recordIds, payloadSha256 }), 'utf8');
  const jsonPadded = align(12 + json.length, 8) - 12;
  const head = Buffer.alloc(12 + jsonPadded, 0x20);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(LAYOUT_VERSION, 4);
  head.writeUInt32LE(jsonPadded, 8);
  json.copy(head, 12);
  return Buffer.concat([head, payload]);
}

/** Parses and validates dataset bytes; `source` names the file in error messages. */
export function decodeDataset(bytes: Buffer, source: string): Dataset {
  const fail = (what: string): never => {
    throw new UserError(`${source}: not a valid bitbeat dataset: ${what} (re-create it with 'bitbeat data prepare')`);
  };
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== MAGIC) fail('missing "BBDS" magic');
  const layout = bytes.readUInt32LE(4);
  if (layout !== LAYOUT_VERSION) fail(`file layout version ${layout}, this bitbeat reads version ${LAYOUT_VERSION}`);
  const jsonLen = bytes.readUInt32LE(8);
  if (12 + jsonLen > bytes.length) fail(`header of ${jsonLen} bytes runs past the end of the file (truncated)`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8', 12, 12 + jsonLen));
  } catch (err) {
    fail(`JSON header does not parse (${(err as Error).message})`);
  }
  const parsed = fileHeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(`header field '${issue.path.join('.')}': ${issue.message}`);
  }
  const { recordIds, payloadSha256, ...header } = parsed.data!;
  const L = payloadLayout(header.count, header.windowLength);
  const payloadStart = 12 + jsonLen;
  const payload = bytes.subarray(payloadStart);
  if (payload.length !== L.total) {
    fail(`payload is ${payload.length} bytes, expected ${L.total} for ${header.count} windows of ${header.windowLength} samples (${payload.length < L.total ? 'truncated' : 'trailing bytes'})`);
  }
  if (createHash('sha256').update(payload).digest('hex') !== payloadSha256) fail('payload SHA-256 does not match the header (the file is corrupt)');
  // Copy so the result does not pin the file buffer and is properly aligned.
  const samplesBuf = Buffer.from(payload.subarray(0, L.samplesBytes));
  if (!littleEndianHost) samplesBuf.swap16();
  const samples = new Int16Array(samplesBuf.buffer, samplesBuf.byteOffset, header.count * header.windowLength);
  const labels = new Uint8Array(payload.subarray(L.labelsAt, L.labelsAt + header.count));
  const offsets = new Uint32Array(header.count);
  const records: string[] = new Array(header.count);
  for (let i = 0; i < header.count; i++) {
    offsets[i] = payload.readUInt32LE(L.offsetsAt + 4 * i);
    const k = payload.readUInt16LE(L.recordIdxAt + 2 * i);
    if (k >= recordIds.length) fail(`window ${i} refers to record index ${k}, only ${recordIds.length} records listed`);
    records[i] = recordIds[k]!;
    if (labels[i]! >= header.classes.length) fail(`window ${i} has label ${labels[i]}, only ${header.classes.length} classes`);
  }
  return { header: header as DatasetHeader, samples, labels, records, offsets };
}

/** Writes `ds` to `path` atomically: a temporary file in the same directory, then rename. */
export function writeDatasetFile(path: string, ds: Dataset): void {
  const bytes = encodeDataset(ds);
  writeFileAtomic(path, bytes);
}


/** Reads and validates a dataset file; every problem is one UserError naming the file. */
export function readDatasetFile(path: string): Dataset {
  if (!existsSync(path)) throw new UserError(`${path}: dataset file not found (create it with 'bitbeat data prepare')`);
  return decodeDataset(readFileSync(path), path);
}

/** Number of windows per class. */
export function classCounts(labels: ArrayLike<number>, classCount: number, indices?: readonly number[]): number[] {
  const counts = new Array<number>(classCount).fill(0);
  if (indices) for (const i of indices) counts[labels[i]!]!++;
  else for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}
