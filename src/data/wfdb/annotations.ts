/**
 * WFDB "MIT format" annotation files (.atr), as documented in PhysioNet's annot(5) page.
 * The file is a sequence of 16-bit little-endian words: the top 6 bits are a code A, the low
 * 10 bits a value I.
 *   A = 1..49 : an annotation of type A whose time is the previous time + I.
 *   A = 59 SKIP: the next 4 bytes are a signed 32-bit interval in PDP-11 order (high 16-bit
 *               word first, each word little-endian), added to the time of the next annotation.
 *   A = 60 NUM, 61 SUB, 62 CHN: set the num / subtype / channel field of the annotation just
 *               read. NUM and CHN persist to later annotations (WFDB writes them only when they
 *               change); SUB applies to that annotation only.
 *   A = 63 AUX: I bytes of auxiliary text follow (padded to an even count) for the annotation
 *               just read, e.g. '(AFIB' on a rhythm ('+') annotation.
 *   word 0    : end of file.
 */
import { UserError } from '../../cli/errors.ts';

export const SKIP = 59;
export const NUM = 60;
export const SUB = 61;
export const CHN = 62;
export const AUX = 63;

export interface Annotation {
  /** Sample index (time) of the annotation. */
  sample: number;
  /** Numeric annotation type (1..49). */
  code: number;
  /** Mnemonic of the type, e.g. 'N', 'V', '+', '~'. */
  symbol: string;
  subtype: number;
  chan: number;
  num: number;
  /** Auxiliary text (NUL-terminated in the file; the NUL is removed), or '' when absent. */
  aux: string;
}

/** Mnemonics of WFDB annotation codes (ecgcodes.h); unused codes map to '' (kept as numbers). */
export const ANNOTATION_SYMBOLS: readonly string[] = [
  ' ', 'N', 'L', 'R', 'a', 'V', 'F', 'J', 'A', 'S', 'E', 'j', '/', 'Q', '~', '', '|', '', 's', 'T',
  '*', 'D', '"', '=', 'p', 'B', '^', 't', '+', 'u', '?', '!', '[', ']', 'e', 'n', '@', 'x', 'f',
  '(', ')', 'r',
];

export function symbolOf(code: number): string {
  return ANNOTATION_SYMBOLS[code] || `#${code}`;
}

export function codeOf(symbol: string): number {
  const c = ANNOTATION_SYMBOLS.indexOf(symbol);
  if (c <= 0) throw new RangeError(`unknown annotation symbol '${symbol}'`);
  return c;
}

/** Parses a MIT-format annotation file. `source` names the file in error messages. */
export function parseMitAnnotations(bytes: Uint8Array, source: string): Annotation[] {
  const fail = (offset: number, what: string): never => {
    throw new UserError(`${source}: corrupt annotation file at byte ${offset}: ${what} (re-download the file)`);
  };
  const out: Annotation[] = [];
  const n = bytes.length;
  let p = 0;
  let time = 0;
  let num = 0;
  let chan = 0;
  let last: Annotation | undefined;
  let sawEnd = false;
  while (p + 1 < n) {
    const word = bytes[p]! | (bytes[p + 1]! << 8);
    const at = p;
    p += 2;
    if (word === 0) {
      sawEnd = true;
      break;
    }
    const a = word >> 10;
    const i = word & 0x3ff;
    switch (a) {
      case SKIP: {
        if (p + 4 > n) fail(at, 'SKIP interval cut off by the end of the file (truncated)');
        const hi = bytes[p]! | (bytes[p + 1]! << 8);
        const lo = bytes[p + 2]! | (bytes[p + 3]! << 8);
        p += 4;
        time += ((hi << 16) | lo) | 0;
        break;
      }
      case NUM:
        num = i >= 512 ? i - 1024 : i;
        if (last) last.num = num;
        break;
      case SUB:
        if (!last) fail(at, 'SUB before any annotation');
        last!.subtype = i >= 512 ? i - 1024 : i;
        break;
      case CHN:
        chan = i;
        if (last) last.chan = chan;
        break;
      case AUX: {
        if (!last) fail(at, 'AUX before any annotation');
        if (p + i > n) fail(at, `AUX string of ${i} bytes cut off by the end of the file (truncated)`);
        let end = p + i;
        // WFDB stores the terminating NUL inside the counted bytes; drop it and anything after.
        const nul = bytes.subarray(p, end).indexOf(0);
        if (nul >= 0) end = p + nul;
        last!.aux = new TextDecoder('latin1').decode(bytes.subarray(p, end));
        p += i + (i & 1);
        break;
      }
      default: {
        if (a > 49) fail(at, `reserved code ${a}`);
        time += i;
        last = { sample: time, code: a, symbol: symbolOf(a), subtype: 0, chan, num, aux: '' };
        out.push(last);
      }
    }
  }
  if (!sawEnd) fail(n, 'missing end-of-file marker (the file is truncated)');
  return out;
}

/**
 * Writes annotations in MIT format (used to build synthetic test files). Times must be
 * non-decreasing; long gaps become SKIP words; NUM and CHN are written when they change,
 * SUB when non-zero, AUX when non-empty.
 */
export function encodeMitAnnotations(anns: readonly Annotation[]): Uint8Array {
  const bytes: number[] = [];
  const pushWord = (w: number): void => {
    bytes.push(w & 0xff, (w >> 8) & 0xff);
  };
  let time = 0;
  let num = 0;
  let chan = 0;
  for (const a of anns) {
    if (a.code < 1 || a.code > 49) throw new RangeError(`annotation code ${a.code} is outside 1..49`);
    let delta = a.sample - time;
    if (delta < 0 || delta > 1023) {
      pushWord(SKIP << 10);
      pushWord((delta >>> 16) & 0xffff);
      pushWord(delta & 0xffff);
      delta = 0;
    }
    pushWord((a.code << 10) | delta);
    time = a.sample;
    if (a.subtype !== 0) pushWord((SUB << 10) | (a.subtype & 0x3ff));
    if (a.chan !== chan) {
      pushWord((CHN << 10) | (a.chan & 0x3ff));
      chan = a.chan;
    }
    if (a.num !== num) {
      pushWord((NUM << 10) | (a.num & 0x3ff));
      num = a.num;
    }
    if (a.aux !== '') {
      const text = Array.from(a.aux, (ch) => ch.charCodeAt(0) & 0xff);
      text.push(0);
      if (text.length > 1023) throw new RangeError('aux string too long');
      pushWord((AUX << 10) | text.length);
      bytes.push(...text);
      if (text.length & 1) bytes.push(0);
    }
  }
  pushWord(0);
  return Uint8Array.from(bytes);
}
