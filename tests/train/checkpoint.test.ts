import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/train/backend.ts';
import { normalizeDataset } from '../../src/train/inputs.ts';
import { createNetwork, disposeNetwork } from '../../src/train/network.ts';
import { snapshot, trainNetwork } from '../../src/train/trainer.ts';
import { sineDataset, tinyArch } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'bitbeat-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend();
});

describe('checkpoint and resume', () => {
  it('an interrupted run resumed from its checkpoint ends with the same weights as an uninterrupted one', async () => {
    const ds = sineDataset(20, 64, 1);
    const arch = tinyArch('dense');
    const data = normalizeDataset(ds, arch.normalizer);
    const idx = Array.from({ length: ds.header.count }, (_, i) => i);
    const fit = idx.slice(0, 32);
    const val = idx.slice(32);
    const opts = { ...arch.train, epochs: 3, seed: 4 };

    const straight = createNetwork(arch, 64, 2, 4);
    const r1 = await trainNetwork(straight, data, fit, val, opts);
    const want = snapshot(straight);

    const path = join(dir, 'checkpoint.json');
    const first = createNetwork(arch, 64, 2, 4);
    // Interrupt after the second epoch's checkpoint (as a kill would).
    await expect(
      trainNetwork(first, data, fit, val, {
        ...opts,
        checkpointPath: path,
        onProgress: (line, final) => {
          if (final && line.startsWith('epoch 2/3')) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    // Exporting early: stop at the checkpoint (2 epochs done), no further training.
    const early = createNetwork(arch, 64, 2, 4);
    const r0 = await trainNetwork(early, data, fit, val, { ...opts, checkpointPath: path, stopAtCheckpoint: true });
    expect(r0.epochsRun).toBe(2);
    expect(r0.history).toEqual(r1.history.slice(0, 2).map((h, i) => ({ ...h, seconds: r0.history[i]!.seconds })));
    disposeNetwork(early);
    const second = createNetwork(arch, 64, 2, 4);
    const r2 = await trainNetwork(second, data, fit, val, { ...opts, checkpointPath: path });
    expect(r2.resumedFrom).toBe(2);
    expect(r2.history.map((h) => h.loss)).toEqual(r1.history.map((h) => h.loss));
    const got = snapshot(second);
    for (const k of Object.keys(want)) expect(Array.from(got[k]!)).toEqual(Array.from(want[k]!));
    [straight, first, second].forEach(disposeNetwork);
    const none = createNetwork(arch, 64, 2, 4);
    await expect(trainNetwork(none, data, fit, val, { ...opts, checkpointPath: join(dir, 'missing.json'), stopAtCheckpoint: true })).rejects.toThrow(/no checkpoint/);
    disposeNetwork(none);
  });
});
