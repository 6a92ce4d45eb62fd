/** The integer reference model (golden model): see compile.ts and docs/QMODEL.md. */
export { compileReference, type Reference, type ReferenceOptions } from './compile.ts';
export { evaluateReference, classifyAll, confusionMatrix, accuracyOf, formatConfusion, windowAt, type ConfusionMatrix, type ReferenceEvaluation, type WindowSource } from './evaluate.ts';
export { traceToJson, type LayerTrace, type NormalizerTrace, type ReferenceTrace } from './trace.ts';
export { argmax } from './output.ts';
