import { describe, expect, it } from 'vitest';
import { getTarget, type Target } from '../../src/design/targets.ts';
import { loadModel } from '../../src/model/load.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import { caseParamLuts, estimateDesign, formatEstimateTable, THRESHOLD_ROM_MIN_LUTS, thresholdRomBlocks, thresholdRomPlan, thresholdRomReads } from '../../hdl-gen/estimate.ts';
import { loadFoldingFile, validateFolding } from '../../hdl-gen/folding.ts';
import { buildDesign } from '../../hdl-gen/generate.ts';

// estimate.ts's thresholdRomPlan: iCE40 block RAM the design leaves unused goes to threshold
// parameter ROMs (whole or partial), largest case statement first, never past the device.
describe('threshold parameter ROMs in spare iCE40 block RAM', () => {
  const model = loadModel('models/ecgbnn-s-aami5.json');
  const shapes = layerShapes(model);
  const folding = validateFolding(model, loadFoldingFile('bench/foldings/ecgbnn-s-aami5-up5k-1ms.json'));
  const up5k = getTarget('ice40-up5k');
  const withBram = (t: Target, bram: number): Target => ({ ...t, resources: { ...t.resources, bram } });

  it('reference UP5K design: the one spare EBR takes all 36 of conv5\'s parameter columns, read in three parts; the design uses exactly 30', () => {
    const est = estimateDesign(model, folding, up5k, shapes);
    expect(est.total.bram).toBe(up5k.resources.bram);
    const roms = est.engines.filter((e) => e.thresholdParams?.romWidth !== undefined);
    expect(roms.map((e) => [e.layer, e.thresholdParams!.romWidth, e.thresholdParams!.width])).toEqual([['conv5', 36, 36]]);
    // 32 folds x 36 bits: 3 blocks read once a fold, 1 (256 x 12) read over its last 3 of 7 groups
    expect(thresholdRomReads(32, 7, 36, 'ice40')).toBe(3);
    expect(thresholdRomBlocks(32, 7, 36, 'ice40')).toBe(1);
    expect(thresholdRomBlocks(32, 1, 36, 'ice40')).toBe(3);
    // visible in the table
    expect(formatEstimateTable(est)).toMatch(/conv5 .* bram thr36b /);
  });

  it('the budget rule: never more blocks than the device has spare, largest case statement first, each block saving its minimum', () => {
    // the design's block RAM without threshold ROMs (then there is no spare block to plan)
    const ref = estimateDesign(model, folding, up5k, shapes);
    const used = ref.total.bram - ref.engines.reduce((t, e) => t + (e.thresholdParams?.romWidth !== undefined ? thresholdRomBlocks(e.thresholdParams.folds, e.thresholdParams.readGroups, e.thresholdParams.romWidth, 'ice40') : 0), 0);
    const base = estimateDesign(model, folding, withBram(up5k, used), shapes);
    expect(base.engines.every((e) => e.thresholdParams?.romWidth === undefined)).toBe(true);
    for (const spare of [0, 1, 2, 3, 4, 6, 9, 12]) {
      const t = withBram(up5k, used + spare);
      const est = estimateDesign(model, folding, t, shapes);
      expect(est.total.bram, `spare ${spare}`).toBeLessThanOrEqual(t.resources.bram);
      const plan = thresholdRomPlan(base.engines, t, spare);
      let blocks = 0;
      plan.forEach((w, i) => {
        if (w === undefined) return;
        const p = base.engines[i]!.thresholdParams!;
        const b = thresholdRomBlocks(p.folds, p.readGroups, w, 'ice40');
        blocks += b;
        expect(caseParamLuts(p.folds, p.varying)).toBeGreaterThanOrEqual(THRESHOLD_ROM_MIN_LUTS * b);
        expect(est.engines[i]!.thresholdParams!.romWidth).toBe(w);
      });
      expect(blocks).toBeLessThanOrEqual(spare);
      expect(est.total.bram).toBe(used + blocks);
      // largest first: a layer left out has a case statement no larger than every chosen one's,
      // or no block left for it
      if (spare === 0) expect(plan.every((w) => w === undefined)).toBe(true);
    }
    // one spare block: conv5's whole ROM, read in parts (its case statement is the largest)
    expect(thresholdRomPlan(base.engines, withBram(up5k, used + 1), 1)).toEqual([undefined, undefined, undefined, undefined, 36, undefined]);
    // three: conv3's and conv4's whole ROMs as well (one block each, read in parts)
    expect(thresholdRomPlan(base.engines, withBram(up5k, used + 3), 3)).toEqual([undefined, undefined, 48, 36, 36, undefined]);
    // plenty: no more than that (conv1's and conv2's case statements save less than a block's minimum)
    expect(thresholdRomPlan(base.engines, withBram(up5k, used + 100), 100)).toEqual([undefined, undefined, 48, 36, 36, undefined]);
  });

  it('ECP5 is left alone (no threshold ROM from spare blocks)', () => {
    const ecp5 = getTarget('ecp5-25f');
    const est = estimateDesign(model, folding, ecp5, shapes);
    expect(est.engines.every((e) => e.thresholdParams?.romWidth === undefined)).toBe(true);
    expect(thresholdRomPlan(est.engines, ecp5, 50).every((w) => w === undefined)).toBe(true);
  });

  it('the generator builds the ROM the estimate chose (deterministically)', () => {
    const a = buildDesign(model, folding, up5k, 'ms');
    const b = buildDesign(model, folding, up5k, 'ms');
    const thresholdOf = (top: typeof a.top) => {
      const found: Record<string, unknown>[] = [];
      const walk = (m: typeof a.top) => {
        for (const inst of m.instances) {
          if (inst.name === 'threshold') found.push({ name: inst.child.name, ...inst.child.generationParams });
          walk(inst.child);
        }
      };
      walk(top);
      return found;
    };
    const ths = thresholdOf(a.top);
    expect(ths.filter((t) => t.params === 'rom').map((t) => [t.name, t.romWidth, t.romReads])).toEqual([['ms_conv5_threshold', 36, 3]]);
    expect(thresholdOf(b.top)).toEqual(ths);
  });
});
