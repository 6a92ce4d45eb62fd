/**
 * MATLAB Level 4 MAT-file reader. Each matrix is a 20-byte header of five int32 values
 * (type, mrows, ncols, imagf, namlen), the NUL-terminated name, then the real part (and the
 * imaginary part when imagf != 0) in column-major order. type = M*1000 + O*100 + P*10 + T:
 * M is the byte order (0 little-endian IEEE, 1 big-endian IEEE), O must be 0, P the element
 * type (0 double, 1 float, 2 int32, 3 int16, 4 uint16, 5 uint8) and T the matrix type
 * (0 full numeric; text and sparse are rejected). A file holds one or more matrices.
 */
import { UserError } from '../cli/errors.ts';
import { readFileOrFail } from './files.ts';

export interface MatV4Matrix {
  name: string;
  rows: number;
  cols: number;
  /** Element type as stored, e.g. 'int16'. */
  precision: MatPrecision;
  /** Real part, column-major, converted to numbers (Int16Array for int16 storage). */
  data: Int16Array | Float64Array;
}

export type MatPrecision = 'float64' | 'float32' | 'int32' | 'int16' | 'uint16' | 'uint8';
const PRECISIONS: readonly MatPrecision[] = ['float64', 'float32', 'int32', 'int16', 'uint16', 'uint8'];
const ELEMENT_BYTES: Record<MatPrecision, number> = { float64: 8, float32: 4, int32: 4, int16: 2, uint16: 2, uint8: 1 };

/** Parses all matrices of a v4 MAT file; `source` names the file in error messages. */
export function parseMatV4(bytes: Uint8Array, source: string): MatV4Matrix[] {
  const fail = (offset: number, what: string): never => {
    throw new UserError(`${source}: not a valid MATLAB v4 file at byte ${offset}: ${what} (re-download the file)`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: MatV4Matrix[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (p + 20 > bytes.length) fail(p, `matrix header needs 20 bytes, only ${bytes.length - p} left (truncated)`);
    // The byte order is the one under which the type word decodes to a valid MOPT value.
    let little = true;
    let type = view.getInt32(p, true);
    if (!validType(type)) {
      type = view.getInt32(p, false);
      little = false;
      if (!validType(type)) fail(p, `unrecognised type word 0x${view.getUint32(p, true).toString(16)} (a v5/v7 MAT file cannot be read; save with -v4)`);
    }
    const m = Math.floor(type / 1000);
    const o = Math.floor(type / 100) % 10;
    const pr = Math.floor(type / 10) % 10;
    const t = type % 10;
    if (m > 1) fail(p, `byte-order digit M=${m} (VAX/Cray) is not supported`);
    if ((m === 0) !== little) fail(p, `byte-order digit M=${m} disagrees with the header's actual byte order`);
    if (o !== 0) fail(p, `reserved digit O=${o} must be 0`);
    if (t !== 0) fail(p, `matrix type T=${t} is not a full numeric matrix`);
    const rows = view.getInt32(p + 4, little);
    const cols = view.getInt32(p + 8, little);
    const imagf = view.getInt32(p + 12, little);
    const namlen = view.getInt32(p + 16, little);
    if (rows < 0 || cols < 0) fail(p, `negative dimensions ${rows}x${cols}`);
    if (namlen < 1 || namlen > 4096) fail(p, `bad name length ${namlen}`);
    p += 20;
    if (p + namlen > bytes.length) fail(p, 'matrix name cut off (truncated)');
    if (bytes[p + namlen - 1] !== 0) fail(p, 'matrix name is not NUL-terminated');
    const name = new TextDecoder('latin1').decode(bytes.subarray(p, p + namlen - 1));
    p += namlen;
    const precision = PRECISIONS[pr]!;
    const count = rows * cols;
    const partBytes = count * ELEMENT_BYTES[precision];
    const need = partBytes * (imagf ? 2 : 1);
    if (p + need > bytes.length) {
      fail(p, `matrix '${name}' (${rows}x${cols} ${precision}) needs ${need} data bytes, only ${bytes.length - p} present (truncated)`);
    }
    out.push({ name, rows, cols, precision, data: readElements(view, p, count, precision, little) });
    p += need;
  }
  return out;
}

function validType(type: number): boolean {
  if (type < 0 || type > 4052) return false;
  const m = Math.floor(type / 1000);
  const pr = Math.floor(type / 10) % 10;
  return m <= 4 && Math.floor(type / 100) % 10 === 0 && pr <= 5 && type % 10 <= 2;
}

function readElements(view: DataView, p: number, count: number, precision: MatPrecision, little: boolean): Int16Array | Float64Array {
  if (precision === 'int16') {
    const a = new Int16Array(count);
    for (let i = 0; i < count; i++) a[i] = view.getInt16(p + 2 * i, little);
    return a;
  }
  const a = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (precision) {
      case 'float64': a[i] = view.getFloat64(p + 8 * i, little); break;
      case 'float32': a[i] = view.getFloat32(p + 4 * i, little); break;
      case 'int32': a[i] = view.getInt32(p + 4 * i, little); break;
      case 'uint16': a[i] = view.getUint16(p + 2 * i, little); break;
      case 'uint8': a[i] = view.getUint8(p + i); break;
    }
  }
  return a;
}

/** Serializes int16 matrices as a little-endian v4 MAT file (for synthetic test files). */
export function encodeMatV4Int16(matrices: { name: string; rows: number; cols: number; data: ArrayLike<number> }[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const mtx of matrices) {
    const name = Buffer.from(mtx.name + '\0', 'latin1');
    const head = Buffer.alloc(20);
    head.writeInt32LE(30, 0); // M=0 little-endian, O=0, P=3 int16, T=0 full
    head.writeInt32LE(mtx.rows, 4);
    head.writeInt32LE(mtx.cols, 8);
    head.writeInt32LE(0, 12);
    head.writeInt32LE(name.length, 16);
    const body = Buffer.alloc(mtx.rows * mtx.cols * 2);
    for (let i = 0; i < mtx.rows * mtx.cols; i++) body.writeInt16LE(mtx.data[i]!, 2 * i);
    parts.push(head, name, body);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Reads the int16 row vector `name` (1 x length) from a v4 MAT file; errors name the file and
 * say what differs from the expectation.
 */
export function readMatV4Int16Vector(path: string, name: string, length: number): Int16Array {
  const matrices = parseMatV4(readFileOrFail(path, 'MAT file'), path);
  const m = matrices.find((x) => x.name === name);
  if (!m) throw new UserError(`${path}: no matrix named '${name}' (found: ${matrices.map((x) => x.name).join(', ') || 'none'})`);
  if (m.precision !== 'int16') throw new UserError(`${path}: matrix '${name}' is ${m.precision}, expected int16`);
  if (m.rows !== 1 || m.cols !== length) throw new UserError(`${path}: matrix '${name}' is ${m.rows}x${m.cols}, expected 1x${length}`);
  return m.data as Int16Array;
}
