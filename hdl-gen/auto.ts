/**
 * `--folding auto`: choose PE and SIMD per layer from the divisor choices.
 *
 * Resources of one engine depend only on its own folding, so for a bound T on cycles per
 * window the cheapest design is every layer's cheapest choice with cycles <= T, independently
 * (this also balances the engines: no layer is made faster than T needs). "Cheapest" is the
 * sum of the choice's LUT, FF and block RAM as fractions of the device's budget.
 * - `--target-cycles T`: that design, after checking T is reachable at all (the fully
 *   parallel design's cycles per window is the floor).
 * - `--fit <device>`: the candidate bounds are every cycle count some choice of some layer
 *   has; the smallest bound whose cheapest design fits the device (LUT and FF within
 *   `margin` of the budget, block RAM, SPRAM and DSP within it) is found by binary search
 *   (cheapest cost only falls as T grows); among it and the next few fitting bounds the one
 *   with the lowest latency wins (ties: fewer cycles per window). Then fasterWithInputLanes
 *   below may trade more logic for latency with a multi-lane normalizer.
 * Every choice carries the register stages treeStages gives its popcount (layer 1: add/subtract)
 * tree on the target, counted in its FFs, cycles and latency, so the bounds, the fit check and
 * the latency comparison all see them: on the iCE40 the wide trees set the clock.
 * One enumerator (engineOptions) lists every choice for the three searches.
 */
import { UserError } from '../src/cli/errors.ts';
import type { Target } from '../src/design/targets.ts';
import type { QModel } from '../src/model/qmodel.ts';
import { layerShapes } from '../src/model/shapes.ts';
import { divisors, inputLanesUnsupported, type LayerFold, type ResolvedFolding, type WeightStorage, type WindowStorage } from './folding.ts';
import { INT_DOT_DSP_CELLS } from './blocks/intdot.ts';
import { budgetExcess, logicCells, defaultNormalizerBuffers, dotDspBudget, dspDotApplies, estimateDesign, estimateEngine, fitsDevice, ramWindowResources, withInputLanes, type DesignEstimate, type EngineEstimate, type Resources } from './estimate.ts';
import { MAX_NORMALIZER_LANES } from './blocks/normalizer.ts';
import type { LayerShape } from '../src/model/shapes.ts';

export type AutoGoal = { kind: 'cycles'; targetCycles: number } | { kind: 'fit'; device: Target; margin?: number };

/**
 * LUT and FF headroom kept free for routing when fitting a device: the estimate may use 86 %.
 * The estimate's iCE40 logic cells came out 3-8 % below the placed count, and nextpnr placed
 * and routed UP5K designs at 89 % and 99.5 % of the cells (ecgbnn-s-aami5, --fit and
 * --target-cycles 100000), so 86 % leaves room; at 85 % the engines' output stages (about 20
 * cells of the estimate per engine, most of them flip-flops that pack with their LUT) left
 * that model without any UP5K design.
 */
export const DEFAULT_FIT_MARGIN = 0.86;
/** How many fitting bounds past the smallest are compared for latency. */
const LATENCY_CANDIDATES = 16;

interface Choice {
  pe: number;
  simd: number;
  window: WindowStorage;
  /** the tree's register stages (treeStages), 0 for none */
  pipeline: number;
  cycles: number;
  cost: number;
}

/**
 * What a choice costs against a device: its logic as a share of the budget (iCE40: logic
 * cells, LUT4 + 0.6 FF, see logicCells; ECP5: LUT4 and FF shares), plus block RAM and DSP at a
 * third of their share. Memories and DSPs are hard limits the fit check enforces anyway, and
 * spending them to save logic is usually right: weighted fully, 2 EBR of the UP5K's 30 weighed
 * like ~350 LUT4, so auto avoided the RAM line buffers and threshold ROMs and found no UP5K
 * design for ecgbnn-s-aami5 while 19 of 30 EBR sat in use and logic cells were the limit.
 */
function costOf(r: Resources, budget: Target): number {
  const b = budget.resources;
  const logic = budget.family === 'ice40' ? logicCells(r, budget) / b.lut4 : r.lut4 / b.lut4 + r.ff / b.ff;
  return logic + (r.bram / Math.max(1, b.bram) + r.dsp / Math.max(1, b.dsp)) / 3;
}

/**
 * What a design or choice is charged for: its resources without the SB_MAC16 of layer-1 dot
 * products in DSP form, which only take DSPs the design would leave unused (dotDspBudget,
 * dspDotPlan), and unused DSPs save nothing.
 */
function charged(r: Resources, dotDsps: number): Resources {
  return dotDsps > 0 ? { ...r, dsp: r.dsp - dotDsps } : r;
}

/** A design's cost (costOf) without its layer-1 dot products' SB_MAC16 (see charged). */
function designCost(e: DesignEstimate, budget: Target): number {
  return costOf(charged(e.total, e.engines.reduce((t, x) => t + (x.dspDot ? INT_DOT_DSP_CELLS * x.pe : 0), 0)), budget);
}

/**
 * Register stages auto puts in a layer's XNOR + popcount tree (layer 1: the add/subtract tree),
 * folding `pipeline`: one stage, on the iCE40 only, for a tree of ICE40_STAGE_DEPTH levels or
 * more (SIMD > 8). Each stage costs FFs (about half the tree's leaves) and a cycle of latency, which the
 * choice's estimate counts, so the fit check and the latency comparison see them.
 * Measured (nextpnr 0.4 via `bitbeat synth --seeds 3`, ice40-up5k, Fmax min/median/max): the
 * UP5K auto and --fit designs of ecgbnn-s-aami5 and -rhythm17 (SIMD 16 and 32 trees) placed at
 * 25.8-27.1 MHz, every critical path from a RAM window's or weight ROM's read port through a
 * SIMD 32 popcount into the accumulator. With a stage in every tree wider than 8 the aami5
 * --fit design (1x7 1x28 2x16 2x32 2x32 1x8) went from 25.8/26.0/26.5 to 33.3 and 32.7 MHz
 * (seeds 1, 2) for +62 LUT4 and +115 FF, and the default design (2x1 2x8 2x16 1x32 1x32
 * 1x8) from 26.1/26.4/27.1 to 33.5/34.9/35.5 MHz for +23 LUT4 and +65 FF, and -rhythm17's
 * --fit design from 26.1/26.7/26.8 to 30.7/34.8/36.8 MHz, their critical paths now in
 * line-buffer control. Trees of SIMD 8 get none: the smallest design, all SIMD 8, places
 * at 34.2 MHz with its critical path through conv6's 8-bit popcount (bench/hardware.md), the
 * clock the staged designs' line-buffer control allows (median 34.0-34.9 MHz above), so a
 * stage there would cost FFs and latency for little (not placed with stages). Layer 1's
 * add/subtract tree at SIMD 7 needs none either: the aami5 --fit design without conv1's stage
 * placed at 33.3 and 32.7 MHz (seeds 1, 2; with it 32.1/34.0/34.8), critical path in conv1's
 * line-buffer control; wider layer-1 sums (SIMD > 8) take the popcounts' rule, unmeasured.
 * ECP5: one stage in every tree of ECP5_STAGE_DEPTH levels or more (SIMD > 4). There the
 * critical paths started at a block RAM's read port (DP16KD clock-to-out 5.6-5.8 ns, the read
 * register inside the RAM) and ran through the popcount into the accumulator. Measured
 * (nextpnr-ecp5 0.11.1, ecp5-25f, seed 1), ecgbnn-s-aami5: the smallest design (1x1 1x4 1x8
 * 1x8 1x16 1x16) went from 53.9 MHz (bench/hardware.md) to 65.4 with stages in the SIMD 16
 * trees only and to 75.3 with stages in every tree wider than 4 (2,196 LUT4 both, +36 FF;
 * critical path then from conv2's SIMD 4 weight ROM); the default design from 47.6 to 76.5 MHz
 * (2,484 to 2,505 LUT4, 1,758 to 1,830 FF), critical path then conv1's RAM window into its sum.
 * iCE40, weights in block RAM: one stage at any SIMD. A weight ROM deeper than one EBR reads
 * through a mux of the EBRs' outputs before the XNORs, and that path set btpn-aami5's clock:
 * its UP5K default design (SIMD 4 and 8 trees, weights of conv3-conv7 in 3-7 EBR each) placed
 * at 30.2 MHz, critical path conv6's 3-EBR weight ROM -> output mux -> popcount -> padding
 * select -> accumulator (33 ns); with a stage in conv6 and conv7 only, 30.7 MHz with conv5's
 * ROM the critical path; with a stage in every block-RAM-fed tree 34.2 MHz (nextpnr seed 1;
 * 3,068 LUT4 either way, +80 FF, +5 cycles of latency).
 */
export function treeStages(simd: number, target: Target, weights: WeightStorage = 'lut'): number {
  const depth = Math.ceil(Math.log2(Math.max(1, simd)));
  if (target.family === 'ice40' && weights === 'bram') return 1;
  return depth >= (target.family === 'ice40' ? ICE40_STAGE_DEPTH : ECP5_STAGE_DEPTH) ? 1 : 0;
}
/** iCE40: a tree of this many levels (SIMD > 8) or more gets a register stage. */
const ICE40_STAGE_DEPTH = 4;
/** ECP5: a tree of this many levels (SIMD > 4) or more gets a register stage. */
const ECP5_STAGE_DEPTH = 3;

/**
 * One engine choice of one layer: PE, SIMD, line buffer and weight storage, with its engine
 * cycles and resources (estimateEngine, adjusted by the enumerator's layer-1 hook).
 */
interface EngineOption {
  fold: LayerFold & { window: WindowStorage; weights: WeightStorage };
  /** the weights are where the size rule puts them (the per-layer search's choice) */
  defaultWeights: boolean;
  cycles: number;
  resources: Resources;
  /** SB_MAC16 of the layer-1 dot product in DSP form (not charged, see `charged`) */
  dotDsps: number;
}

/**
 * How the lanes search (fasterWithInputLanes) changes layer 1's choices: `admits` drops the
 * folds the input lanes cannot feed, `adjust` replaces the engine estimate by the lane line
 * buffer's.
 */
interface Layer1Hook {
  admits(shape: LayerShape, fold: LayerFold): boolean;
  adjust(shape: LayerShape, e: EngineEstimate): EngineEstimate;
}

/**
 * Every choice of every layer (PE and SIMD from the divisors, both line buffers where the RAM
 * one applies (blocks/ramwindow.ts), weights in LUTs and in block RAM), in that loop order:
 * the one enumeration the per-layer search, spendSpareBram and the lanes search share.
 */
function engineOptions(model: QModel, shapes: LayerShape[], target: Target, layer1?: Layer1Hook, staged = true): EngineOption[][] {
  // iCE40: layer 1's choices are costed with their dot product in spare DSPs where it applies
  // (estimate.ts's dspDotPlan gives it to the design), so that the search sees what it saves
  const dotBudget = dotDspBudget(model, target, shapes);
  return shapes.map((shape, i) => {
    const out: EngineOption[] = [];
    for (const pe of divisors(shape.outChannels)) {
      for (const simd of divisors(shape.taps)) {
        const windows: WindowStorage[] = ramWindowResources(model, shape, simd, target) ? ['regs', 'ram'] : ['regs'];
        const byRule = estimateEngine(model, shape, pe, simd, undefined, target, 0, 'regs').weightStorage;
        for (const window of windows) {
          for (const weights of ['lut', 'bram'] as const) {
            const pipeline = staged ? treeStages(simd, target, weights) : 0;
            const fold = { layer: shape.name, pe, simd, window, weights, ...(pipeline > 0 ? { pipeline } : {}) };
            if (i === 0 && layer1 && !layer1.admits(shape, fold)) continue;
            let e = estimateEngine(model, shape, pe, simd, weights, target, pipeline, window);
            // (not with input lanes, the layer-1 hook's case: the DSP form takes one tap word)
            const dsp = !layer1 && dspDotApplies(e, shape, model.normalizer.outBits, target, dotBudget);
            if (dsp) e = estimateEngine(model, shape, pe, simd, weights, target, pipeline, window, undefined, {}, true);
            if (i === 0 && layer1) e = layer1.adjust(shape, e);
            out.push({ fold, defaultWeights: weights === byRule, cycles: e.cycles, resources: e.resources, dotDsps: dsp ? INT_DOT_DSP_CELLS * pe : 0 });
          }
        }
      }
    }
    return out;
  });
}

/**
 * The per-layer search's choices: every (PE, SIMD, window) of every layer with the weights
 * where the size rule puts them, with its engine cycles and cost, cheapest first.
 */
function layerChoices(options: EngineOption[][], budget: Target): Choice[][] {
  return options.map((opts) => {
    const choices: Choice[] = opts
      .filter((o) => o.defaultWeights)
      .map((o) => ({ pe: o.fold.pe, simd: o.fold.simd, window: o.fold.window, pipeline: o.fold.pipeline ?? 0, cycles: o.cycles, cost: costOf(charged(o.resources, o.dotDsps), budget) }));
    choices.sort((a, b) => a.cost - b.cost || a.cycles - b.cycles || a.pe - b.pe || a.simd - b.simd || (a.window === b.window ? 0 : a.window === 'regs' ? -1 : 1));
    return choices;
  });
}

/** A choice as a folding entry (no `pipeline` field when it has no stages). */
function foldOf(shape: LayerShape, c: Choice): LayerFold {
  return { layer: shape.name, pe: c.pe, simd: c.simd, window: c.window, ...(c.pipeline > 0 ? { pipeline: c.pipeline } : {}) };
}

/** The cheapest choice per layer within `bound` cycles, or null when some layer cannot make it. */
function cheapestWithin(shapes: LayerShape[], choices: Choice[][], bound: number): LayerFold[] | null {
  const out: LayerFold[] = [];
  for (let i = 0; i < choices.length; i++) {
    const c = choices[i]!.find((x) => x.cycles <= bound);
    if (!c) return null;
    out.push(foldOf(shapes[i]!, c));
  }
  return out;
}

/**
 * A change of one layer's choice that saves this many logic cells (logicCells: iCE40 LUT4 plus
 * unpacked FFs; ECP5 max(LUT4, FF)) or more per block RAM it adds is worth a spare block (as
 * THRESHOLD_ROM_MIN_LUTS for the threshold parameters; conv1's block-RAM weights, 7 LUT4 for
 * a block, are not).
 */
export const SPARE_BRAM_MIN_CELLS = 16;

/**
 * Spare block RAM buys logic. The per-layer search prices block RAM at a third of its device
 * share (costOf), so a choice that saves a few dozen LUT4 for one more block loses, even when
 * the design leaves blocks unused (ecgbnn-s-aami5 on the UP5K: 19 of 30 EBR): a weight ROM of
 * up to LUT_ROM_MAX_BITS bits, kept in LUTs by the size rule; a RAM line buffer instead of the
 * register window and its group mux; PE 1 instead of 2 at twice the SIMD (one lane, one
 * comparator, a fold-serial pool and threshold parameters in block RAM). Block RAM that is not
 * used saves nothing, so the blocks the chosen design leaves free (`spare`) are spent, one
 * layer change at a time, on the choice with the most logic cells saved per block added,
 * among every choice of that layer (PE, SIMD, weights 'lut'/'bram', window 'regs'/'ram')
 * within the same cycle bound, while it saves at least SPARE_BRAM_MIN_CELLS per block and the
 * blocks last. Measured on the smallest UP5K design (Yosys 0.23): conv2's 896-bit weight ROM
 * in a block and its RAM window, 373 -> 229 LUT4 for 2 EBR; conv1's RAM window, 360 -> 307
 * for 1; conv5 at 1x8 instead of 2x4, 413 -> 321 for 2.
 * When the chosen design needs more blocks than the device has (`spare` < 0), blocks are given
 * back first, by the changes that cost the fewest logic cells per block freed.
 * Returns `layers` itself when nothing changes. The caller keeps the result only when the
 * design still meets the bound (layer 1's pace sets the normalizer's) and its block RAM fits.
 */
function spendSpareBram(options: EngineOption[][], target: Target, spare: number, layers: LayerFold[], bound: number): LayerFold[] {
  let out = layers;
  let left = spare;
  const same = (a: LayerFold, o: EngineOption) => a.pe === o.fold.pe && a.simd === o.fold.simd && (a.window ?? 'regs') === o.fold.window && a.weights === o.fold.weights;
  // the current choice's resources: its own entry (weights as the size rule puts them when unset)
  const current = (i: number, f: LayerFold): Resources => {
    const o = options[i]!.find((x) => x.fold.pe === f.pe && x.fold.simd === f.simd && x.fold.window === (f.window ?? 'regs') && (f.weights === undefined ? x.defaultWeights : x.fold.weights === f.weights));
    return o!.resources;
  };
  // the one-layer change with the best ratio of logic cells saved to blocks added among those
  // `admits` lets through; `beats(a, b)`: a's ratio is better than b's
  type Change = { i: number; fold: LayerFold; blocks: number; saved: number };
  const bestChange = (admits: (blocks: number, saved: number) => boolean, beats: (a: Change, b: Change) => boolean): Change | null => {
    let best: Change | null = null;
    for (let i = 0; i < out.length; i++) {
      const f = out[i]!;
      const cur = current(i, f);
      const cells = logicCells(cur, target);
      for (const o of options[i]!) {
        if (o.cycles > bound || same(f, o)) continue;
        const c: Change = { i, fold: o.fold, blocks: o.resources.bram - cur.bram, saved: cells - logicCells(o.resources, target) };
        if (admits(c.blocks, c.saved) && (!best || beats(c, best))) best = c;
      }
    }
    return best;
  };
  const apply = ({ i, fold, blocks }: Change) => {
    out = out.map((f, k) => (k === i ? { ...fold } : f));
    left -= blocks;
  };
  // the per-layer choices may together need more blocks than the device has (each layer's
  // RAM line buffer is cheap alone): first give blocks back, each time by the change that
  // costs the fewest logic cells per block freed (blocks < 0: saved / blocks is cells added per block freed)
  while (left < 0) {
    const c = bestChange((blocks) => blocks < 0, (a, b) => a.saved * b.blocks < b.saved * a.blocks);
    if (!c) return out;
    apply(c);
  }
  for (;;) {
    const c = bestChange((blocks, saved) => blocks > 0 && blocks <= left && saved >= SPARE_BRAM_MIN_CELLS * blocks, (a, b) => a.saved * b.blocks > b.saved * a.blocks);
    if (!c) return out;
    apply(c);
  }
}

function describe(r: Resources): string {
  return `${r.lut4} LUT4, ${r.ff} FF, ${r.bram} BRAM, ${r.spram} SPRAM, ${r.dsp} DSP`;
}

/**
 * The fitting designs among the smallest fitting bound (binary search over `bounds`, sorted
 * ascending: the cheapest design's cost only falls as the bound grows) and the next
 * LATENCY_CANDIDATES - 1 bounds, in bound order; none when even the loosest bound does not fit.
 */
function fittingNearFirst(bounds: number[], fitsAt: (bound: number) => AutoResult | null): AutoResult[] {
  if (bounds.length === 0 || !fitsAt(bounds[bounds.length - 1]!)) return [];
  let lo = 0;
  let hi = bounds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fitsAt(bounds[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  const out: AutoResult[] = [];
  for (let i = lo; i < Math.min(bounds.length, lo + LATENCY_CANDIDATES); i++) {
    const r = fitsAt(bounds[i]!);
    if (r) out.push(r);
  }
  return out;
}

export interface AutoResult {
  folding: ResolvedFolding;
  estimate: DesignEstimate;
}

/**
 * Largest share of cycles per window or of latency cycles --fit gives up for register stages.
 * A stage costs its engine one cycle per window and buys about 30 % of clock on the UP5K
 * (26 -> 33-35 MHz); but when the fastest unstaged design sits at the input-rate floor, the
 * staged search cannot reach that bound and settles on a cheaper, slower design (a 1-layer
 * model: 59 -> 60 cycles per window, latency 32 -> 64, so the latency decides). Beyond this
 * share in either the unstaged fit is taken. It was 1 % of cycles per window, which the
 * clock gain does not justify: ecgbnn-s-rhythm17's UP5K fit took the unstaged design for
 * about 1.3 % fewer cycles (conv5 2x56 without a stage) and placed at 22.3 MHz, its critical
 * path through that SIMD 56 tree (bench/hardware.md, 3 seeds 21.7-22.3), where the staged
 * fits of this size place at 32-36 MHz; so only a cut in cycles larger than the clock the
 * stages buy takes the unstaged design.
 */
const FIT_STAGE_CYCLES_SHARE = 0.25;

/**
 * The interval of a one-buffer z-score design when back-pressure from its slowest layer
 * reaches the normalizer: pass 2 then runs at that layer's pace instead of layer 1's, and the
 * next window's pass 1 waits for it. The estimate's interval (pass 2 at layer 1's pace) holds
 * where the layers behind the slowest one buffer enough work to hide pass 1 (cosim: ecgbnn-s
 * auto designs within 0.3 %); where they do not, the cycles lie in between: the UP5K 1 ms
 * design (bench/foldings/ecgbnn-s-aami5-up5k-1ms.json) measured 28,710 cycles per window,
 * estimate 25,763, this bound 29,460. A cycle bound admits one buffer only when this meets it.
 */
export function oneBufferWorstCycles(e: DesignEstimate): number {
  const slowest = Math.max(...e.engines.map((x) => x.cycles));
  return Math.max(e.cyclesPerWindow, e.normalizer.cycles + Math.max(0, slowest - e.engines[0]!.cycles));
}

export function autoFolding(model: QModel, target: Target, goal: AutoGoal): AutoResult {
  const staged = autoSearch(model, target, goal, true);
  // the unstaged search sees the same choices when no tree of this model can take a stage
  // here (all its SIMD choices too narrow for the family's rule, even with block-RAM weights):
  // it would only repeat the staged one
  const stagesPossible = layerShapes(model).some((s) => divisors(s.taps).some((simd) => treeStages(simd, target, 'bram') > 0));
  if (goal.kind !== 'fit' || !stagesPossible) return staged;
  const plain = autoSearch(model, target, goal, false);
  const cuts = (p: number, s: number) => p < s * (1 - FIT_STAGE_CYCLES_SHARE);
  return cuts(plain.estimate.cyclesPerWindow, staged.estimate.cyclesPerWindow) || cuts(plain.estimate.latencyCycles, staged.estimate.latencyCycles) ? plain : staged;
}

/**
 * `staged`: choices carry treeStages' register stages. A stage adds a cycle to its engine's
 * interval, so a --target-cycles bound at the fully parallel floor is met only without them:
 * when the staged search cannot meet the bound, it is searched again without stages.
 */
function autoSearch(model: QModel, target: Target, goal: AutoGoal, staged: boolean): AutoResult {
  const budget = goal.kind === 'fit' ? goal.device : target;
  const shapes = layerShapes(model);
  const options = engineOptions(model, shapes, target, undefined, staged);
  const choices = layerChoices(options, budget);
  const zscore = model.normalizer.kind === 'zscore';
  const bufferOptions: (1 | 2)[] = zscore ? (defaultNormalizerBuffers(model, target) === 2 ? [2, 1] : [1, 2]) : [1];
  const memo = new Map<string, AutoResult | null>();
  // The normalizer's interval grows when layer 1 is slower than a sample per cycle (pass 2
  // runs at its pace), so when the cheapest layer-1 choice makes the normalizer miss the
  // bound, faster layer-1 choices are tried in cost order.
  const attempt = (bound: number, buffers: 1 | 2): AutoResult | null => {
    const key = `${bound},${buffers}`;
    if (memo.has(key)) return memo.get(key)!;
    let result: AutoResult | null = null;
    const layers = cheapestWithin(shapes, choices, bound);
    if (layers) {
      for (const c of choices[0]!) {
        if (c.cycles > bound) continue;
        const tryLayers = [foldOf(shapes[0]!, c), ...layers.slice(1)];
        const withFolds = (ls: LayerFold[]): ResolvedFolding => (zscore ? { layers: ls, normalizerBuffers: buffers } : { layers: ls });
        const estimate = estimateDesign(model, withFolds(tryLayers), target, shapes);
        if (estimate.cyclesPerWindow <= bound) {
          result = { folding: withFolds(tryLayers), estimate };
          const spent = spendSpareBram(options, target, budget.resources.bram - estimate.total.bram, tryLayers, bound);
          if (spent !== tryLayers) {
            const e2 = estimateDesign(model, withFolds(spent), target, shapes);
            if (e2.cyclesPerWindow <= bound && e2.total.bram <= budget.resources.bram) result = { folding: withFolds(spent), estimate: e2 };
          }
          break;
        }
      }
    }
    memo.set(key, result);
    return result;
  };

  if (goal.kind === 'cycles') {
    const T = goal.targetCycles;
    // Where layer 1 is slower than a sample per cycle, the normalizer's second buffer buys
    // nothing the bound asks for (the same latency, a few per cent more cycles per window with
    // one), and one buffer is the cheaper design: measured on the UP5K 1 ms design, 2,201 ->
    // 2,158 LUT4 (the normalizer 397 -> 355) and one SPRAM fewer. So of the buffer counts that
    // meet the bound, the cheaper design wins (on a tie, the target's default), one buffer only
    // when its worst-case interval (oneBufferWorstCycles) meets the bound too.
    let best: AutoResult | null = null;
    for (const buffers of bufferOptions) {
      const r = attempt(T, buffers);
      if (!r || (buffers === 1 && oneBufferWorstCycles(r.estimate) > T)) continue;
      if (!best || designCost(r.estimate, budget) < designCost(best.estimate, budget)) best = r;
    }
    if (best) return best;
    if (staged) return autoSearch(model, target, goal, false);
    const fastest = estimateDesign(
      model,
      { layers: shapes.map((s) => ({ layer: s.name, pe: s.outChannels, simd: s.taps })), normalizerBuffers: zscore ? 2 : undefined },
      target,
      shapes,
    );
    throw new UserError(
      `--target-cycles ${T}: model '${model.name}' needs at least ${fastest.cyclesPerWindow} cycles per window even fully parallel (bottleneck: ${fastest.bottleneck}); ask for ${fastest.cyclesPerWindow} or more`,
    );
  }

  const margin = goal.margin ?? DEFAULT_FIT_MARGIN;
  const device = goal.device;
  // Candidate bounds: every engine cycle count, and the normalizer's interval with each of
  // layer 1's choices.
  const cand = new Set(choices.flatMap((cs) => cs.map((c) => c.cycles)));
  for (const buffers of bufferOptions) {
    for (const c of choices[0]!) {
      const layers = shapes.map((s, i) => (i === 0 ? { layer: s.name, pe: c.pe, simd: c.simd } : { layer: s.name, pe: s.outChannels, simd: s.taps }));
      cand.add(estimateDesign(model, zscore ? { layers, normalizerBuffers: buffers } : { layers }, target, shapes).normalizer.cycles);
    }
  }
  const all = [...cand].sort((a, b) => a - b);
  let best: AutoResult | null = null;
  for (const buffers of bufferOptions) {
    const fitsAt = (bound: number): AutoResult | null => {
      const r = attempt(bound, buffers);
      return r && fitsDevice(r.estimate.total, device, margin) ? r : null;
    };
    for (const r of fittingNearFirst(all, fitsAt)) {
      if (
        !best ||
        r.estimate.latencyCycles < best.estimate.latencyCycles ||
        (r.estimate.latencyCycles === best.estimate.latencyCycles && r.estimate.cyclesPerWindow < best.estimate.cyclesPerWindow)
      ) {
        best = r;
      }
    }
  }
  if (best) return fasterWithInputLanes(model, target, device, margin, shapes, best, staged);
  // the cheapest design the search knows: the loosest bound
  let cheapest: DesignEstimate | null = null;
  for (const buffers of bufferOptions) {
    const r = attempt(all[all.length - 1]!, buffers);
    if (r && (!cheapest || designCost(r.estimate, device) < designCost(cheapest, device))) cheapest = r.estimate;
  }
  const m = Math.round(margin * 100);
  throw new UserError(
    `--fit ${device.name}: no folding of model '${model.name}' fits: the smallest needs about ${describe(cheapest!.total)} (${budgetExcess(cheapest!.total, device, margin).join(', ')}); the device has ${describe({ ...device.resources })} (LUT/FF at ${m} %); choose a larger device or a smaller model`,
  );
}

/** A multi-lane design must cut the latency by at least this share to replace the one-lane one. */
const LANES_MIN_GAIN = 0.05;

/**
 * How many more ECP5 logic cells than estimated LUT4 the wide designs of the lanes search take
 * after Yosys 0.23 synth_ecp5 (TRELLIS_COMB: LUT4 plus two per CCU2C carry cell; the engine
 * estimates count adders as LUT4s, and Yosys puts the accumulators, comparators and final
 * popcount adders in CCU2C cells). It was 1.45 while ECP5 popcounts took about twice their
 * estimate (the pairing tree's wide-LUT mapping; blocks/popcount.ts now builds a full-adder
 * tree there). With that fixed, LUT4 + 2 x CCU2C against the estimate, Yosys only: the
 * ecgbnn-s-aami5 one-lane fit design 12,095 / 9,287 (1.30), btpn-aami5's two-lane fit design
 * 14,391 / 11,968 (1.20), ecgbnn-s-aami5's two-lane fit design that this factor admits
 * 17,386 / 15,923 (1.09; placed by nextpnr in 18,827 TRELLIS_COMB, 77 % of the 25F, 46.8 MHz).
 * The search checks the budget against the largest.
 */
export const ECP5_WIDE_LUT_FACTOR = 1.3;

/**
 * `--fit`: the input lanes choice (folding inputLanes). With one lane the z-score normalizer
 * streams a window into layer 1 at one sample per cycle after the window's last sample, so when
 * layer 1 can take `stride` samples per cycle the latency is about N + fill however fast the
 * other layers are. With L lanes (2 <= L <= layer 1's stride) pass 2 takes N / L cycles, and
 * the later layers then set the latency: they are searched again here for the smallest engine
 * bound T (below the normalizer's interval, which the input's one sample per cycle keeps at N)
 * whose cheapest design still fits the device, with weights in LUTs as well as block RAM
 * (a wide ROM of a few words is cheaper in LUTs). The lowest-latency result among that bound
 * and the next few replaces the one-lane design when it cuts the latency by LANES_MIN_GAIN;
 * small or slow designs (layer 1 slower than N / L cycles) keep one lane.
 */
export function fasterWithInputLanes(model: QModel, target: Target, device: Target, margin: number, shapes: LayerShape[], base: AutoResult, staged = true): AutoResult {
  if (model.normalizer.kind !== 'zscore') return base;
  const first = model.layers[0]!;
  const stride = first.kind === 'conv' ? first.stride : 1;
  const n = model.input.length;
  let best = base;
  for (let lanes = 2; lanes <= Math.min(stride, MAX_NORMALIZER_LANES); lanes++) {
    // every choice of every layer (layer 1 with the lane line buffer), with weights both ways
    const lanesHook: Layer1Hook = {
      admits: (shape, fold) => !inputLanesUnsupported(model, shape, fold, lanes),
      adjust: (shape, e) => withInputLanes(model, shape, e, lanes, target.family),
    };
    const choices = engineOptions(model, shapes, target, lanesHook, staged).map((opts) => {
      const out = opts.map((o) => ({ pe: o.fold.pe, simd: o.fold.simd, window: o.fold.window, pipeline: o.fold.pipeline ?? 0, weights: o.fold.weights, cycles: o.cycles, cost: costOf(charged(o.resources, o.dotDsps), device) }));
      out.sort((a, b) => a.cost - b.cost || a.cycles - b.cycles);
      return out;
    });
    // layer 1 must take the lanes at full rate, else the lanes buy nothing
    const layer1 = choices[0]!.filter((c) => c.cycles <= Math.ceil(n / lanes) + 8);
    if (!layer1.length) continue;
    const design = (bound: number): AutoResult | null => {
      const layers: LayerFold[] = [];
      for (let i = 0; i < shapes.length; i++) {
        const c = (i === 0 ? layer1 : choices[i]!).find((x) => x.cycles <= bound);
        if (!c) return null;
        layers.push({ ...foldOf(shapes[i]!, c), weights: c.weights });
      }
      const folding: ResolvedFolding = { layers, normalizerBuffers: base.folding.normalizerBuffers ?? defaultNormalizerBuffers(model, target), inputLanes: lanes };
      const estimate = estimateDesign(model, folding, target, shapes);
      const lutFactor = device.family === 'ecp5' ? ECP5_WIDE_LUT_FACTOR : 1;
      return fitsDevice({ ...estimate.total, lut4: Math.ceil(estimate.total.lut4 * lutFactor) }, device, margin) ? { folding, estimate } : null;
    };
    const bounds = [...new Set(choices.flatMap((cs) => cs.map((c) => c.cycles)))].filter((b) => b <= base.estimate.cyclesPerWindow).sort((a, b) => a - b);
    for (const r of fittingNearFirst(bounds, design)) {
      if (r.estimate.latencyCycles < best.estimate.latencyCycles && r.estimate.cyclesPerWindow <= base.estimate.cyclesPerWindow) best = r;
    }
  }
  return best.estimate.latencyCycles <= (1 - LANES_MIN_GAIN) * base.estimate.latencyCycles ? best : base;
}
