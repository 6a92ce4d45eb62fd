import { describe, expect, it } from 'vitest';
import { AAMI5_CLASSES } from '../../src/data/aami.ts';
import { encodeDataset, window, type Dataset } from '../../src/data/dataset.ts';
import { RHYTHM17_CLASSES } from '../../src/data/plawiak.ts';
import { stratifiedSplit } from '../../src/data/splits.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';

/**
 * Shift-invariant window features: histograms of z-scored amplitude and slope, plus the
 * autocorrelation at lags 0.2..2 s (rhythm). A nearest-centroid classifier on these is a weak
 * learner, so if it separates the classes, a BNN trained on raw windows has signal to learn.
 */
function features(x: Int16Array): number[] {
  const n = x.length;
  let m = 0;
  for (const v of x) m += v;
  m /= n;
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  s = Math.sqrt(s / n) || 1;
  const f = new Array<number>(24).fill(0);
  for (const v of x) f[Math.max(0, Math.min(11, Math.floor(((v - m) / s + 3) * 2)))]! += 1;
  for (let i = 1; i < n; i++) f[12 + Math.max(0, Math.min(11, Math.floor(((x[i]! - x[i - 1]!) / s + 0.6) * 10)))]! += 1;
  const z = Array.from(x, (v) => (v - m) / s);
  for (let lag = 72; lag <= 720; lag += 36) {
    let c = 0;
    for (let i = lag; i < n; i++) c += z[i]! * z[i - lag]!;
    f.push((c / (n - lag)) * (n / 5));
  }
  return f.map((v) => (v / n) * 10);
}

function nearestCentroidAccuracy(ds: Dataset): number {
  const feats = Array.from({ length: ds.header.count }, (_, i) => features(window(ds, i)));
  const { train, test } = stratifiedSplit(ds.labels, 0.25, 1);
  const k = ds.header.classes.length;
  const dim = feats[0]!.length;
  const centroids = Array.from({ length: k }, () => new Array<number>(dim).fill(0));
  const counts = new Array<number>(k).fill(0);
  for (const i of train) {
    counts[ds.labels[i]!]! += 1;
    feats[i]!.forEach((v, j) => (centroids[ds.labels[i]!]![j]! += v));
  }
  centroids.forEach((c, ci) => c.forEach((_, j) => (c[j]! /= counts[ci]!)));
  let correct = 0;
  for (const i of test) {
    let best = 0;
    let bestDist = Infinity;
    centroids.forEach((c, ci) => {
      const d = c.reduce((acc, v, j) => acc + (v - feats[i]![j]!) ** 2, 0);
      if (d < bestDist) [best, bestDist] = [ci, d];
    });
    if (best === ds.labels[i]) correct++;
  }
  return correct / test.length;
}

describe('synthetic ECG', () => {
  const aami = syntheticDataset({ seed: 7, perClass: 40, classes: [...AAMI5_CLASSES] });

  it('is deterministic: same options give the same bytes, another seed differs', () => {
    const again = syntheticDataset({ seed: 7, perClass: 40, classes: [...AAMI5_CLASSES] });
    expect(encodeDataset(again).equals(encodeDataset(aami))).toBe(true);
    const other = syntheticDataset({ seed: 8, perClass: 40, classes: [...AAMI5_CLASSES] });
    expect(encodeDataset(other).equals(encodeDataset(aami))).toBe(false);
  });

  it('looks like MIT-BIH ADC data: 11-bit range, baseline near 1024, R peaks of about 1 mV', () => {
    expect(aami.header).toMatchObject({ task: 'aami5', source: 'synthetic', windowLength: 3600, sampleRate: 360, count: 200 });
    let min = Infinity;
    let max = -Infinity;
    for (const v of aami.samples) [min, max] = [Math.min(min, v), Math.max(max, v)];
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(2047);
    const sorted = Int16Array.from(window(aami, 0)).sort();
    const median = sorted[1800]!;
    expect(Math.abs(median - 1024)).toBeLessThan(60);
    const peak = sorted[3599]! - median;
    expect(peak).toBeGreaterThan(100); // > 0.5 mV
    expect(peak).toBeLessThan(400); // < 2 mV
    expect(aami.records[0]).toBe('syn-N');
    expect(Array.from(aami.offsets.subarray(0, 3))).toEqual([0, 3600, 7200]);
  });

  it('gives distinguishable aami5 classes (nearest-centroid accuracy >= 85 %)', () => {
    expect(nearestCentroidAccuracy(aami)).toBeGreaterThanOrEqual(0.85);
  });

  it('gives distinguishable rhythm17 classes (nearest-centroid accuracy >= 80 %)', () => {
    const ds = syntheticDataset({ seed: 7, perClass: 20, classes: [...RHYTHM17_CLASSES] });
    expect(ds.header.task).toBe('rhythm17');
    expect(nearestCentroidAccuracy(ds)).toBeGreaterThanOrEqual(0.8);
  });

  it('supports custom class lists and window lengths', () => {
    const ds = syntheticDataset({ seed: 2, perClass: 3, classes: ['a', 'b'], windowLength: 256 });
    expect(ds.samples.length).toBe(2 * 3 * 256);
    expect(Array.from(ds.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(ds.header.notes.join(' ')).toMatch(/class 'a' uses synthetic rhythm 'NSR'/);
  });
});
