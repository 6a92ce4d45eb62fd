import { describe, expect, it } from 'vitest';
import { decodeFormat212, encodeFormat212, format212ByteLength } from '../../src/data/wfdb/format212.ts';
import { makeRng } from '../../src/data/rng.ts';

describe('format 212', () => {
  it('packs a pair into the documented 3-byte layout', () => {
    // a = 0x123, b = -2 (0xFFE): byte0 = 0x23, byte1 = (0xF << 4) | 0x1, byte2 = 0xFE.
    expect(Array.from(encodeFormat212([0x123, -2]))).toEqual([0x23, 0xf1, 0xfe]);
    expect(Array.from(decodeFormat212(Uint8Array.from([0x23, 0xf1, 0xfe]), 2))).toEqual([0x123, -2]);
  });

  it('decodes the 12-bit extremes with sign extension', () => {
    const values = [-2048, 2047, -1, 0, 1, -2047];
    expect(Array.from(decodeFormat212(encodeFormat212(values), values.length))).toEqual(values);
  });

  it('round-trips random signals, including negative samples and odd lengths', () => {
    const rng = makeRng(212);
    for (const n of [0, 1, 2, 3, 999, 1000, 7201]) {
      const values = Array.from({ length: n }, () => rng.int(4096) - 2048);
      const bytes = encodeFormat212(values);
      expect(bytes.length).toBe(format212ByteLength(n));
      expect(Array.from(decodeFormat212(bytes, n))).toEqual(values);
    }
  });

  it('honours a byte offset', () => {
    const bytes = new Uint8Array([9, 9, 9, ...encodeFormat212([-5, 700, -300])]);
    expect(Array.from(decodeFormat212(bytes, 3, 3))).toEqual([-5, 700, -300]);
  });

  it('rejects samples that do not fit in 12 bits', () => {
    expect(() => encodeFormat212([2048])).toThrow(/outside \[-2048, 2047\]/);
    expect(() => encodeFormat212([0, -2049])).toThrow(/sample 1/);
  });
});
