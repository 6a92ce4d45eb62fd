import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { getTarget, type Target } from '../../src/design/targets.ts';
import { autoFolding, DEFAULT_FIT_MARGIN } from '../../hdl-gen/auto.ts';
import {
  adderTreeLuts,
  bramBlocks,
  defaultWeightStorage,
  estimateDesign,
  estimateEngine,
  fitsDevice,
  logicCells,
  foldPoolStorage,
  formatEstimateTable,
  lutRomLuts,
} from '../../hdl-gen/estimate.ts';
import { fullyFolded, fullyParallel, validateFolding } from '../../hdl-gen/folding.ts';
import { logitTailCycles } from '../../hdl-gen/blocks/logits.ts';
import { layerShapes } from '../../src/model/shapes.ts';
import { btpnShapedModel, smallModel } from './fixtures.ts';

const up5k = getTarget('ice40-up5k');
const hx8k = getTarget('ice40-hx8k');
const ecp5 = getTarget('ecp5-25f');

describe('block formulas', () => {
  it('fold-serial pool state: LUT RAM on ECP5; on iCE40 block RAM only when each block holds at least 32 state bits', () => {
    expect(foldPoolStorage(4, 8, 'ecp5')).toBe('distributed');
    expect(foldPoolStorage(64, 8, 'ice40')).toBe('block');
    // 4 folds x 8 bits: one SB_RAM40_4K for 32 bits
    expect(foldPoolStorage(4, 8, 'ice40')).toBe('block');
    // 2 folds x 120 bits would take 8 blocks for 240 bits
    expect(foldPoolStorage(2, 120, 'ice40')).toBe('logic');
    expect(foldPoolStorage(2, 8, 'ice40')).toBe('logic');
  });

  it('block RAM count picks the cheapest aspect ratio', () => {
    // 3600 x 12 on iCE40: 256x16 -> 15, 512x8 -> 16, 1024x4 -> 12, 2048x2 -> 12
    expect(bramBlocks(3600, 12, 'ice40')).toBe(12);
    expect(bramBlocks(256, 16, 'ice40')).toBe(1);
    expect(bramBlocks(257, 16, 'ice40')).toBe(2);
    expect(bramBlocks(1024, 18, 'ecp5')).toBe(1);
    expect(bramBlocks(3600, 12, 'ecp5')).toBe(3);
    expect(bramBlocks(0, 12, 'ecp5')).toBe(0);
  });

  it('LUT ROMs cost nothing for one word (constants) and grow with depth', () => {
    expect(lutRomLuts(1, 100)).toBe(0);
    expect(lutRomLuts(16, 4)).toBe(4);
    expect(lutRomLuts(17, 4)).toBe(12);
  });

  it('adder tree pairs neighbours; an adder of w-bit operands costs w+1', () => {
    expect(adderTreeLuts(1, 1)).toBe(0);
    expect(adderTreeLuts(2, 1)).toBe(2);
    expect(adderTreeLuts(4, 1)).toBe(2 + 2 + 3);
    expect(adderTreeLuts(3, 1)).toBe(2 + 3);
  });

  it('weights go to block RAM only when large and the device has block RAM', () => {
    expect(defaultWeightStorage(1, 100000, up5k)).toBe('lut');
    expect(defaultWeightStorage(64, 32, up5k)).toBe('lut');
    expect(defaultWeightStorage(4096, 1, up5k)).toBe('bram');
    expect(defaultWeightStorage(4096, 1, { ...up5k, resources: { ...up5k.resources, bram: 0 } })).toBe('lut');
  });
});

describe('estimateDesign on a small model', () => {
  const model = smallModel();

  it('fully folded: cycles = positions * (Cout/PE) * (taps/SIMD) + fill (+ logit tail)', () => {
    const e = estimateDesign(model, fullyFolded(model), up5k);
    // conv0: 16 contributing conv positions x 4 channels x 3 taps, + fill (ROM read, the
    // fold-serial pool's output register: 4 folds pool fold by fold)
    expect(e.engines[0]!.cycles).toBe(16 * 4 * 3 + 2);
    // conv1: 8 positions x 6 x 12, + 2 (no pool)
    expect(e.engines[1]!.cycles).toBe(8 * 6 * 12 + 2);
    // dense: 3 x 48, + 2, + the logit unit's serial multiply tail + the argmax register
    const fns = model.layers[2]!.out.kind === 'logits' ? model.layers[2]!.out.fns : [];
    expect(e.engines[2]!.cycles).toBe(3 * 48 + 2 + logitTailCycles(fns) + 1);
    expect(e.normalizer.cycles).toBe(16);
    expect(e.cyclesPerWindow).toBe(578);
    expect(e.bottleneck).toBe('conv1');
  });

  it('fully parallel: an engine cannot beat its input rate', () => {
    const e = estimateDesign(model, fullyParallel(model), up5k);
    expect(e.engines[0]!.cycles).toBe(16 + 2);
    // constant weights: no ROM stage
    expect(e.engines[1]!.cycles).toBe(8 + 1);
    // dense: one position, but it cannot start before its 8 input positions arrived
    const fns = model.layers[2]!.out.kind === 'logits' ? model.layers[2]!.out.fns : [];
    expect(e.engines[2]!.cycles).toBe(8 + 1 + logitTailCycles(fns) + 1);
    // the dense engine with the logit unit's whole tail (K + 1 states per channel): 23. The
    // interval measured in Verilator with input and output always ready is 20 (it was 20 when
    // this estimate was too, with K states per channel): the tail overlaps the next window's
    // accumulation, so the estimate is 3 cycles pessimistic on this tiny model
    expect(e.cyclesPerWindow).toBe(23);
    expect(e.bottleneck).toBe('dense');
  });

  it('more parallelism costs more LUTs and fewer cycles', () => {
    const shapes = layerShapes(model);
    const slow = estimateEngine(model, shapes[1]!, 1, 1, undefined, up5k);
    const fast = estimateEngine(model, shapes[1]!, 6, 12, undefined, up5k);
    expect(fast.cycles).toBeLessThan(slow.cycles);
    expect(fast.resources.lut4).toBeGreaterThan(slow.resources.lut4);
  });

  it('a weight storage override moves the ROM into block RAM', () => {
    const f = validateFolding(model, { layers: fullyFolded(model).layers.map((l) => (l.layer === 'conv1' ? { ...l, weights: 'bram' as const } : l)) });
    const e = estimateDesign(model, f, up5k);
    expect(e.engines[1]!.weightStorage).toBe('bram');
    expect(e.engines[1]!.resources.bram).toBe(1);
    expect(e.engines[1]!.resources.lut4).toBeLessThan(estimateDesign(model, fullyFolded(model), up5k).engines[1]!.resources.lut4);
  });

  it('prints the table with one row per stage and the totals', () => {
    const text = formatEstimateTable(estimateDesign(model, fullyFolded(model), up5k));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^layer\s+shape\s+PE\s+SIMD\s+cycles\s+LUT\s+FF\s+BRAM/);
    expect(text).toContain('conv1       4x8 -> 6x8 k3 s1');
    expect(text).toMatch(/total .* 578 /);
    expect(lines[lines.length - 1]).toMatch(/^cycles per window 578 \(bottleneck: conv1\); latency \d+ cycles from the last sample to the class$/);
  });
});

describe('estimateDesign on a BTPN-shaped model', () => {
  const model = btpnShapedModel();

  it('puts the z-score buffers in SPRAM on the UP5K and in block RAM elsewhere', () => {
    const a = estimateDesign(model, fullyFolded(model), up5k);
    expect(a.normalizer.bufferStorage).toBe('spram');
    expect(a.normalizer.buffers).toBe(2);
    expect(a.total.spram).toBe(2);
    const b = estimateDesign(model, fullyFolded(model), hx8k);
    expect(b.normalizer.bufferStorage).toBe('bram');
    expect(b.normalizer.buffers).toBe(1);
    expect(b.normalizer.resources.bram).toBe(12);
  });

  it("one normalizer buffer costs about a window of cycles more than two (the block's timing model)", () => {
    const two = estimateDesign(model, { ...fullyParallel(model), normalizerBuffers: 2 }, ecp5);
    const one = estimateDesign(model, { ...fullyParallel(model), normalizerBuffers: 1 }, ecp5);
    const S = one.normalizer.statsCycles;
    expect(one.normalizer.cycles - two.normalizer.cycles).toBeGreaterThanOrEqual(3600);
    expect(one.normalizer.cycles - two.normalizer.cycles).toBeLessThanOrEqual(3600 + S);
    // fully parallel: the normalizer is the bottleneck
    expect(two.bottleneck).toBe('normalizer');
    expect(two.engines[0]!.cycles).toBe(3602);
  });

  it("a slow layer 1 slows the normalizer's pass 2", () => {
    const e = estimateDesign(model, fullyFolded(model), ecp5);
    expect(e.normalizer.cycles).toBeGreaterThan(e.engines[0]!.cycles);
  });

  it('the conv formula holds for layer 1 (1800 conv positions, stride 2)', () => {
    const e = estimateDesign(model, fullyFolded(model), up5k);
    // 449 pooled outputs of pool 8/4 read (449-1)*4+8 = 1800 conv positions
    expect(e.engines[0]!.positions).toBe(1800);
    // + fill: ROM read and the fold-serial pool's output register (8 folds)
    expect(e.engines[0]!.cycles).toBe(1800 * 8 * 16 + 2);
  });
});

describe('autoFolding', () => {
  const model = btpnShapedModel();

  it('--target-cycles: meets the bound with each layer at its cheapest choice', () => {
    const { folding, estimate } = autoFolding(model, up5k, { kind: 'cycles', targetCycles: 50000 });
    expect(estimate.cyclesPerWindow).toBeLessThanOrEqual(50000);
    validateFolding(model, folding);
    // no engine is made needlessly fast: a cheaper choice for any layer would break the bound
    const shapes = layerShapes(model);
    folding.layers.forEach((f, i) => {
      const chosen = estimate.engines[i]!;
      expect(chosen.cycles).toBeLessThanOrEqual(50000);
      expect(f.pe * f.simd).toBeLessThan(shapes[i]!.outChannels * shapes[i]!.taps);
    });
    const looser = autoFolding(model, up5k, { kind: 'cycles', targetCycles: 200000 });
    // what the search minimises on the iCE40: logic cells (LUT4 plus unpacked FFs). LUT4 alone
    // need not fall: with layer 1's dot in spare DSPs the tighter design here has 13 fewer
    // LUT4 but 200 more FFs than the looser one
    expect(logicCells(looser.estimate.total, up5k)).toBeLessThanOrEqual(logicCells(estimate.total, up5k));
  });

  it('--target-cycles below the fully parallel floor fails naming the floor', () => {
    const floor = estimateDesign(model, { ...fullyParallel(model), normalizerBuffers: 2 }, up5k).cyclesPerWindow;
    expect(() => autoFolding(model, up5k, { kind: 'cycles', targetCycles: 1000 })).toThrow(UserError);
    expect(() => autoFolding(model, up5k, { kind: 'cycles', targetCycles: 1000 })).toThrow(`needs at least ${floor} cycles per window`);
    expect(autoFolding(model, up5k, { kind: 'cycles', targetCycles: floor }).estimate.cyclesPerWindow).toBe(floor);
  });

  it('--fit: fits the device with margin, and is faster than fully folded', () => {
    const { estimate } = autoFolding(model, ecp5, { kind: 'fit', device: ecp5 });
    expect(fitsDevice(estimate.total, ecp5, DEFAULT_FIT_MARGIN)).toBe(true);
    const folded = estimateDesign(model, fullyFolded(model), ecp5);
    expect(estimate.cyclesPerWindow).toBeLessThan(folded.cyclesPerWindow / 10);
    // a device with a third of the logic: a slower design that fits it
    const smallDevice: Target = { ...ecp5, resources: { ...ecp5.resources, lut4: Math.round(ecp5.resources.lut4 / 3), ff: Math.round(ecp5.resources.ff / 3) } };
    const small = autoFolding(model, smallDevice, { kind: 'fit', device: smallDevice });
    expect(fitsDevice(small.estimate.total, smallDevice, DEFAULT_FIT_MARGIN)).toBe(true);
    expect(small.estimate.cyclesPerWindow).toBeGreaterThan(estimate.cyclesPerWindow);
    // the UP5K (logic cells counted as LUT4 + 0.6 FF): its logits' constants take a block RAM, so
    // the weights compete for the rest. With the default margin it sits at the boundary: it
    // failed until the normalizer's iCE40 DSP forms (about 90 LUT4 fewer), now it fits with 1
    // cell to spare, only a folding about 10x slower than with a thin margin; slower than the ECP5's either way
    let tight: number | undefined;
    try {
      tight = autoFolding(model, up5k, { kind: 'fit', device: up5k }).estimate.cyclesPerWindow;
    } catch (e) {
      expect(String(e)).toMatch(new RegExp(`logic cells \\(LUT4 \\+ 0\\.6 FF\\) \\d+ > ${Math.floor(up5k.resources.lut4 * DEFAULT_FIT_MARGIN)}`));
    }
    const up = autoFolding(model, up5k, { kind: 'fit', device: up5k, margin: 1 });
    if (tight !== undefined) expect(tight).toBeGreaterThan(up.estimate.cyclesPerWindow);
    expect(fitsDevice(up.estimate.total, up5k, 1)).toBe(true);
    expect(logicCells(up.estimate.total, up5k)).toBeLessThanOrEqual(up5k.resources.lut4);
    expect(up.estimate.cyclesPerWindow).toBeGreaterThan(estimate.cyclesPerWindow);
  });

  it('--fit on a device too small fails before anything is generated', () => {
    const tiny: Target = { ...up5k, name: 'ice40-up5k', resources: { ...up5k.resources, lut4: 1000, ff: 1000 } };
    expect(() => autoFolding(model, up5k, { kind: 'fit', device: tiny })).toThrow(/no folding of model 'btpn-shaped' fits: the smallest needs about \d+ LUT4/);
  });
});

describe('line buffer options', () => {
  const model = smallModel();
  const shapes = layerShapes(model);
  const conv1 = shapes[1]!; // binary, 4 input channels, k3, zero padding

  it('carries both line buffers: registers (FFs + group mux) or the RAM ring (block RAM)', () => {
    const regs = estimateEngine(model, conv1, 1, 2, undefined, up5k, 0, 'regs');
    const ram = estimateEngine(model, conv1, 1, 2, undefined, up5k, 0, 'ram');
    expect(regs.window).toBe('regs');
    expect(ram.window).toBe('ram');
    expect(ram.resources.bram - regs.resources.bram).toBe(1);
    expect(ram.resources.ff).toBeLessThan(regs.resources.ff + 40);
    // W = 4/2 = 2 RAM writes per input position; the RAM read is a pipeline stage
    expect(ram.inBeats).toBe(2 * regs.inBeats);
    const constRegs = estimateEngine(model, conv1, conv1.outChannels, conv1.taps, undefined, up5k, 0, 'regs');
    expect(constRegs.fill).toBe(estimateEngine(model, conv1, 1, 1, undefined, up5k, 0, 'regs').fill - 1);
    expect(estimateEngine(model, conv1, conv1.outChannels, 4, undefined, up5k, 0, 'ram').fill).toBe(estimateEngine(model, conv1, conv1.outChannels, 4, undefined, up5k, 0, 'regs').fill);
  });

  it('without an override, each engine takes the cheaper line buffer the layer can use', () => {
    for (const [simd, canRam] of [[1, true], [2, true], [4, true], [3, false], [12, false]] as const) {
      const e = estimateEngine(model, conv1, 1, simd, undefined, up5k);
      if (!canRam) {
        expect(e.window).toBe('regs');
        continue;
      }
      const other = estimateEngine(model, conv1, 1, simd, undefined, up5k, 0, e.window === 'ram' ? 'regs' : 'ram');
      const cost = (r: { lut4: number; ff: number; bram: number }) => r.lut4 / up5k.resources.lut4 + r.ff / up5k.resources.ff + r.bram / up5k.resources.bram;
      expect(cost(e.resources)).toBeLessThanOrEqual(cost(other.resources));
    }
    expect(() => estimateEngine(model, conv1, 1, 3, undefined, up5k, 0, 'ram')).toThrow(/cannot use a RAM window/);
    // layer 1 (integer taps) can: a RAM word is SIMD z values
    const l1 = estimateEngine(model, shapes[0]!, 1, 1, undefined, up5k, 0, 'ram');
    expect(l1.window).toBe('ram');
    expect(l1.resources.bram).toBe(estimateEngine(model, shapes[0]!, 1, 1, undefined, up5k, 0, 'regs').resources.bram + 1);
  });

  it('auto folding puts RAM windows into its candidate set and records the choice', () => {
    const big = btpnShapedModel();
    const { folding, estimate } = autoFolding(big, up5k, { kind: 'cycles', targetCycles: 200000 });
    estimate.engines.forEach((e, i) => expect(folding.layers[i]!.window).toBe(e.window));
    expect(estimate.engines.some((e) => e.window === 'ram')).toBe(true);
    expect(() => validateFolding(big, folding)).not.toThrow();
  });
});
