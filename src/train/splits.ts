/** Which windows train and which test: the seeds' stratified protocol or the inter-patient split. */
import type { Dataset } from '../data/dataset.ts';
import { interPatientSplit, stratifiedSplit } from '../data/splits.ts';
import { UserError } from '../cli/errors.ts';

export type SplitName = 'stratified' | 'interpatient';

export function parseSplitName(s: string): SplitName {
  if (s === 'stratified' || s === 'interpatient') return s;
  throw new UserError(`--split ${s}: unknown split; use stratified or interpatient`);
}

/** The dataset's default stratified split (its own fraction and seed), or de Chazal's DS1/DS2. */
export function splitDataset(ds: Dataset, split: SplitName): { train: number[]; test: number[] } {
  if (split === 'interpatient') return interPatientSplit(ds);
  const d = ds.header.defaultSplit;
  return stratifiedSplit(ds.labels, d.testFraction, d.seed);
}

/** Holds out a stratified validation part of the training indices (global indices returned). */
export function validationSplit(labels: Uint8Array, train: readonly number[], fraction: number, seed: number): { fit: number[]; val: number[] } {
  if (fraction <= 0 || train.length < 10) return { fit: [...train], val: [] };
  const sub = Uint8Array.from(train, (i) => labels[i]!);
  const s = stratifiedSplit(sub, fraction, seed ^ 0x7a11d);
  return { fit: s.train.map((j) => train[j]!), val: s.test.map((j) => train[j]!) };
}
