/**
 * WFDB signal format 212: a stream of 12-bit two's-complement samples packed in pairs into
 * 3 bytes. For a pair (a, b): byte0 = a[7:0]; byte1 = b[11:8] << 4 | a[11:8]; byte2 = b[7:0].
 * Multi-signal records interleave samples frame by frame (sig0[t], sig1[t], sig0[t+1], ...),
 * so a pair can hold two signals of the same frame. An odd total ends with a 2-byte half pair.
 */

/** Bytes needed to hold `sampleCount` samples in format 212. */
export function format212ByteLength(sampleCount: number): number {
  return Math.floor(sampleCount / 2) * 3 + (sampleCount % 2 === 1 ? 2 : 0);
}

/**
 * Decodes `sampleCount` interleaved samples starting at `byteOffset`. The caller checks that
 * enough bytes are present (see format212ByteLength); this function trusts it for speed.
 */
export function decodeFormat212(bytes: Uint8Array, sampleCount: number, byteOffset = 0): Int16Array {
  const out = new Int16Array(sampleCount);
  const pairs = sampleCount >> 1;
  let p = byteOffset;
  let o = 0;
  for (let i = 0; i < pairs; i++) {
    const b0 = bytes[p]!;
    const b1 = bytes[p + 1]!;
    const b2 = bytes[p + 2]!;
    p += 3;
    // Shift the 12-bit value into the top of a 32-bit int and back to sign-extend it.
    out[o++] = (((b1 & 0x0f) << 8 | b0) << 20) >> 20;
    out[o++] = (((b1 & 0xf0) << 4 | b2) << 20) >> 20;
  }
  if (sampleCount & 1) {
    out[o] = (((bytes[p + 1]! & 0x0f) << 8 | bytes[p]!) << 20) >> 20;
  }
  return out;
}

/** Encodes samples (each in [-2048, 2047]) to format 212; the inverse of decodeFormat212. */
export function encodeFormat212(samples: ArrayLike<number>): Uint8Array {
  const n = samples.length;
  const out = new Uint8Array(format212ByteLength(n));
  let p = 0;
  for (let i = 0; i < n; i += 2) {
    const a = samples[i]!;
    if (!Number.isInteger(a) || a < -2048 || a > 2047) throw new RangeError(`format 212: sample ${i} = ${a} is outside [-2048, 2047]`);
    out[p] = a & 0xff;
    if (i + 1 < n) {
      const b = samples[i + 1]!;
      if (!Number.isInteger(b) || b < -2048 || b > 2047) throw new RangeError(`format 212: sample ${i + 1} = ${b} is outside [-2048, 2047]`);
      out[p + 1] = ((b >> 8) & 0x0f) << 4 | ((a >> 8) & 0x0f);
      out[p + 2] = b & 0xff;
      p += 3;
    } else {
      out[p + 1] = (a >> 8) & 0x0f;
      p += 2;
    }
  }
  return out;
}
