/**
 * Reads a whole WFDB record (header + signal files) from disk and verifies it: each signal's
 * first sample must equal the header's initial value and the 16-bit sum of its samples the
 * header's checksum. Any problem is one UserError naming the file and what is wrong.
 */
import { join } from 'node:path';
import { UserError } from '../../cli/errors.ts';
import { readFileOrFail } from '../files.ts';
import { decodeFormat212, format212ByteLength } from './format212.ts';
import { parseWfdbHeader, type WfdbHeader } from './header.ts';
import { parseMitAnnotations, type Annotation } from './annotations.ts';

export interface WfdbRecord {
  header: WfdbHeader;
  /** One array of raw ADC samples per signal, in header order. */
  signals: Int16Array[];
}

export function readWfdbHeaderFile(dir: string, record: string): WfdbHeader {
  const path = join(dir, `${record}.hea`);
  return parseWfdbHeader(readFileOrFail(path, 'WFDB header').toString('latin1'), path);
}

/** Reads and verifies record `record` in directory `dir`. */
export function readWfdbRecord(dir: string, record: string): WfdbRecord {
  const header = readWfdbHeaderFile(dir, record);
  const signals: Int16Array[] = new Array(header.signalCount);
  // Signals sharing a file are interleaved frame by frame in header order.
  const groups = new Map<string, number[]>();
  header.signals.forEach((s, i) => {
    const g = groups.get(s.fileName);
    if (g) g.push(i);
    else groups.set(s.fileName, [i]);
  });
  for (const [fileName, members] of groups) {
    const path = join(dir, fileName);
    const first = header.signals[members[0]!]!;
    for (const m of members) {
      const s = header.signals[m]!;
      if (s.format !== first.format || s.byteOffset !== first.byteOffset) {
        throw new UserError(`${path}: signals ${members.join(', ')} share the file but differ in format or byte offset (unsupported header)`);
      }
      if (s.samplesPerFrame !== 1 || s.skew !== 0) {
        throw new UserError(`${path}: multi-frequency or skewed signals are not supported (signal ${m}: ${s.samplesPerFrame} samples per frame, skew ${s.skew})`);
      }
    }
    const bytes = readFileOrFail(path, 'WFDB signal file');
    const nsig = members.length;
    const available = bytes.length - first.byteOffset;
    let frames = header.sampleCount;
    let interleaved: Int16Array;
    if (first.format === 212) {
      if (frames === undefined) frames = Math.floor(Math.floor(available / 3) * 2 / nsig);
      const need = format212ByteLength(frames * nsig);
      if (available < need) {
        throw new UserError(`${path}: truncated signal file: ${frames} samples of ${nsig} signal(s) in format 212 need ${need} bytes after offset ${first.byteOffset}, found ${available} (re-download the record)`);
      }
      interleaved = decodeFormat212(bytes, frames * nsig, first.byteOffset);
    } else if (first.format === 16) {
      if (frames === undefined) frames = Math.floor(available / (2 * nsig));
      const need = frames * nsig * 2;
      if (available < need) {
        throw new UserError(`${path}: truncated signal file: ${frames} samples of ${nsig} signal(s) in format 16 need ${need} bytes, found ${available} (re-download the record)`);
      }
      interleaved = new Int16Array(frames * nsig);
      for (let k = 0; k < interleaved.length; k++) interleaved[k] = bytes.readInt16LE(first.byteOffset + 2 * k);
    } else {
      throw new UserError(`${path}: WFDB signal format ${first.format} is not supported (supported: 212, 16)`);
    }
    members.forEach((sigIndex, k) => {
      const sig = new Int16Array(frames!);
      let sum = 0;
      for (let t = 0, q = k; t < frames!; t++, q += nsig) {
        const v = interleaved[q]!;
        sig[t] = v;
        sum = (sum + v) | 0;
      }
      const spec = header.signals[sigIndex]!;
      if (spec.initialValue !== undefined && frames! > 0 && sig[0] !== spec.initialValue) {
        throw new UserError(`${path}: signal ${sigIndex} (${spec.description || 'unnamed'}) starts with ${sig[0]} but the header's initial value is ${spec.initialValue} (the file does not match its header; re-download the record)`);
      }
      // WFDB's checksum is the sum of all samples as a 16-bit two's-complement number.
      const sum16 = (sum << 16) >> 16;
      if (spec.checksum !== undefined && sum16 !== spec.checksum) {
        throw new UserError(`${path}: signal ${sigIndex} (${spec.description || 'unnamed'}) checksum mismatch: samples sum to ${sum16} (16-bit), header says ${spec.checksum} (corrupt file; re-download the record)`);
      }
      signals[sigIndex] = sig;
    });
  }
  return { header, signals };
}

/** Reads `record`.`annotator` (MIT format) from `dir`. */
export function readAnnotationFile(dir: string, record: string, annotator = 'atr'): Annotation[] {
  const path = join(dir, `${record}.${annotator}`);
  return parseMitAnnotations(readFileOrFail(path, 'annotation file'), path);
}
