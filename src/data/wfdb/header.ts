/**
 * WFDB header (.hea) parser: the record line and one line per signal, as documented in
 * PhysioNet's header(5) manual page. CRLF and LF line endings are both accepted; comment
 * lines ('#') are kept separately. Multi-segment records are rejected (MIT-BIH has none).
 */
import { UserError } from '../../cli/errors.ts';

export interface WfdbSignalSpec {
  /** Signal file name, relative to the header's directory. */
  fileName: string;
  /** Storage format number (212, 16, 80, ...). */
  format: number;
  /** Samples per frame (the `xN` suffix); 1 when absent. */
  samplesPerFrame: number;
  /** Skew in samples (the `:N` suffix); 0 when absent. */
  skew: number;
  /** Byte offset of the first sample in the signal file (the `+N` suffix); 0 when absent. */
  byteOffset: number;
  /** ADC units per physical unit; WFDB's default 200 when the field is 0 or absent. */
  gain: number;
  /** ADC value that corresponds to 0 physical units; defaults to adcZero. */
  baseline: number;
  /** Physical units (e.g. 'mV'); 'mV' when absent. */
  units: string;
  /** ADC resolution in bits; 0 when unknown. */
  adcResolution: number;
  /** ADC output for a 0 V input. */
  adcZero: number;
  /** First sample value, when the header gives it. */
  initialValue?: number;
  /** 16-bit signed sum of all samples of this signal, when the header gives it. */
  checksum?: number;
  blockSize: number;
  /** Signal description, e.g. 'MLII' or 'V5'. */
  description: string;
}

export interface WfdbHeader {
  recordName: string;
  signalCount: number;
  /** Samples per second per signal; WFDB's default 250 when absent. */
  samplingFrequency: number;
  /** Samples per signal; undefined when the header leaves it out. */
  sampleCount?: number;
  signals: WfdbSignalSpec[];
  comments: string[];
}

/** Parses header text. `source` names the file in error messages. */
export function parseWfdbHeader(text: string, source: string): WfdbHeader {
  const fail = (line: number, what: string): never => {
    throw new UserError(`${source}: invalid WFDB header at line ${line}: ${what} (check or re-download the file)`);
  };
  const lines = text.split(/\r?\n/);
  const comments: string[] = [];
  const content: { text: string; line: number }[] = [];
  lines.forEach((raw, idx) => {
    const trimmed = raw.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      comments.push(trimmed.slice(1).trim());
      return;
    }
    content.push({ text: trimmed, line: idx + 1 });
  });
  if (content.length === 0) fail(1, 'no record line');
  const recordLine = content[0]!;
  const rf = recordLine.text.split(/\s+/);
  const [recordName = '', nsegPart] = rf[0]!.split('/');
  if (nsegPart !== undefined) fail(recordLine.line, `multi-segment record '${rf[0]}' is not supported`);
  const signalCount = parseIntField(rf[1], 'number of signals', recordLine.line, fail);
  let samplingFrequency = 250;
  if (rf[2] !== undefined) {
    const fs = Number.parseFloat(rf[2].split('/')[0]!);
    if (!Number.isFinite(fs) || fs <= 0) fail(recordLine.line, `bad sampling frequency '${rf[2]}'`);
    samplingFrequency = fs;
  }
  const sampleCount = rf[3] !== undefined ? parseIntField(rf[3], 'number of samples', recordLine.line, fail) : undefined;

  if (content.length - 1 < signalCount) {
    fail(recordLine.line, `record line announces ${signalCount} signals but ${content.length - 1} signal lines follow`);
  }
  const signals: WfdbSignalSpec[] = [];
  for (let s = 0; s < signalCount; s++) {
    const { text: lineText, line } = content[1 + s]!;
    signals.push(parseSignalLine(lineText, line, fail));
  }
  return { recordName, signalCount, samplingFrequency, sampleCount, signals, comments };
}

function parseSignalLine(text: string, line: number, fail: (line: number, what: string) => never): WfdbSignalSpec {
  const f = text.split(/\s+/);
  if (f.length < 2) fail(line, 'signal line needs at least a file name and a format');
  const fileName = f[0]!;
  const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(f[1]!);
  if (!fm) fail(line, `bad format field '${f[1]}'`);
  const format = Number(fm![1]);
  const samplesPerFrame = fm![2] !== undefined ? Number(fm![2]) : 1;
  const skew = fm![3] !== undefined ? Number(fm![3]) : 0;
  const byteOffset = fm![4] !== undefined ? Number(fm![4]) : 0;

  let gain = 200;
  let baseline: number | undefined;
  let units = 'mV';
  if (f[2] !== undefined) {
    const gm = /^([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)(?:\(([-+]?\d+)\))?(?:\/(\S+))?$/.exec(f[2]);
    if (!gm) fail(line, `bad gain field '${f[2]}'`);
    const g = Number(gm![1]);
    gain = g === 0 ? 200 : g;
    if (gm![2] !== undefined) baseline = Number(gm![2]);
    if (gm![3] !== undefined) units = gm![3];
  }
  const adcResolution = f[3] !== undefined ? parseIntField(f[3], 'ADC resolution', line, fail) : 0;
  const adcZero = f[4] !== undefined ? parseSignedField(f[4], 'ADC zero', line, fail) : 0;
  const initialValue = f[5] !== undefined ? parseSignedField(f[5], 'initial value', line, fail) : undefined;
  const checksum = f[6] !== undefined ? parseSignedField(f[6], 'checksum', line, fail) : undefined;
  const blockSize = f[7] !== undefined ? parseIntField(f[7], 'block size', line, fail) : 0;
  const description = f.slice(8).join(' ');
  return {
    fileName,
    format,
    samplesPerFrame,
    skew,
    byteOffset,
    gain,
    baseline: baseline ?? adcZero,
    units,
    adcResolution,
    adcZero,
    initialValue,
    checksum,
    blockSize,
    description,
  };
}

function parseIntField(v: string | undefined, name: string, line: number, fail: (line: number, what: string) => never): number {
  if (v === undefined || !/^\d+$/.test(v)) fail(line, `bad ${name} '${v ?? ''}'`);
  return Number(v);
}

function parseSignedField(v: string, name: string, line: number, fail: (line: number, what: string) => never): number {
  if (!/^[-+]?\d+$/.test(v)) fail(line, `bad ${name} '${v}'`);
  return Number(v);
}

/** Serializes a header (LF line endings); used to build synthetic records in tests. */
export function formatWfdbHeader(h: WfdbHeader): string {
  const out: string[] = [];
  out.push([h.recordName, h.signalCount, h.samplingFrequency, h.sampleCount ?? ''].join(' ').trim());
  for (const s of h.signals) {
    let fmt = String(s.format);
    if (s.samplesPerFrame !== 1) fmt += `x${s.samplesPerFrame}`;
    if (s.skew !== 0) fmt += `:${s.skew}`;
    if (s.byteOffset !== 0) fmt += `+${s.byteOffset}`;
    const gain = s.baseline !== s.adcZero ? `${s.gain}(${s.baseline})/${s.units}` : s.units !== 'mV' ? `${s.gain}/${s.units}` : `${s.gain}`;
    out.push(
      [s.fileName, fmt, gain, s.adcResolution, s.adcZero, s.initialValue ?? 0, s.checksum ?? 0, s.blockSize, s.description]
        .join(' ')
        .trim(),
    );
  }
  for (const c of h.comments) out.push(`# ${c}`);
  return out.join('\n') + '\n';
}
