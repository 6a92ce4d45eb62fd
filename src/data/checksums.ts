/** SHA-256 fingerprints of source files, recorded in dataset headers for provenance. */
import { createHash } from 'node:crypto';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * One digest for many files: SHA-256 of the lines "<sha256>  <name>\n" sorted by name (the
 * format of `sha256sum`), so it can be recomputed with standard tools.
 */
export function combinedDigest(entries: Record<string, string>): string {
  const names = Object.keys(entries).sort();
  return sha256Hex(names.map((n) => `${entries[n]}  ${n}\n`).join(''));
}
