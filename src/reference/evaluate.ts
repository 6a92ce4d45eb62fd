/**
 * Whole-set evaluation on the integer reference: the predicted class of every window, and the
 * confusion matrix against labels. The training side's `eval --engine reference` calls this
 * (richer metrics: src/train/metrics.ts).
 */
import type { QModel } from '../model/qmodel.ts';
import { compileReference, type Reference } from './compile.ts';

/** Windows as an array of windows, or one flat window-major array (e.g. a data set's samples). */
export type WindowSource = readonly ArrayLike<number>[] | Int16Array;

export interface ConfusionMatrix {
  classes: readonly string[];
  /** counts[t * k + p]: windows of true class t predicted as p (rows = truth) */
  counts: Int32Array;
}

export interface ReferenceEvaluation {
  predictions: Int32Array;
  confusion: ConfusionMatrix;
  accuracy: number;
}

/** The i-th window of a source holding `count` windows of `length` samples. */
export function windowAt(source: WindowSource, i: number, length: number): ArrayLike<number> {
  return source instanceof Int16Array ? source.subarray(i * length, (i + 1) * length) : source[i]!;
}

export function confusionMatrix(truth: ArrayLike<number>, predictions: ArrayLike<number>, classes: readonly string[]): ConfusionMatrix {
  const k = classes.length;
  if (truth.length !== predictions.length) throw new RangeError(`confusionMatrix: ${truth.length} labels but ${predictions.length} predictions`);
  const counts = new Int32Array(k * k);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predictions[i]!;
    if (!(t >= 0 && t < k) || !(p >= 0 && p < k)) throw new RangeError(`confusionMatrix: class index out of range at ${i} (truth ${t}, prediction ${p}, ${k} classes)`);
    counts[t * k + p]!++;
  }
  return { classes, counts };
}

export function accuracyOf(cm: ConfusionMatrix): number {
  const k = cm.classes.length;
  let correct = 0;
  let total = 0;
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      total += cm.counts[t * k + p]!;
      if (t === p) correct += cm.counts[t * k + p]!;
    }
  }
  return total === 0 ? 0 : correct / total;
}

/** The matrix as a fixed-width text table (rows = truth, columns = prediction). */
export function formatConfusion(cm: ConfusionMatrix): string {
  const k = cm.classes.length;
  const cells = [['true\\pred', ...cm.classes]];
  for (let t = 0; t < k; t++) cells.push([cm.classes[t]!, ...Array.from({ length: k }, (_, p) => String(cm.counts[t * k + p]))]);
  const w = Math.max(...cells.flat().map((c) => c.length));
  return cells.map((row) => row.map((c) => c.padStart(w)).join(' ')).join('\n');
}

/** Classifies `count` windows with a compiled reference. */
export function classifyAll(ref: Reference, windows: WindowSource, count: number): Int32Array {
  const n = ref.model.input.length;
  if (windows instanceof Int16Array && windows.length !== count * n) {
    throw new RangeError(`classifyAll: flat window array has ${windows.length} samples, expected ${count} x ${n}`);
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = ref.classify(windowAt(windows, i, n));
  return out;
}

export function evaluateReference(model: QModel, windows: WindowSource, labels: ArrayLike<number>): ReferenceEvaluation {
  const ref = compileReference(model);
  const predictions = classifyAll(ref, windows, labels.length);
  const confusion = confusionMatrix(labels, predictions, model.classes);
  return { predictions, confusion, accuracy: accuracyOf(confusion) };
}
