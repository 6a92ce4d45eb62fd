/**
 * The training loop: Adam with a learning-rate schedule, optional class weights, seeded
 * shuffling, BatchNorm running statistics, validation every epoch (best epoch kept, optional
 * early stop), a checkpoint after every epoch and resume from it, and a progress line.
 */
import { createHash } from 'node:crypto';
import { makeRng, shuffleInPlace } from '../data/rng.ts';
import { UserError } from '../cli/errors.ts';
import { Adam } from './adam.ts';
import type { TrainDefaults } from './arch.ts';
import { tf } from './backend.ts';
import { type Checkpoint, type EpochStats, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import type { NormalizedInputs } from './inputs.ts';
import { clipLatentWeights, forward, type Network, updateRunningStats } from './network.ts';

export interface TrainOptions extends TrainDefaults {
  seed: number;
  /** checkpoint file (resumed from when it exists and matches this run) */
  checkpointPath?: string;
  /**
   * stop at the checkpoint: restore its best weights and train no further epochs (to export a
   * long run early); requires a checkpoint of this run
   */
  stopAtCheckpoint?: boolean;
  /** called with a progress line; `final` marks the end of an epoch */
  onProgress?: (line: string, final: boolean) => void;
}

export interface TrainResult {
  epochsRun: number;
  bestEpoch: number;
  bestValAcc: number | null;
  history: EpochStats[];
  /** wall-clock seconds of all epochs (including those of earlier runs that were resumed) */
  seconds: number;
  resumedFrom: number;
}

export function learningRate(o: Pick<TrainDefaults, 'lr' | 'schedule' | 'lrFinal' | 'epochs'>, epoch: number): number {
  const t = o.epochs <= 1 ? 0 : epoch / (o.epochs - 1);
  switch (o.schedule) {
    case 'constant':
      return o.lr;
    case 'step':
      return o.lr * (t < 0.5 ? 1 : t < 0.75 ? 0.1 : 0.01);
    case 'cosine':
      return o.lr * (o.lrFinal + (1 - o.lrFinal) * 0.5 * (1 + Math.cos(Math.PI * t)));
  }
}

/** Loss weight per class: none, inverse frequency (mean 1, clipped at 10) or its square root. */
export function classWeights(labels: Uint8Array, idx: readonly number[], classes: number, mode: TrainDefaults['classWeights']): Float32Array {
  const w = new Float32Array(classes).fill(1);
  if (mode === 'none') return w;
  const counts = new Array<number>(classes).fill(0);
  for (const i of idx) counts[labels[i]!]!++;
  for (let c = 0; c < classes; c++) {
    const f = counts[c]! > 0 ? idx.length / (classes * counts[c]!) : 0;
    w[c] = Math.min(10, mode === 'sqrt' ? Math.sqrt(f) : f);
  }
  return w;
}

function batchTensor(data: NormalizedInputs, idx: readonly number[], from: number, to: number, roll?: () => number): tf.Tensor3D {
  const n = data.length;
  const buf = new Float32Array((to - from) * n);
  for (let j = from; j < to; j++) {
    const w = data.x.subarray(idx[j]! * n, (idx[j]! + 1) * n);
    const o = (j - from) * n;
    if (!roll) {
      buf.set(w, o);
      continue;
    }
    // out[t] = w[(t + r) mod n]
    const r = roll();
    buf.set(w.subarray(r), o);
    buf.set(w.subarray(0, r), o + n - r);
  }
  return tf.tensor3d(buf, [to - from, n, 1]);
}

/** Predicted class per window (inference mode), ties to the lowest index. */
export function predict(net: Network, data: NormalizedInputs, idx: readonly number[], batch = 64): Int32Array {
  const out = new Int32Array(idx.length);
  for (let s = 0; s < idx.length; s += batch) {
    const e = Math.min(idx.length, s + batch);
    const p = tf.tidy(() => tf.argMax(forward(net, batchTensor(data, idx, s, e), false).logits, 1));
    out.set(p.dataSync() as Int32Array, s);
    p.dispose();
  }
  return out;
}

/** Float logits per window (inference mode), row-major [idx.length, classes]. */
export function predictLogits(net: Network, data: NormalizedInputs, idx: readonly number[], batch = 64): Float32Array {
  const out = new Float32Array(idx.length * net.classes);
  for (let s = 0; s < idx.length; s += batch) {
    const e = Math.min(idx.length, s + batch);
    const p = tf.tidy(() => forward(net, batchTensor(data, idx, s, e), false).logits);
    out.set(p.dataSync() as Float32Array, s * net.classes);
    p.dispose();
  }
  return out;
}

export function accuracy(net: Network, data: NormalizedInputs, idx: readonly number[]): number {
  if (idx.length === 0) return NaN;
  const p = predict(net, data, idx);
  let ok = 0;
  for (let j = 0; j < idx.length; j++) if (p[j] === data.labels[idx[j]!]) ok++;
  return ok / idx.length;
}

export function snapshot(net: Network): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of net.vars) out[k] = (v.dataSync() as Float32Array).slice();
  return out;
}

export function restoreSnapshot(net: Network, snap: Record<string, Float32Array>): void {
  tf.tidy(() => {
    for (const [k, v] of net.vars) {
      const a = snap[k];
      if (!a || a.length !== v.size) throw new Error(`checkpoint does not match the network (variable ${k})`);
      v.assign(tf.tensor(a, v.shape));
    }
  });
}

function runKey(net: Network, data: NormalizedInputs, trainIdx: readonly number[], valIdx: readonly number[], o: TrainOptions): string {
  const h = createHash('sha256');
  // Options at their default are left out, so adding an option keeps existing checkpoints valid.
  const { augment, ...train } = net.spec.train;
  const arch = { ...net.spec, train: augment === 'none' ? train : net.spec.train };
  h.update(JSON.stringify({
    arch, len: data.length, classes: data.classes, seed: o.seed, epochs: o.epochs, batch: o.batchSize, lr: o.lr, schedule: o.schedule,
    lrFinal: o.lrFinal, cw: o.classWeights, ...(o.augment !== 'none' ? { aug: o.augment } : {}),
  }));
  h.update(Int32Array.from(trainIdx));
  h.update(Int32Array.from(valIdx));
  h.update(data.labels);
  return h.digest('hex').slice(0, 16);
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

export async function trainNetwork(
  net: Network,
  data: NormalizedInputs,
  trainIdx: readonly number[],
  valIdx: readonly number[],
  o: TrainOptions,
): Promise<TrainResult> {
  const adam = new Adam(net.trainable);
  const key = runKey(net, data, trainIdx, valIdx, o);
  let history: EpochStats[] = [];
  let best: Checkpoint['best'] = null;
  let start = 0;
  let stopped = false;
  if (o.checkpointPath) {
    const ck = loadCheckpoint(o.checkpointPath);
    if (ck && ck.runKey === key) {
      restoreSnapshot(net, ck.vars);
      adam.restore(ck.adam);
      history = ck.history;
      best = ck.best;
      start = ck.epoch;
      stopped = ck.stopped || (o.stopAtCheckpoint ?? false);
    } else if (ck) {
      o.onProgress?.(`checkpoint ${o.checkpointPath} belongs to a different run (data/options changed); starting afresh`, true);
    }
  }
  if (o.stopAtCheckpoint && !stopped) throw new UserError(`no checkpoint of this run at ${o.checkpointPath ?? '(none given)'}: nothing to stop at; train first`);
  const resumedFrom = start;
  const cw = classWeights(data.labels, trainIdx, data.classes, o.classWeights);
  const cwT = tf.tensor1d(cw);
  const trainableNames = [...net.vars].filter(([, v]) => v.trainable).map(([k]) => k);

  for (let epoch = start; epoch < o.epochs && !stopped; epoch++) {
    const t0 = Date.now();
    const lr = learningRate(o, epoch);
    const order = shuffleInPlace([...trainIdx], makeRng((o.seed * 1000003 + epoch) >>> 0));
    const augRng = makeRng((o.seed * 7919 + epoch * 104729 + 1) >>> 0);
    const roll = o.augment === 'roll' ? () => augRng.int(data.length) : undefined;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const batches = Math.ceil(order.length / o.batchSize);
    for (let bi = 0; bi < batches; bi++) {
      const s = bi * o.batchSize;
      const e = Math.min(order.length, s + o.batchSize);
      const x = batchTensor(data, order, s, e, roll);
      const yIdx = tf.tensor1d(Int32Array.from(order.slice(s, e), (i) => data.labels[i]!), 'int32');
      let moments: ReturnType<typeof forward>['moments'] = new Map();
      let predT: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const r = forward(net, x, true);
        moments = new Map([...r.moments].map(([k, m]) => [k, { mean: tf.keep(m.mean), variance: tf.keep(m.variance) }]));
        predT = tf.keep(tf.argMax(r.logits, 1));
        const onehot = tf.oneHot(yIdx, data.classes);
        const perEx = tf.losses.softmaxCrossEntropy(onehot, r.logits, undefined, undefined, tf.Reduction.NONE);
        const w = tf.gather(cwT, yIdx);
        return tf.div(tf.sum(tf.mul(perEx, w)), tf.sum(w)) as tf.Scalar;
      }, net.trainable);
      adam.apply(trainableNames.map((k) => grads[net.vars.get(k)!.name] ?? null), lr);
      updateRunningStats(net, moments);
      clipLatentWeights(net);
      lossSum += (await value.data())[0]! * (e - s);
      const p = (await predT!.data()) as Int32Array;
      for (let j = 0; j < e - s; j++) if (p[j] === data.labels[order[s + j]!]) correct++;
      seen += e - s;
      tf.dispose([x, yIdx, value, predT!, ...Object.values(grads)]);
      for (const m of moments.values()) tf.dispose([m.mean, m.variance]);
      if (o.onProgress && (bi % 10 === 9 || bi === batches - 1)) {
        const el = (Date.now() - t0) / 1000;
        const eta = (el / (bi + 1)) * (batches - bi - 1) + (el / (bi + 1)) * batches * (o.epochs - epoch - 1);
        o.onProgress(`epoch ${epoch + 1}/${o.epochs} ${bi + 1}/${batches} loss ${(lossSum / seen).toFixed(4)} acc ${((100 * correct) / seen).toFixed(2)}% lr ${lr.toExponential(2)} ETA ${fmtTime(eta)}`, false);
      }
    }
    const valAcc = valIdx.length > 0 ? accuracy(net, data, valIdx) : null;
    const stats: EpochStats = { epoch: epoch + 1, lr, loss: lossSum / seen, trainAcc: correct / seen, valAcc, seconds: (Date.now() - t0) / 1000 };
    history.push(stats);
    const score = valAcc ?? stats.trainAcc;
    if (!best || score > best.valAcc) best = { epoch: epoch + 1, valAcc: score, vars: snapshot(net) };
    if (o.patience > 0 && epoch + 1 - best.epoch >= o.patience) stopped = true;
    const vars = snapshot(net);
    if (o.checkpointPath) {
      saveCheckpoint(o.checkpointPath, {
        format: 'bitbeat-train-checkpoint', version: 1, arch: net.spec, inputLength: data.length, classes: data.classes,
        seed: o.seed, runKey: key, epoch: epoch + 1, vars, adam: adam.state(), best, history, stopped,
      });
    }
    o.onProgress?.(
      `epoch ${epoch + 1}/${o.epochs} loss ${stats.loss.toFixed(4)} train ${(100 * stats.trainAcc).toFixed(2)}%` +
        (valAcc !== null ? ` val ${(100 * valAcc).toFixed(2)}%` : '') +
        ` best ${best.epoch} ${stats.seconds.toFixed(1)} s/epoch${stopped ? ' (early stop)' : ''}`,
      true,
    );
  }
  cwT.dispose();
  adam.dispose();
  if (best) restoreSnapshot(net, best.vars);
  return {
    epochsRun: history.length,
    bestEpoch: best?.epoch ?? 0,
    bestValAcc: valIdx.length > 0 ? (best?.valAcc ?? null) : null,
    history,
    seconds: history.reduce((a, h) => a + h.seconds, 0),
    resumedFrom,
  };
}
