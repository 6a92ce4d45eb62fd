import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { DE_CHAZAL_DS1, DE_CHAZAL_DS2, interPatientSplit, stratifiedKFold, stratifiedSplit } from '../../src/data/splits.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { makeRng } from '../../src/data/rng.ts';

const rng = makeRng(11);
// Imbalanced labels like aami5: 500 / 60 / 200 / 13 / 1.
const labels = [...Array(500).fill(0), ...Array(60).fill(1), ...Array(200).fill(2), ...Array(13).fill(3), 4];
for (let i = labels.length - 1; i > 0; i--) {
  const j = rng.int(i + 1);
  [labels[i], labels[j]] = [labels[j]!, labels[i]!];
}
const countOf = (idx: number[], c: number): number => idx.filter((i) => labels[i] === c).length;

describe('splits', () => {
  it('stratifiedSplit keeps class proportions, is disjoint and complete', () => {
    const { train, test } = stratifiedSplit(labels, 0.2, 42);
    expect(new Set([...train, ...test]).size).toBe(labels.length);
    expect(train.length + test.length).toBe(labels.length);
    expect([0, 1, 2, 3, 4].map((c) => countOf(test, c))).toEqual([100, 12, 40, 3, 0]);
    expect(train).toEqual([...train].sort((a, b) => a - b));
  });

  it('stratifiedSplit is a function of the seed', () => {
    expect(stratifiedSplit(labels, 0.2, 42)).toEqual(stratifiedSplit(labels, 0.2, 42));
    expect(stratifiedSplit(labels, 0.2, 43).test).not.toEqual(stratifiedSplit(labels, 0.2, 42).test);
    expect(() => stratifiedSplit(labels, 1, 1)).toThrow(RangeError);
  });

  it('stratifiedKFold partitions the indices into balanced, stratified folds', () => {
    const folds = stratifiedKFold(labels, 5, 7);
    expect(folds).toHaveLength(5);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    const sizes = folds.map((f) => f.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const f of folds) {
      for (const c of [0, 1, 2, 3]) {
        const share = countOf(f, c);
        const expected = labels.filter((l) => l === c).length / 5;
        expect(Math.abs(share - expected)).toBeLessThanOrEqual(1);
      }
    }
    expect(stratifiedKFold(labels, 5, 7)).toEqual(folds);
  });

  it('interPatientSplit puts DS1 records in train and DS2 in test, others nowhere', () => {
    const records = [...DE_CHAZAL_DS1.slice(0, 3), ...DE_CHAZAL_DS2.slice(0, 2), '102', '217'];
    const base = syntheticDataset({ seed: 1, perClass: 1, classes: ['N'], windowLength: 10 });
    const ds: Dataset = {
      header: { ...base.header, source: 'mitdb', count: records.length },
      samples: new Int16Array(records.length * 10),
      labels: new Uint8Array(records.length),
      records,
      offsets: new Uint32Array(records.length),
    };
    expect(interPatientSplit(ds)).toEqual({ train: [0, 1, 2], test: [3, 4] });
    expect(DE_CHAZAL_DS1).toHaveLength(22);
    expect(DE_CHAZAL_DS2).toHaveLength(22);
    expect(new Set([...DE_CHAZAL_DS1, ...DE_CHAZAL_DS2]).size).toBe(44);
    expect(() => interPatientSplit(base)).toThrow(UserError);
    // the 17-class fragments are windows of named MIT-BIH records: the same split applies
    expect(interPatientSplit({ ...ds, header: { ...ds.header, source: 'plawiak17' } })).toEqual({ train: [0, 1, 2], test: [3, 4] });
  });
});
