import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { getTarget } from '../../src/design/targets.ts';
import { randomModel, randomWindows } from '../../src/model/random.ts';
import { fullyFolded, fullyParallel, validateFolding } from '../../hdl-gen/folding.ts';
import { smallModel } from './fixtures.ts';
import { runAccelerator } from './accelerator-sim.ts';

const up5k = getTarget('ice40-up5k');

describe('generated accelerator vs the integer reference (Verilator)', () => {
  const model = smallModel();
  const windows = randomWindows(makeRng(5), model, 6);

  it('small model, fully folded: every traced stream and the class are bit-exact', async () => {
    const r = await runAccelerator(model, fullyFolded(model), up5k, windows, makeRng(1));
    expect(r.classes.length).toBe(6);
  });

  it('small model, fully parallel', async () => {
    await runAccelerator(model, fullyParallel(model), up5k, windows, makeRng(2));
  });

  it('small model, mixed folding', async () => {
    const f = validateFolding(model, { layers: [{ layer: 'conv0', pe: 2, simd: 3 }, { layer: 'conv1', pe: 3, simd: 4 }, { layer: 'dense', pe: 1, simd: 16 }] });
    await runAccelerator(model, f, up5k, windows, makeRng(3));
  });
});
