/**
 * One training run end to end: dataset -> split -> normalized inputs -> train (checkpointed) ->
 * float accuracy -> export -> integer accuracy -> model JSON + metrics JSON. Used by
 * `bitbeat train` and by the tests (on synthetic data).
 */
import type { Dataset } from '../data/dataset.ts';
import type { QModel } from '../model/qmodel.ts';
import { BITBEAT_VERSION } from '../version.ts';
import { type ArchSpec, fullPrecisionOf, type TrainDefaults } from './arch.ts';
import { type BackendName, initBackend } from './backend.ts';
import { exportNetwork, type ExportReport } from './export.ts';
import { normalizeDataset, type NormalizedInputs } from './inputs.ts';
import { compileTfjsEngine } from './qengine.ts';
import { createNetwork, disposeNetwork, type Network } from './network.ts';
import { type SplitName, splitDataset, validationSplit } from './splits.ts';
import { storageKB } from './storage.ts';
import { predict, trainNetwork, type TrainResult } from './trainer.ts';

export interface RunOptions {
  arch: ArchSpec;
  /** preset name or config path, recorded in the metrics */
  archSource: string;
  dataset: Dataset;
  datasetPath: string;
  split: SplitName;
  seed: number;
  train: TrainDefaults;
  /** model name (file stem) */
  name: string;
  /** where checkpoints go (resumed from when present) */
  checkpointDir?: string;
  /** export the checkpoint's best weights without training further */
  stopAtCheckpoint?: boolean;
  /** also train the full-precision twin for this many epochs (0 = skip) */
  fpEpochs?: number;
  log?: (line: string, final: boolean) => void;
}

export interface RunResult {
  model: QModel | null;
  network: Network;
  inputs: NormalizedInputs;
  split: { train: number[]; fit: number[]; val: number[]; test: number[] };
  training: TrainResult;
  floatAccuracy: number;
  integerAccuracy: number | null;
  /** fraction of test windows where float and integer models predict the same class */
  agreement: number | null;
  exportReport: ExportReport | null;
  fullPrecision: { accuracy: number; epochs: number; minutes: number } | null;
  backend: BackendName;
  metrics: Record<string, unknown>;
}

function acc(pred: ArrayLike<number>, labels: Uint8Array, idx: readonly number[]): number {
  let ok = 0;
  for (let j = 0; j < idx.length; j++) if (pred[j] === labels[idx[j]!]) ok++;
  return idx.length > 0 ? ok / idx.length : NaN;
}

const round4 = (v: number | null) => (v === null || Number.isNaN(v) ? null : Math.round(v * 1e6) / 1e4);

export async function runTraining(o: RunOptions): Promise<RunResult> {
  const backend = await initBackend();
  const ds = o.dataset;
  const s = splitDataset(ds, o.split);
  const { fit, val } = validationSplit(ds.labels, s.train, o.train.validation, o.seed);
  const inputs = normalizeDataset(ds, o.arch.normalizer);
  const log = o.log ?? (() => {});
  log(`${o.name}: ${o.arch.name} on ${ds.header.task} (${ds.header.count} windows of ${ds.header.windowLength}), split ${o.split}: fit ${fit.length}, val ${val.length}, test ${s.test.length}; backend ${backend}`, true);
  const net = createNetwork(o.arch, ds.header.windowLength, ds.header.classes.length, o.seed);
  const training = await trainNetwork(net, inputs, fit, val, {
    ...o.train,
    seed: o.seed,
    checkpointPath: o.checkpointDir ? `${o.checkpointDir}/checkpoint.json` : undefined,
    stopAtCheckpoint: o.stopAtCheckpoint,
    onProgress: log,
  });
  const floatPred = predict(net, inputs, s.test);
  const floatAccuracy = acc(floatPred, ds.labels, s.test);
  log(`float accuracy on test: ${(100 * floatAccuracy).toFixed(2)} %`, true);

  let model: QModel | null = null;
  let integerAccuracy: number | null = null;
  let agreement: number | null = null;
  let exportReport: ExportReport | null = null;
  if (o.arch.binary) {
    const exported = exportNetwork(net, {
      name: o.name,
      task: ds.header.task,
      classes: ds.header.classes,
      sampleRate: ds.header.sampleRate,
      sampleBits: ds.header.adc.bits + 1,
      calibration: { data: inputs, idx: s.train },
      provenance: {
        generator: `bitbeat ${BITBEAT_VERSION}`,
        arch: o.archSource,
        dataset: ds.header.task,
        split: o.split,
        seed: o.seed,
        epochs: training.epochsRun,
        bestEpoch: training.bestEpoch,
      },
    });
    model = exported.model;
    exportReport = exported.report;
    const engine = compileTfjsEngine(model);
    const n = ds.header.windowLength;
    const r = engine.run((j) => ds.samples.subarray(s.test[j]! * n, (s.test[j]! + 1) * n), s.test.length);
    engine.dispose();
    integerAccuracy = acc(r.classes, ds.labels, s.test);
    let same = 0;
    for (let j = 0; j < s.test.length; j++) if (r.classes[j] === floatPred[j]) same++;
    agreement = s.test.length > 0 ? same / s.test.length : 1;
    const st = model.storage!;
    log(`exported ${o.name}: integer accuracy ${(100 * integerAccuracy).toFixed(2)} %, float/integer agreement ${(100 * agreement).toFixed(2)} %, ` +
      `storage ${st.bytes} bytes (${storageKB(st).toFixed(2)} KB: ${st.weightBits} weight bits + ${st.paramBits} parameter bits), logit fracBits ${exported.report.logitFracBits}, ` +
      `functions ${Object.entries(exported.report.forms).map(([k, v]) => `${k} ${v}`).join(', ')}`, true);
  }

  let fullPrecision: RunResult['fullPrecision'] = null;
  if ((o.fpEpochs ?? 0) > 0 && o.arch.binary) {
    const fpArch = fullPrecisionOf(o.arch);
    const fpNet = createNetwork(fpArch, ds.header.windowLength, ds.header.classes.length, o.seed);
    const fpTrain = await trainNetwork(fpNet, inputs, fit, val, {
      ...o.train,
      epochs: o.fpEpochs!,
      seed: o.seed,
      checkpointPath: o.checkpointDir ? `${o.checkpointDir}/checkpoint-fp.json` : undefined,
      onProgress: (l, f) => log(`[fp] ${l}`, f),
    });
    const fpAcc = acc(predict(fpNet, inputs, s.test), ds.labels, s.test);
    fullPrecision = { accuracy: fpAcc, epochs: fpTrain.epochsRun, minutes: fpTrain.seconds / 60 };
    log(`full-precision accuracy on test: ${(100 * fpAcc).toFixed(2)} %`, true);
    disposeNetwork(fpNet);
  }

  const metrics = {
    model: o.name,
    arch: o.archSource,
    architecture: o.arch.name,
    task: ds.header.task,
    dataset: { file: o.datasetPath.split('/').pop(), windows: ds.header.count, windowLength: ds.header.windowLength, classes: ds.header.classes },
    split: o.split,
    splitSizes: { fit: fit.length, validation: val.length, test: s.test.length },
    seed: o.seed,
    training: {
      backend,
      epochsPlanned: o.train.epochs,
      epochsRun: training.epochsRun,
      bestEpoch: training.bestEpoch,
      batchSize: o.train.batchSize,
      lr: o.train.lr,
      schedule: o.train.schedule,
      classWeights: o.train.classWeights,
      augment: o.train.augment,
      minutes: Math.round((training.seconds / 60) * 100) / 100,
      secondsPerEpoch: training.epochsRun > 0 ? Math.round((training.seconds / training.epochsRun) * 100) / 100 : null,
      bestValidationAccuracy: round4(training.bestValAcc),
    },
    accuracy: {
      floatPercent: round4(floatAccuracy),
      integerPercent: round4(integerAccuracy),
      floatIntegerAgreementPercent: round4(agreement),
      fullPrecisionPercent: fullPrecision ? round4(fullPrecision.accuracy) : null,
      fullPrecisionEpochs: fullPrecision?.epochs ?? null,
    },
    storage: model?.storage ? { ...model.storage, kilobytes: Math.round(storageKB(model.storage) * 1000) / 1000 } : null,
    logitFracBits: exportReport?.logitFracBits ?? null,
    history: training.history.map((h) => ({ ...h, loss: Math.round(h.loss * 1e4) / 1e4, seconds: Math.round(h.seconds * 10) / 10 })),
  };
  return { model, network: net, inputs, split: { train: s.train, fit, val, test: s.test }, training, floatAccuracy, integerAccuracy, agreement, exportReport, fullPrecision, backend, metrics };
}

