/**
 * A stable identity for a model: sha256 of its canonical JSON (object keys sorted at every
 * level, no whitespace), so the same model hashes the same whatever key order or formatting
 * the file was written with. Used by manifests and caches.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted recursively; undefined-valued keys are dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
    return s;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** Hex sha256 of the canonical JSON of `model` (any JSON value). */
export function modelHash(model: unknown): string {
  return createHash('sha256').update(canonicalJson(model), 'utf8').digest('hex');
}
