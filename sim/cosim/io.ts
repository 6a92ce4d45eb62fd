/**
 * The two binary files between TypeScript and the cosimulation harness (harness.ts), both
 * little-endian:
 *
 * windows file (TypeScript -> harness):
 *   "BBCI"  u32 version (1)  u32 windows  u32 windowLength  then int16 samples, window-major
 *
 * result file (harness -> TypeScript):
 *   "BBCO"  u32 version (1)  u64 windows  u64 cycles  u64 ports
 *   per window: u64 lastAccept  u64 classValid  u64 classFire  u64 class
 *     (cycles of: the last sample's handshake, the first cycle m_valid was up for the window,
 *      the class handshake)
 *   per trace port, in manifest order: u64 beats  u64 bytesPerBeat  then the beats, each
 *     the port's value as bytesPerBeat little-endian bytes
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';

export interface WindowTiming {
  lastAccept: number;
  classValid: number;
  classFire: number;
}

export interface CapturedPort {
  beats: number;
  bytesPerBeat: number;
  /** beats x bytesPerBeat bytes */
  data: Buffer;
}

export interface HarnessOutput {
  windows: number;
  /** cycles simulated after reset */
  cycles: number;
  classes: Int32Array;
  timing: WindowTiming[];
  ports: CapturedPort[];
}

if (endianness() !== 'LE') throw new Error('cosim: the harness file formats assume a little-endian host');

/** Writes windows (each windowLength samples, signed 16-bit range) as a windows file. */
export function writeWindowsFile(path: string, windows: readonly ArrayLike<number>[], windowLength: number): void {
  const header = Buffer.alloc(16);
  header.write('BBCI', 0, 'latin1');
  header.writeUInt32LE(1, 4);
  header.writeUInt32LE(windows.length, 8);
  header.writeUInt32LE(windowLength, 12);
  const samples = new Int16Array(windows.length * windowLength);
  windows.forEach((w, i) => {
    if (w.length !== windowLength) throw new RangeError(`cosim: window ${i} has ${w.length} samples, expected ${windowLength}`);
    for (let k = 0; k < windowLength; k++) samples[i * windowLength + k] = w[k]!;
  });
  writeFileSync(path, Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]));
}

/** Reads a result file; throws on any inconsistency (a truncated or foreign file). */
export function readHarnessOutput(path: string, expectedPorts: number): HarnessOutput {
  const b = readFileSync(path);
  const fail = (what: string): never => {
    throw new Error(`cosim: result file ${path}: ${what}`);
  };
  if (b.length < 32 || b.toString('latin1', 0, 4) !== 'BBCO' || b.readUInt32LE(4) !== 1) fail('bad header');
  const u64 = (at: number): number => {
    if (at + 8 > b.length) fail('truncated');
    return Number(b.readBigUInt64LE(at));
  };
  const windows = u64(8);
  const cycles = u64(16);
  const portCount = u64(24);
  if (portCount !== expectedPorts) fail(`${portCount} trace ports, the manifest has ${expectedPorts}`);
  let at = 32;
  const classes = new Int32Array(windows);
  const timing: WindowTiming[] = [];
  for (let w = 0; w < windows; w++, at += 32) {
    timing.push({ lastAccept: u64(at), classValid: u64(at + 8), classFire: u64(at + 16) });
    classes[w] = u64(at + 24);
  }
  const ports: CapturedPort[] = [];
  for (let p = 0; p < portCount; p++) {
    const beats = u64(at);
    const bytesPerBeat = u64(at + 8);
    at += 16;
    const n = beats * bytesPerBeat;
    if (at + n > b.length) fail('truncated trace data');
    ports.push({ beats, bytesPerBeat, data: b.subarray(at, at + n) });
    at += n;
  }
  if (at !== b.length) fail(`${b.length - at} unexpected trailing bytes`);
  return { windows, cycles, classes, timing, ports };
}

/**
 * Element `index` of a captured trace port: beat floor(index / perBeat), element j at bits
 * [j * elementBits, (j + 1) * elementBits) of the beat, two's complement when signed.
 * Exact for elementBits <= 53 (numbers), which covers every stream the manifest describes.
 */
export function traceElement(port: CapturedPort, index: number, elementBits: number, perBeat: number, signed: boolean): number {
  const beat = Math.floor(index / perBeat);
  let bit = beat * port.bytesPerBeat * 8 + (index - beat * perBeat) * elementBits;
  const data = port.data;
  if (elementBits === 1) return (data[bit >> 3]! >> (bit & 7)) & 1;
  let value = 0;
  let scale = 1;
  let remaining = elementBits;
  while (remaining > 0) {
    const off = bit & 7;
    const take = Math.min(8 - off, remaining);
    value += ((data[bit >> 3]! >> off) & ((1 << take) - 1)) * scale;
    scale *= 2 ** take;
    bit += take;
    remaining -= take;
  }
  if (signed && value >= scale / 2) value -= scale;
  return value;
}
