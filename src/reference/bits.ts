/**
 * Bit-packing helpers of the reference. Bit streams are packed little-endian into 32-bit
 * words: stream bit i is bit (i & 31) of word (i >>> 5). Layer inputs are position-major
 * (bit = position * channels + channel), the same order as the weights' taps
 * (bit = k * inChannels + c), so a kernel window is one contiguous run of bits.
 */

/** Number of set bits of a 32-bit integer (SWAR; the hot loops inline the same expression). */
export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

export function wordsFor(bits: number): number {
  return (bits + 31) >>> 5;
}

/** Packs a hex bit vector (qmodel.ts convention, bit 0 = LSB) of `bits` bits into words at `out[offset..]`. */
export function packHex(hex: string, bits: number, out: Int32Array, offset = 0): void {
  const n = wordsFor(bits);
  for (let j = 0; j < n; j++) out[offset + j] = 0;
  for (let d = 0; d < hex.length; d++) {
    const nibble = parseInt(hex[hex.length - 1 - d]!, 16);
    const bit = d * 4;
    if (bit >= bits) break;
    out[offset + (bit >>> 5)]! |= nibble << (bit & 31);
  }
  // Clear anything above `bits` in the last word (validation guarantees it is zero anyway).
  const tail = bits & 31;
  if (tail !== 0) out[offset + n - 1]! &= (1 << tail) - 1;
}

export function setBit(words: Int32Array, i: number): void {
  words[i >>> 5]! |= 1 << (i & 31);
}

export function getBit(words: Int32Array, i: number): 0 | 1 {
  return ((words[i >>> 5]! >>> (i & 31)) & 1) as 0 | 1;
}
