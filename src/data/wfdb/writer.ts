/**
 * Writes a WFDB record (format 212, one interleaved .dat, header with initial values and
 * checksums, optional .atr). Used to build synthetic MIT-BIH-like records for tests, so the
 * readers are exercised on files with the same structure as PhysioNet's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMitAnnotations, type Annotation } from './annotations.ts';
import { encodeFormat212 } from './format212.ts';
import { formatWfdbHeader, type WfdbHeader } from './header.ts';

export interface WriteRecordOptions {
  sampleRate?: number;
  /** Signal descriptions, e.g. ['MLII', 'V5']. */
  descriptions: string[];
  annotations?: Annotation[];
  /** Use CRLF line endings in the header, like MIT-BIH. */
  crlf?: boolean;
}

/** 16-bit two's-complement sum of samples, as stored in WFDB headers. */
export function wfdbChecksum(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + samples[i]!) | 0;
  return (sum << 16) >> 16;
}

/** Writes `<name>.hea`, `<name>.dat` (and `<name>.atr` when annotations are given) into `dir`. */
export function writeWfdbRecord(dir: string, name: string, signals: ArrayLike<number>[], opts: WriteRecordOptions): void {
  const frames = signals[0]?.length ?? 0;
  if (signals.some((s) => s.length !== frames)) throw new RangeError('all signals must have the same length');
  const interleaved = new Int16Array(frames * signals.length);
  for (let t = 0; t < frames; t++) for (let s = 0; s < signals.length; s++) interleaved[t * signals.length + s] = signals[s]![t]!;
  const header: WfdbHeader = {
    recordName: name,
    signalCount: signals.length,
    samplingFrequency: opts.sampleRate ?? 360,
    sampleCount: frames,
    signals: signals.map((s, i) => ({
      fileName: `${name}.dat`, format: 212, samplesPerFrame: 1, skew: 0, byteOffset: 0, gain: 200, baseline: 1024,
      units: 'mV', adcResolution: 11, adcZero: 1024, initialValue: frames > 0 ? s[0]! : 0, checksum: wfdbChecksum(s),
      blockSize: 0, description: opts.descriptions[i] ?? '',
    })),
    comments: ['synthetic record written by bitbeat'],
  };
  let text = formatWfdbHeader(header);
  if (opts.crlf) text = text.replace(/\n/g, '\r\n');
  writeFileSync(join(dir, `${name}.hea`), text, 'latin1');
  writeFileSync(join(dir, `${name}.dat`), encodeFormat212(interleaved));
  if (opts.annotations) writeFileSync(join(dir, `${name}.atr`), encodeMitAnnotations(opts.annotations));
}
