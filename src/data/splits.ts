/**
 * Train/test splits. All are deterministic functions of their inputs (and seed); index lists
 * are returned in ascending order.
 */
import { UserError } from '../cli/errors.ts';
import type { Dataset } from './dataset.ts';
import { makeRng, shuffleInPlace } from './rng.ts';

function indicesByClass(labels: ArrayLike<number>): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  }
  // Visit classes in numeric order so the RNG stream does not depend on first appearance.
  return new Map([...byClass.entries()].sort((a, b) => a[0] - b[0]));
}

const ascending = (a: number, b: number): number => a - b;

/**
 * Stratified random split: within each class, the indices are shuffled with the seeded RNG and
 * round(n_c * testFraction) of them go to test (so a class of 1 stays entirely in train).
 */
export function stratifiedSplit(labels: ArrayLike<number>, testFraction: number, seed: number): { train: number[]; test: number[] } {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const rng = makeRng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const members of indicesByClass(labels).values()) {
    shuffleInPlace(members, rng);
    const nTest = Math.round(members.length * testFraction);
    test.push(...members.slice(0, nTest));
    train.push(...members.slice(nTest));
  }
  return { train: train.sort(ascending), test: test.sort(ascending) };
}

/**
 * Stratified k-fold: within each class, shuffled indices are dealt round-robin to the folds,
 * continuing where the previous class stopped so fold sizes differ by at most one.
 * Returns k disjoint folds covering every index; fold f is the test set of round f.
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed: number): number[][] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer >= 2, got ${k}`);
  const rng = makeRng(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const members of indicesByClass(labels).values()) {
    shuffleInPlace(members, rng);
    for (const i of members) {
      folds[next]!.push(i);
      next = (next + 1) % k;
    }
  }
  return folds.map((f) => f.sort(ascending));
}

/** de Chazal et al. (2004) inter-patient split of MIT-BIH: train on DS1, test on DS2. */
export const DE_CHAZAL_DS1 = [
  '101', '106', '108', '109', '112', '114', '115', '116', '118', '119', '122', '124', '201', '203',
  '205', '207', '208', '209', '215', '220', '223', '230',
] as const;
export const DE_CHAZAL_DS2 = [
  '100', '103', '105', '111', '113', '117', '121', '123', '200', '202', '210', '212', '213', '214',
  '219', '221', '222', '228', '231', '232', '233', '234',
] as const;

/**
 * Windows of DS1 records -> train, DS2 -> test; windows of other records are in neither.
 * Datasets of MIT-BIH records: mitdb, and plawiak17 (each of its fragments is a window of a
 * named MIT-BIH record).
 */
export function interPatientSplit(ds: Dataset): { train: number[]; test: number[] } {
  if (ds.header.source !== 'mitdb' && ds.header.source !== 'plawiak17') {
    throw new UserError(`the inter-patient split needs a dataset of MIT-BIH records (mitdb or plawiak17), this one comes from '${ds.header.source}'`);
  }
  const ds1 = new Set<string>(DE_CHAZAL_DS1);
  const ds2 = new Set<string>(DE_CHAZAL_DS2);
  const train: number[] = [];
  const test: number[] = [];
  ds.records.forEach((r, i) => {
    if (ds1.has(r)) train.push(i);
    else if (ds2.has(r)) test.push(i);
  });
  return { train, test };
}
