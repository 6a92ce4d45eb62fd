/** The integer golden model (src/reference) behind a one-window classify function. */
import type { QModel } from '../model/qmodel.ts';
import { compileReference } from '../reference/compile.ts';

export function referenceClassifier(model: QModel): (window: ArrayLike<number>) => number {
  const ref = compileReference(model);
  return (w) => ref.classify(w);
}
