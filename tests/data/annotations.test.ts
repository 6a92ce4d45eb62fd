import { describe, expect, it } from 'vitest';
import {
  ANNOTATION_SYMBOLS, AUX, CHN, NUM, SKIP, SUB, codeOf, encodeMitAnnotations, parseMitAnnotations, type Annotation,
} from '../../src/data/wfdb/annotations.ts';
import { UserError } from '../../src/cli/errors.ts';

const ann = (sample: number, symbol: string, extra: Partial<Annotation> = {}): Annotation => ({
  sample, code: codeOf(symbol), symbol, subtype: 0, chan: 0, num: 0, aux: '', ...extra,
});
const word = (a: number, i: number): number[] => [((a << 10) | i) & 0xff, ((a << 10) | i) >> 8];

describe('MIT annotation files', () => {
  it('decodes hand-assembled words of every code type', () => {
    const bytes = Uint8Array.from([
      ...word(28, 18), ...word(AUX, 5), ...[0x28, 0x41, 0x46, 0x49, 0x42], 0, // '+' at 18, aux '(AFIB' (odd length, padded)
      ...word(1, 59), // N at 77
      ...word(SKIP, 0), 0x01, 0x00, 0x02, 0x00, // SKIP 0x00010002 = 65538 (high word first)
      ...word(5, 3), ...word(SUB, 2), ...word(CHN, 1), ...word(NUM, 7), // V at 77+65538+3 with sub/chan/num
      ...word(13, 10), // Q at +10: chan and num persist, subtype does not
      ...word(22, 0), ...word(AUX, 4), ...[0x68, 0x69, 0x21, 0x00], // '"' note with aux 'hi!' (NUL inside count)
      0, 0,
    ]);
    const out = parseMitAnnotations(bytes, 't.atr');
    expect(out).toEqual([
      ann(18, '+', { aux: '(AFIB' }),
      ann(77, 'N'),
      ann(77 + 65538 + 3, 'V', { subtype: 2, chan: 1, num: 7 }),
      ann(77 + 65538 + 13, 'Q', { chan: 1, num: 7 }),
      ann(77 + 65538 + 13, '"', { chan: 1, num: 7, aux: 'hi!' }),
    ]);
  });

  it('round-trips every annotation code and long gaps through the encoder', () => {
    const anns: Annotation[] = [];
    let t = 0;
    ANNOTATION_SYMBOLS.forEach((symbol, code) => {
      if (code === 0 || symbol === '') return;
      t += code * 37;
      anns.push(ann(t, symbol, { subtype: code % 3, chan: code % 2, num: code % 5 }));
    });
    anns.push(ann(t + 5000, '+', { aux: '(VT' }), ann(t + 2_000_000, 'N'), ann(t + 2_000_000, '+', { aux: '(N' }));
    expect(parseMitAnnotations(encodeMitAnnotations(anns), 'rt.atr')).toEqual(anns);
  });

  it('reports truncation and corruption naming the file', () => {
    const good = encodeMitAnnotations([ann(10, 'N'), ann(20, '+', { aux: '(AFIB' })]);
    const noEnd = good.subarray(0, good.length - 2);
    expect(() => parseMitAnnotations(noEnd, 'a.atr')).toThrow(/a\.atr: corrupt annotation file .*missing end-of-file marker/);
    expect(() => parseMitAnnotations(good.subarray(0, 6), 'b.atr')).toThrow(/b\.atr: .*AUX string of 6 bytes cut off/);
    expect(() => parseMitAnnotations(Uint8Array.from([...word(SKIP, 0), 1, 0]), 'c.atr')).toThrow(/c\.atr: .*SKIP interval cut off/);
    expect(() => parseMitAnnotations(Uint8Array.from([...word(55, 1), 0, 0]), 'd.atr')).toThrow(/d\.atr: .*reserved code 55/);
    expect(() => parseMitAnnotations(Uint8Array.from([...word(AUX, 2), 0x41, 0, 0, 0]), 'e.atr')).toThrow(UserError);
  });

  it('treats an empty annotation list as just the end marker', () => {
    expect(Array.from(encodeMitAnnotations([]))).toEqual([0, 0]);
    expect(parseMitAnnotations(Uint8Array.from([0, 0]), 'x.atr')).toEqual([]);
  });
});
