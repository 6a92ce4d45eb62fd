import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/train/backend.ts';
import { parseModel } from '../../src/model/validate.ts';
import { runTraining } from '../../src/train/pipeline.ts';
import { compileTfjsEngine } from '../../src/train/qengine.ts';
import { predict } from '../../src/train/trainer.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { sineDataset, tinyArch } from './helpers.ts';

beforeAll(async () => {
  await initBackend();
});

describe.each(['dense', 'globalSum'] as const)('tiny binary network with a %s head', (head) => {
  const ds = sineDataset(100, 128, head === 'dense' ? 3 : 4);
  const arch = tinyArch(head);
  let result: Awaited<ReturnType<typeof runTraining>>;

  beforeAll(async () => {
    result = await runTraining({ arch, archSource: 'test', dataset: ds, datasetPath: 'synthetic', split: 'stratified', seed: 5, train: arch.train, name: `tiny-${head}` });
  }, 300_000);

  it('learns the separable synthetic task', () => {
    expect(result.floatAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.integerAccuracy!).toBeGreaterThanOrEqual(0.9);
  });

  it('exports a model that validates and re-imports with the same predictions as the float network', () => {
    const model = parseModel(JSON.parse(JSON.stringify(result.model)), 'round trip');
    expect(model).toEqual(result.model);
    const n = ds.header.windowLength;
    const idx = result.split.test;
    const engine = compileTfjsEngine(model);
    const integer = engine.run((j) => ds.samples.subarray(idx[j]! * n, (idx[j]! + 1) * n), idx.length).classes;
    engine.dispose();
    const float = predict(result.network, result.inputs, idx);
    let same = 0;
    for (let j = 0; j < idx.length; j++) if (integer[j] === float[j]) same++;
    // The fold is exact up to float32 rounding at a threshold's edge: allow at most one tie-break difference.
    expect(same).toBeGreaterThanOrEqual(idx.length - 1);
    expect(result.agreement!).toBeGreaterThanOrEqual((idx.length - 1) / idx.length);
  });

  it('the batched tfjs integer engine computes exactly the integer reference model', () => {
    const ref = compileReference(result.model!);
    const n = ds.header.windowLength;
    const idx = [...result.split.test, ...result.split.train.slice(0, 40)];
    const engine = compileTfjsEngine(result.model!);
    const got = engine.run((j) => ds.samples.subarray(idx[j]! * n, (idx[j]! + 1) * n), idx.length);
    engine.dispose();
    const C = result.model!.classes.length;
    idx.forEach((i, j) => {
      const w = ds.samples.subarray(i * n, (i + 1) * n);
      expect(Array.from(got.logits.subarray(j * C, (j + 1) * C))).toEqual(Array.from(ref.logits(w)));
      expect(got.classes[j]).toBe(ref.classify(w));
    });
  });

  it('records storage as weight bits plus per-channel parameter bits', () => {
    const st = result.model!.storage!;
    // dense: conv 5x1x6 + conv 3x6x8 + dense 64x2; globalSum: conv 5x1x6 + conv 3x6x2
    expect(st.weightBits).toBe(head === 'dense' ? 30 + 144 + 128 : 30 + 36);
    expect(st.paramBits).toBeGreaterThan(0);
    expect(st.bytes).toBe(Math.ceil((st.weightBits + st.paramBits) / 8));
  });
});
