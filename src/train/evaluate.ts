/** Evaluates a quantized model on (a split of) a dataset with the integer reference or the batched tfjs engine. */
import type { Dataset } from '../data/dataset.ts';
import type { QModel } from '../model/qmodel.ts';
import { UserError } from '../cli/errors.ts';
import { initBackend } from './backend.ts';
import { computeMetrics, type Metrics } from './metrics.ts';
import { compileTfjsEngine } from './qengine.ts';
import { type SplitName, splitDataset } from './splits.ts';
import { modelStorage, type Storage } from './storage.ts';

export type EngineName = 'reference' | 'tfjs';

export interface Evaluation {
  metrics: Metrics;
  predictions: Int32Array;
  indices: number[];
  storage: Storage;
  seconds: number;
}

export function checkCompatible(model: QModel, ds: Dataset): void {
  if (model.input.length !== ds.header.windowLength) {
    throw new UserError(`model ${model.name} takes windows of ${model.input.length} samples, the dataset has ${ds.header.windowLength}; use a dataset of the model's task`);
  }
  if (model.classes.length !== ds.header.classes.length || model.classes.some((c, i) => c !== ds.header.classes[i])) {
    throw new UserError(`model ${model.name} classes (${model.classes.join(',')}) differ from the dataset's (${ds.header.classes.join(',')}); use a dataset of the model's task`);
  }
}

/** Predicted classes of the given windows. */
export async function classifyWindows(model: QModel, ds: Dataset, indices: readonly number[], engine: EngineName): Promise<Int32Array> {
  const n = ds.header.windowLength;
  const win = (j: number) => ds.samples.subarray(indices[j]! * n, (indices[j]! + 1) * n);
  if (engine === 'tfjs') {
    await initBackend();
    const e = compileTfjsEngine(model);
    const r = e.run(win, indices.length);
    e.dispose();
    return r.classes;
  }
  const { referenceClassifier } = await import('./reference-adapter.ts');
  const classify = referenceClassifier(model);
  return Int32Array.from(indices, (_, j) => classify(win(j)));
}

export async function evaluateModel(model: QModel, ds: Dataset, split: SplitName | 'all', engine: EngineName): Promise<Evaluation> {
  checkCompatible(model, ds);
  const t0 = Date.now();
  const indices = split === 'all' ? Array.from({ length: ds.header.count }, (_, i) => i) : splitDataset(ds, split).test;
  const predictions = await classifyWindows(model, ds, indices, engine);
  const truth = Uint8Array.from(indices, (i) => ds.labels[i]!);
  return { metrics: computeMetrics(truth, predictions, model.classes), predictions, indices, storage: modelStorage(model), seconds: (Date.now() - t0) / 1000 };
}
