/**
 * Training checkpoints: every variable, the optimizer state, the epoch reached, the history and
 * the best weights so far, in one JSON file written atomically (temp name + rename), so a
 * training run killed at any moment resumes from its last completed epoch.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AdamState } from './adam.ts';
import type { ArchSpec } from './arch.ts';

export interface EpochStats {
  epoch: number;
  lr: number;
  loss: number;
  trainAcc: number;
  valAcc: number | null;
  seconds: number;
}

export interface Checkpoint {
  format: 'bitbeat-train-checkpoint';
  version: 1;
  arch: ArchSpec;
  inputLength: number;
  classes: number;
  seed: number;
  /** fingerprint of the data and options, so a resume with different inputs is refused */
  runKey: string;
  /** epochs completed */
  epoch: number;
  vars: Record<string, Float32Array>;
  adam: AdamState;
  best: { epoch: number; valAcc: number; vars: Record<string, Float32Array> } | null;
  history: EpochStats[];
  stopped: boolean;
}

function f32ToB64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function b64ToF32(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

function encodeVars(v: Record<string, Float32Array>): Record<string, string> {
  return Object.fromEntries(Object.entries(v).map(([k, a]) => [k, f32ToB64(a)]));
}

function decodeVars(v: Record<string, string>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(v).map(([k, s]) => [k, b64ToF32(s)]));
}

export function saveCheckpoint(path: string, ck: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const json = JSON.stringify({
    ...ck,
    vars: encodeVars(ck.vars),
    adam: { step: ck.adam.step, m: ck.adam.m.map(f32ToB64), v: ck.adam.v.map(f32ToB64) },
    best: ck.best ? { ...ck.best, vars: encodeVars(ck.best.vars) } : null,
  });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, json);
  renameSync(tmp, path);
}

export function loadCheckpoint(path: string): Checkpoint | null {
  if (!existsSync(path)) return null;
  const j = JSON.parse(readFileSync(path, 'utf8'));
  if (j.format !== 'bitbeat-train-checkpoint' || j.version !== 1) throw new Error(`${path}: not a bitbeat training checkpoint`);
  return {
    ...j,
    vars: decodeVars(j.vars),
    adam: { step: j.adam.step, m: j.adam.m.map(b64ToF32), v: j.adam.v.map(b64ToF32) },
    best: j.best ? { ...j.best, vars: decodeVars(j.best.vars) } : null,
  };
}
