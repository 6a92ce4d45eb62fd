/** Small synthetic tasks and architectures for the training tests (fast, no real data). */
import type { Dataset } from '../../src/data/dataset.ts';
import { makeRng } from '../../src/data/rng.ts';
import { type ArchSpec, ArchSpecSchema } from '../../src/train/arch.ts';

/**
 * A separable two-class task: class 0 windows are a slow sine, class 1 a fast one, random phase
 * and amplitude, plus noise, as raw 11-bit ADC integers around 1024.
 */
export function sineDataset(perClass: number, windowLength: number, seed: number): Dataset {
  const rng = makeRng(seed);
  const count = 2 * perClass;
  const samples = new Int16Array(count * windowLength);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 2;
    labels[i] = c;
    const cycles = c === 0 ? 2 : 7;
    const phase = rng() * 2 * Math.PI;
    const amp = 150 + rng() * 100;
    for (let t = 0; t < windowLength; t++) {
      samples[i * windowLength + t] = Math.round(1024 + amp * Math.sin((2 * Math.PI * cycles * t) / windowLength + phase) + 20 * rng.normal());
    }
  }
  return {
    header: {
      format: 'bitbeat-dataset', version: 1, task: 'aami5', source: 'synthetic', classes: ['slow', 'fast'], windowLength, sampleRate: 360, count,
      lead: 'synthetic', adc: { bits: 11, baseline: 1024, gain: 200, units: 'mV' }, labelRule: 'sine frequency', excludedRecords: [],
      sourceChecksums: {}, defaultSplit: { method: 'stratified', testFraction: 0.25, seed: 7 }, notes: [], generator: 'test',
    },
    samples,
    labels,
    records: Array.from({ length: count }, (_, i) => `syn-${i % 2}`),
    offsets: new Uint32Array(count),
  };
}

/** A tiny binary network: two conv blocks and a dense head, or a globalSum head (seed 000 style). */
export function tinyArch(head: 'dense' | 'globalSum', overrides: Partial<ArchSpec> = {}): ArchSpec {
  const blocks =
    head === 'dense'
      ? [
          { filters: 6, kernel: 5, stride: 2, pad: 2, padValue: 0, pool: { size: 4, stride: 4 }, prelu: false, batchNorm: true, threshold: false },
          { filters: 8, kernel: 3, stride: 1, pad: 1, padValue: 0, pool: { size: 2, stride: 2 }, prelu: false, batchNorm: true, threshold: true },
        ]
      : [
          { filters: 6, kernel: 5, stride: 2, pad: 2, padValue: 0, pool: { size: 3, stride: 2 }, prelu: true, batchNorm: true, threshold: false },
          { filters: 'classes', kernel: 3, stride: 1, pad: 1, padValue: 1, pool: { size: 3, stride: 2 }, prelu: true, batchNorm: true, threshold: false },
        ];
  return ArchSpecSchema.parse({
    name: `tiny-${head}`,
    blocks,
    head: { kind: head },
    train: { epochs: 25, batchSize: 16, lr: 0.01, schedule: 'cosine', lrFinal: 0.05, validation: 0.1 },
    ...overrides,
  });
}
