/**
 * The network's input: exactly the hardware normalizer's integer output z (normalizer.ts),
 * scaled by 2^-fracBits. Training on these values is the fake quantization of the input, exact
 * by construction: the float network sees the very integers the accelerator will see.
 */
import type { Dataset } from '../data/dataset.ts';
import { normalizeWindow } from '../model/normalizer.ts';
import type { Normalizer } from '../model/qmodel.ts';

export interface NormalizedInputs {
  /** count * length values z * 2^-fracBits, window-major */
  x: Float32Array;
  labels: Uint8Array;
  length: number;
  classes: number;
}

/** Scale from z units to the network's input units. */
export function inputScale(nz: Normalizer): number {
  // An offset normalizer has no fractional point: map its range onto [-1, 1).
  return nz.kind === 'zscore' ? 2 ** -nz.fracBits : 2 ** -(nz.outBits - 1);
}

export function normalizeDataset(ds: Dataset, nz: Normalizer): NormalizedInputs {
  const n = ds.header.windowLength;
  const count = ds.header.count;
  const x = new Float32Array(count * n);
  const z = new Int32Array(n);
  const scale = inputScale(nz);
  for (let i = 0; i < count; i++) {
    normalizeWindow(ds.samples.subarray(i * n, (i + 1) * n), nz, z);
    for (let j = 0; j < n; j++) x[i * n + j] = z[j]! * scale;
  }
  return { x, labels: ds.labels, length: n, classes: ds.header.classes.length };
}
