/** The raw windows a cosimulation streams: part of a dataset file, or synthetic ECG. */
import { UserError } from '../../src/cli/errors.ts';
import { window, type Dataset } from '../../src/data/dataset.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import type { QModel } from '../../src/model/qmodel.ts';
import { splitDataset } from '../../src/train/splits.ts';
import type { CosimResult } from './result.ts';

export type CosimSplit = 'test' | 'interpatient' | 'all';

export function parseCosimSplit(s: string): CosimSplit {
  if (s === 'test' || s === 'interpatient' || s === 'all') return s;
  throw new UserError(`--split ${s}: use test (the dataset's stratified test part), interpatient (de Chazal DS2) or all`);
}

export interface SelectedWindows {
  windows: Int16Array[];
  input: CosimResult['input'];
}

function checkFits(model: QModel, windows: readonly Int16Array[], what: string): void {
  const hi = 2 ** (model.input.sampleBits - 1) - 1;
  const lo = -(2 ** (model.input.sampleBits - 1));
  windows.forEach((w, i) => {
    for (const v of w) {
      if (v < lo || v > hi) throw new UserError(`${what} window ${i} has sample ${v}, outside the model's ${model.input.sampleBits}-bit signed input range; use data that matches the model`);
    }
  });
}

/** The first `count` windows (default: all) of a dataset split, in split order. */
export function datasetWindows(ds: Dataset, file: string, model: QModel, split: CosimSplit, count?: number): SelectedWindows {
  if (ds.header.windowLength !== model.input.length) {
    throw new UserError(`${file} has ${ds.header.windowLength}-sample windows but model '${model.name}' takes ${model.input.length}; use a dataset prepared for this model`);
  }
  const indices = split === 'all' ? Array.from({ length: ds.header.count }, (_, i) => i) : splitDataset(ds, split === 'test' ? 'stratified' : 'interpatient').test;
  const n = Math.min(count ?? indices.length, indices.length);
  const windows = indices.slice(0, n).map((i) => window(ds, i));
  checkFits(model, windows, file);
  return { windows, input: { kind: 'dataset', file, split } };
}

/** `count` synthetic ECG windows of the model's classes, interleaved (class 0, 1, ..., 0, 1, ...). */
export function syntheticWindows(model: QModel, count: number, seed: number): SelectedWindows {
  const classes = model.classes.length;
  const perClass = Math.ceil(count / classes);
  const ds = syntheticDataset({ seed, perClass, classes: model.classes, windowLength: model.input.length });
  const windows = Array.from({ length: count }, (_, i) => window(ds, (i % classes) * perClass + Math.floor(i / classes)));
  checkFits(model, windows, 'synthetic');
  return { windows, input: { kind: 'synthetic', seed } };
}
