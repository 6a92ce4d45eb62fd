/** The integer golden model (src/reference) behind a one-window classify function. */
import type { QModel } from '../model/qmodel.ts';
import { UserError } from '../cli/errors.ts';

export function referenceClassifier(_model: QModel): (window: ArrayLike<number>) => number {
  throw new UserError('the integer reference model (src/reference) is not available in this build; use --engine tfjs');
}
