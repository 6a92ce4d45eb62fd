import { describe, expect, it } from 'vitest';
import { getTarget } from '../../src/design/targets.ts';
import { loadModel } from '../../src/model/load.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import { autoFolding, DEFAULT_FIT_MARGIN, oneBufferWorstCycles, treeStages } from '../../hdl-gen/auto.ts';
import { estimateDesign, fitsDevice, type DesignEstimate } from '../../hdl-gen/estimate.ts';
import type { Target } from '../../src/design/targets.ts';

// auto's register stages in the popcount / add-subtract trees (treeStages): on the iCE40 the
// wide trees (SIMD > 8) and every tree fed by a block-RAM weight ROM (whose read goes through
// the EBRs' output mux); on the ECP5 every tree wider than 4 (the block RAM's read port starts
// its critical paths); other trees get none.
describe('auto pipeline stages', () => {
  const model = loadModel('models/ecgbnn-s-aami5.json');
  const shapes = layerShapes(model);
  const up5k = getTarget('ice40-up5k');
  const ecp5 = getTarget('ecp5-25f');
  /** the stages the rule gives each layer of a design, with the weight storage the design uses */
  const ruleStages = (estimate: DesignEstimate, target: Target) => estimate.engines.map((e) => treeStages(e.simd, target, e.weightStorage));

  it('the rule: iCE40 trees wider than SIMD 8 or fed by block-RAM weights, ECP5 trees wider than 4 (popcounts and layer 1 sums)', () => {
    // the same rule for popcounts (SIMD 1-56 below) and layer 1's add/subtract sums (SIMD 1, 7, 16)
    expect([1, 2, 4, 8].map((simd) => treeStages(simd, up5k))).toEqual([0, 0, 0, 0]);
    expect([1, 2, 4, 8].map((simd) => treeStages(simd, up5k, 'bram'))).toEqual([1, 1, 1, 1]);
    expect([14, 16, 28, 32, 56].map((simd) => treeStages(simd, up5k))).toEqual([1, 1, 1, 1, 1]);
    expect([14, 16, 28, 32, 56].map((simd) => treeStages(simd, up5k, 'bram'))).toEqual([1, 1, 1, 1, 1]);
    expect([1, 7, 16].map((simd) => treeStages(simd, up5k))).toEqual([0, 0, 1]);
    expect([1, 2, 4].map((simd) => treeStages(simd, ecp5))).toEqual([0, 0, 0]);
    expect([1, 2, 4].map((simd) => treeStages(simd, ecp5, 'bram'))).toEqual([0, 0, 0]);
    expect([7, 8, 16, 32, 224].map((simd) => treeStages(simd, ecp5))).toEqual([1, 1, 1, 1, 1]);
  });

  it('--fit ice40-up5k stages exactly the trees the rule names, and the design still fits with its stages counted', () => {
    const { folding, estimate } = autoFolding(model, up5k, { kind: 'fit', device: up5k });
    expect(folding.layers.map((f) => f.pipeline ?? 0)).toEqual(ruleStages(estimate, up5k));
    expect(folding.layers.some((f) => (f.pipeline ?? 0) > 0)).toBe(true);
    expect(estimate).toEqual(estimateDesign(model, folding, up5k, shapes));
    expect(fitsDevice(estimate.total, up5k, DEFAULT_FIT_MARGIN)).toBe(true);
  });

  it('the default UP5K design stages its SIMD 16 and 32 layers and its block-RAM-fed ones, and still meets the cycle bound', () => {
    const { folding, estimate } = autoFolding(model, up5k, { kind: 'cycles', targetCycles: 100000 });
    const wide = folding.layers.filter((f, i) => shapes[i]!.inputKind === 'binary' && f.simd > 8);
    expect(wide.length).toBeGreaterThan(0);
    for (const f of wide) expect(f.pipeline).toBe(1);
    expect(folding.layers.map((f) => f.pipeline ?? 0)).toEqual(ruleStages(estimate, up5k));
    // a narrow tree fed by a block-RAM ROM is staged, a narrow one fed by LUT weights is not
    const narrow = estimate.engines.filter((e, i) => shapes[i]!.inputKind === 'binary' && e.simd <= 8);
    expect(narrow.some((e) => e.weightStorage === 'bram')).toBe(true);
    for (const e of narrow) expect(folding.layers.find((f) => f.layer === e.layer)!.pipeline ?? 0).toBe(e.weightStorage === 'bram' ? 1 : 0);
    expect(estimate.cyclesPerWindow).toBeLessThanOrEqual(100000);
  });

  it('a cycle bound takes one normalizer buffer where that is cheaper and its worst-case interval meets the bound', () => {
    const r = autoFolding(model, up5k, { kind: 'cycles', targetCycles: 100000 });
    expect(r.folding.normalizerBuffers).toBe(1);
    const two = estimateDesign(model, { ...r.folding, normalizerBuffers: 2 }, up5k, shapes);
    expect(r.estimate.total.lut4).toBeLessThan(two.total.lut4);
    // one cycle more: with one buffer the UP5K accumulates U2 in the square's SB_MAC16, whose
    // clear is a cycle of its own (blocks/normalizer.ts, accumulateDsp)
    expect(r.estimate.latencyCycles).toBe(two.latencyCycles + 1);
    expect(oneBufferWorstCycles(r.estimate)).toBeLessThanOrEqual(100000);
    // the worst case: pass 2 at the slowest layer's pace, then the next window's pass 1
    const slowest = Math.max(...r.estimate.engines.map((e) => e.cycles));
    expect(oneBufferWorstCycles(r.estimate)).toBe(Math.max(r.estimate.cyclesPerWindow, r.estimate.normalizer.cycles + slowest - r.estimate.engines[0]!.cycles));
    // BTPN's slowest layer is far slower than its layer 1: one buffer's worst case misses 100,000, so two
    const btpn = loadModel('models/btpn-aami5.json');
    const b = autoFolding(btpn, up5k, { kind: 'cycles', targetCycles: 100000 });
    expect(b.folding.normalizerBuffers).toBe(2);
    expect(oneBufferWorstCycles(estimateDesign(btpn, { ...b.folding, normalizerBuffers: 1 }, up5k))).toBeGreaterThan(100000);
  });

  it('the smallest UP5K design (narrow trees) stages only its block-RAM-fed trees; the default ECP5 design stages exactly its trees wider than 4', () => {
    const { folding: smallest, estimate } = autoFolding(model, up5k, { kind: 'cycles', targetCycles: 10_000_000 });
    // one lane per layer, no tree wider than 8 (conv2 takes SIMD 4 or 8, the two estimates are within 0.3 %)
    expect(smallest.layers.every((f) => f.pe === 1 && f.simd <= 8)).toBe(true);
    expect(smallest.layers.map((f) => f.pipeline ?? 0)).toEqual(estimate.engines.map((e) => (e.weightStorage === 'bram' ? 1 : 0)));
    const onEcp5 = autoFolding(model, ecp5, { kind: 'cycles', targetCycles: 100000 }).folding;
    for (const f of onEcp5.layers) expect(f.pipeline ?? 0).toBe(f.simd > 4 ? 1 : 0);
    expect(onEcp5.layers.some((f) => f.pipeline === 1)).toBe(true);
  });
});
