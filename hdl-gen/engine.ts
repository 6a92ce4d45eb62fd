/**
 * One layer's engine, folded by PE (output channels in parallel) and SIMD (taps in parallel):
 *
 *   in -> line buffer -> [issue: fold f, group g] -> (weight ROM read) -> PE lanes
 *      (XNOR+popcount, or the layer-1 add/subtract tree) -> folded accumulator
 *      -> at the last group: threshold (bit layers) -> back end -> out
 *   back end, several folds and a pool: fold-serial pool (blocks/fold-pool.ts), each fold
 *      word pooled as it comes, the pooled word assembled fold by fold;
 *   otherwise: the position assembled fold by fold -> conv position register -> pool
 *
 * Per window position the issue stage walks f = 0..C_out/PE-1 (outer) and g = 0..taps/SIMD-1
 * (inner), one step per cycle, so a position takes (C_out/PE)*(taps/SIMD) cycles; the weight
 * ROM word f*(taps/SIMD)+g holds PE lanes x SIMD bits (lane l = channel f*PE+l). A ROM of
 * more than one word is read through a register (block RAM needs it), which adds one
 * pipeline stage; with one word the weights are constants. The output function reads the
 * accumulator's register (stage t); a skid register sits before the back end (stage f before a
 * fold-serial pool, behind the conv position register otherwise), and the whole pipeline
 * stalls (ce low, a flip-flop) only while that skid is full.
 *
 * Output modes:
 *   'bitpool': bits are made in the fold loop (PE threshold lanes) and pooled as bits (OR for
 *              increasing functions, AND for decreasing) -- every function monotone, or no pool;
 *   'splitpool': some function is in/out/table and the layer pools: the lanes emit, per
 *              interval k of the function, G = a >= lo_k and L = a <= hi_k; since
 *              [max a >= lo] = OR [a >= lo] and [max a <= hi] = AND [a <= hi], the pool ORs the
 *              G bits and ANDs the L bits, and bit = (OR_k G_k & L_k) XOR inv afterwards --
 *              exact, and 2 bits per interval instead of an integer per channel;
 *   'logits':  integers are max-pooled, summed into logits, then argmax; with the fold-serial
 *              pool the pooled values go to the logit unit fold by fold (its sums are a ring
 *              with PE adders, blocks/logits.ts), never assembled into a whole position.
 * Binary pre-activation per group: 2*popcount(agree & real) - popcount(real) (zero padding)
 * or 2*popcount(agree) - SIMD; summed over the groups it is sum_i x_i*w_i over real taps.
 */
import { cat, constant, Module, type Expr, type Signal, type Stream } from '../src/hdl/index.ts';
import { contributingConvPositions, type LayerShape } from '../src/model/shapes.ts';
import { hexToBits, type BitFunction, type QModel } from '../src/model/qmodel.ts';
import type { Family } from '../src/design/targets.ts';
import type { LayerFold, WeightStorage } from './folding.ts';
import { accumulatorWidth, bramBlocks, countAccumulation, foldPoolStorage, thresholdParamStorage, thresholdRomReads } from './estimate.ts';
import { counterBits, signedBits, unsignedBits } from './widths.ts';
import { foldedAccumulator } from './blocks/accumulator.ts';
import { argmaxUnit } from './blocks/argmax.ts';
import { INT_DOT_DSP_STAGES, intDot, intDotWidth } from './blocks/intdot.ts';
import { lineBuffer, type LineBufferOptions } from './blocks/linebuffer.ts';
import { ramWindow } from './blocks/ramwindow.ts';
import { logitUnit, logitWidth } from './blocks/logits.ts';
import { poolUnit } from './blocks/pool.ts';
import { foldPoolStateWidth, foldPoolUnit, type FoldPoolOptions } from './blocks/fold-pool.ts';
import { xnorPopcount } from './blocks/popcount.ts';
import { fnIntervals, splitCombine, splitSlots, thresholdParamColumns, thresholdUnit } from './blocks/threshold.ts';

export type EngineMode = 'bitpool' | 'splitpool' | 'logits';

export interface EngineOptions {
  model: QModel;
  shape: LayerShape;
  fold: LayerFold;
  weightStorage: WeightStorage;
  /** the target's family: where the fold-serial pool keeps its state (estimate.ts's foldPoolStorage) */
  family: Family;
  /** expose the logits stream (logits layers) on logit_valid / logit_data */
  trace?: boolean;
  /** module name prefix (the design's name), keeps modules of different designs apart */
  prefix: string;
  /** input positions per beat (layer 1 behind a multi-lane normalizer; default 1) */
  inputLanes?: number;
  /** the logit unit's multipliers (blocks/logits.ts's logitMultipliersFor; default 'logic') */
  logitMultipliers?: 'dsp' | 'logic';
  /** a narrow link out (link.ts): output beats of this many bits, chunks of the pooled word */
  outChunk?: number;
  /** a narrow link in (link.ts): one sub-block of SIMD taps per input beat */
  subBlockIn?: boolean;
}

export interface Engine {
  module: Module;
  mode: EngineMode;
  inWidth: number;
  /** bits per output beat: C_out for bit layers (a chunk of them on a narrow link), the class index width for the logits layer */
  outWidth: number;
  /** logits layer: width of each logit on logit_data */
  logitWidth?: number;
}

function isMonotone(kind: string): boolean {
  return kind === 'ge' || kind === 'le' || kind === 'const';
}

/** The mode a layer's engine uses (see the file comment). */
export function engineMode(model: QModel, index: number): EngineMode {
  const layer = model.layers[index]!;
  if (layer.out.kind === 'logits') return 'logits';
  const pool = layer.kind === 'conv' ? layer.pool : null;
  if (!pool || layer.out.fns.every((f) => isMonotone(f.kind))) return 'bitpool';
  return 'splitpool';
}

/**
 * Bits of one input tap: 1 for binary layers; for layer 1 the normalizer's z width, widened
 * when the padding value lies outside the z range (padding taps carry it exactly).
 */
export function tapBits(model: QModel, shape: LayerShape): number {
  if (shape.inputKind === 'binary') return 1;
  const zb = model.normalizer.outBits;
  const layer = model.layers[shape.index]!;
  const pv = layer.kind === 'conv' ? layer.pad.value : 0;
  return signedBits(Math.min(-(2 ** (zb - 1)), pv), Math.max(2 ** (zb - 1) - 1, pv));
}

/** Line-buffer geometry of a layer (a dense layer is one window over its whole input). */
export function lineBufferOptions(model: QModel, shape: LayerShape, name: string): LineBufferOptions {
  const layer = model.layers[shape.index]!;
  const bits = tapBits(model, shape);
  if (layer.kind === 'dense') {
    return { length: shape.inLength, channels: shape.inChannels, bits, kernel: shape.inLength, stride: 1, padLeft: 0, padRight: 0, pad: { kind: 'const', value: 0 }, positions: 1, name };
  }
  const padded = layer.pad.left + layer.pad.right > 0;
  const pad: LineBufferOptions['pad'] =
    shape.inputKind === 'binary'
      ? layer.pad.value === 0 && padded
        ? { kind: 'zero' }
        : { kind: 'const', value: layer.pad.value === 1 ? 1 : 0 }
      : { kind: 'const', value: layer.pad.value };
  return {
    length: shape.inLength,
    channels: shape.inChannels,
    bits,
    kernel: layer.kernel,
    stride: layer.stride,
    padLeft: layer.pad.left,
    padRight: layer.pad.right,
    pad,
    positions: contributingConvPositions(shape.convLength, layer.pool),
    name,
  };
}

/** ROM words of a layer's weights: word f*groups+g, lane l at bits [l*SIMD, (l+1)*SIMD). */
export function weightWords(model: QModel, shape: LayerShape, pe: number, simd: number): bigint[] {
  const layer = model.layers[shape.index]!;
  const folds = shape.outChannels / pe;
  const groups = shape.taps / simd;
  const bits = layer.weights.map((h) => hexToBits(h, shape.taps));
  const words: bigint[] = [];
  for (let f = 0; f < folds; f++) {
    for (let g = 0; g < groups; g++) {
      let word = 0n;
      for (let l = 0; l < pe; l++) {
        const w = bits[f * pe + l]!;
        for (let i = 0; i < simd; i++) if (w[g * simd + i]) word |= 1n << BigInt(l * simd + i);
      }
      words.push(word);
    }
  }
  return words;
}

function sliceOf(e: Expr, index: number, width: number): Expr {
  return e.slice(index * width + width - 1, index * width);
}

/** A selection by a counter: case statement over `n` alternatives (no mux when n = 1). */
function select(m: Module, name: string, sel: Expr | null, alts: Expr[], width: number): Expr {
  if (alts.length === 1 || !sel) return alts[0]!;
  const w = m.wire(name, width);
  m.Switch(sel, (sw) => {
    alts.forEach((a, i) => sw.Case(i, () => w.set(a)));
    sw.Default(() => w.set(alts[0]!));
  });
  return w;
}

function countUp(r: Signal, last: number): Expr {
  return r.eq(last).select(constant(0, r.width), r.add(1).trunc(r.width));
}

/**
 * The weight ROM addressed by {fold, group} (iCE40, block RAM): each fold's groups padded to
 * 2^counterBits(groups) words, taken only when the padding costs no block RAM (the reference
 * UP5K design uses all 30 EBR). Null otherwise: a separate word counter 0..N-1.
 * Measured (yosys 0.23 synth_ice40, bench/foldings/ecgbnn-s-aami5-up5k-1ms.json): see the
 * commit; the counter was counterBits(N) LUT4 of increment plus its wrap compare per engine.
 */
export function packedWeightAddress(family: Family, storage: WeightStorage, folds: number, groups: number, width: number): { groupSpan: number } | null {
  if (family !== 'ice40' || storage !== 'bram' || folds * groups <= 1) return null;
  const groupSpan = groups > 1 ? 2 ** counterBits(groups) : 1;
  if (bramBlocks(folds * groupSpan, width, family) !== bramBlocks(folds * groups, width, family)) return null;
  return { groupSpan };
}

export function buildEngine(o: EngineOptions): Engine {
  const { model, shape } = o;
  const { pe, simd } = o.fold;
  const layer = model.layers[shape.index]!;
  const mode = engineMode(model, shape.index);
  const tag = `${o.prefix}_${shape.name}`;
  const folds = shape.outChannels / pe;
  const groups = shape.taps / simd;
  const tb = tapBits(model, shape);
  const accW = accumulatorWidth(model, shape);
  const lanes = o.inputLanes ?? 1;
  const lbo: LineBufferOptions = lanes > 1 ? { ...lineBufferOptions(model, shape, `${tag}_window`), lanes } : lineBufferOptions(model, shape, `${tag}_window`);
  const masked = lbo.pad.kind === 'zero';
  const K = lbo.kernel;
  const Cin = shape.inChannels;
  const words = weightWords(model, shape, pe, simd);
  const romStage = words.length > 1;
  // RAM line buffer: its registered read is the pipeline stage the weight ROM read also uses
  const useRam = o.fold.window === 'ram';
  const pStage = romStage || useRam;
  // raw popcounts accumulated, the offset in the threshold bounds (estimate.ts's countAccumulation)
  const countAcc = countAccumulation(model, shape, o.family, useRam ? 'ram' : 'regs', simd);

  const m = new Module(`${tag}_engine`, {
    description: `engine of layer ${shape.index} '${shape.name}' (${layer.kind}, ${mode})`,
    params: { pe, simd, folds, groups, accWidth: accW, weights: romStage ? o.weightStorage : 'constant', pipeline: o.fold.pipeline ?? 0, window: useRam ? 'ram' : 'regs', ...(o.fold.dspDot ? { dspDot: true } : {}) },
  });
  const inWidth = o.subBlockIn ? simd * tb : Cin * tb * lanes;
  const inp = m.streamIn('in', inWidth);

  // ---- line buffer: K position registers, or a circular RAM read one group per step ------
  const lb = m.instance('window', useRam ? ramWindow({ ...lbo, simd, family: o.family, ...(o.subBlockIn ? { subBlockInput: true } : {}) }) : lineBuffer({ ...lbo, family: o.family }));
  m.connect(inp, lb.stream('in'));
  const win = useRam ? null : lb.stream('win');
  const winValid: Expr = win ? win.valid : lb.out('avail');
  const tapsW = K * Cin * tb;
  const winData = win ? win.payload.slice(tapsW - 1, 0) : null;
  const winMask: Expr | null = win && masked ? win.payload.slice(tapsW + K - 1, tapsW) : null;

  // ---- issue stage ------------------------------------------------------------------------
  const fcnt = m.reg('fold', counterBits(folds));
  const gcnt = m.reg('group', counterBits(groups));
  const fLast = fcnt.eq(folds - 1);
  const gLast = gcnt.eq(groups - 1);
  const ce = m.wire('ce', 1);
  const issue = m.let('issue', winValid.and(ce));
  if (win) win.ready.set(ce.and(fLast).and(gLast));
  else {
    lb.bind('ce', ce);
    lb.bind('step', issue);
    lb.bind('rewind', gLast);
    lb.bind('next_window', fLast.and(gLast));
  }
  const groupTaps = winData
    ? select(
        m,
        'group_taps',
        groups > 1 ? gcnt : null,
        Array.from({ length: groups }, (_, g) => sliceOf(winData, g, simd * tb)),
        simd * tb,
      )
    : null;
  let groupMask: Expr | null = null;
  if (winMask) {
    // tap t = k*Cin + c is real when its position k is
    const tapMask = m.let('tap_mask', cat(...Array.from({ length: K * Cin }, (_, t) => winMask.bit(Math.floor((K * Cin - 1 - t) / Cin)))));
    groupMask = select(m, 'group_mask', groups > 1 ? gcnt : null, Array.from({ length: groups }, (_, g) => sliceOf(tapMask, g, simd)), simd);
  }
  m.If(issue, () => {
    gcnt.set(countUp(gcnt, groups - 1));
    m.If(gLast, () => fcnt.set(countUp(fcnt, folds - 1)));
  });

  // ---- weights and the optional ROM stage -------------------------------------------------
  let weightWord: Expr | null = null;
  let vF: Expr;
  let tapsF: Expr;
  let maskF: Expr | null;
  let firstF: Expr | null;
  let lastGF: Expr;
  // iCE40, one group per fold: the accumulator is a plain register (blocks/accumulator.ts's
  // `single`), so no `first` flag travels down the pipeline. Gated on iCE40: ECP5 designs stay
  // byte-identical (their place-and-route runs are cached).
  const singleGroup = o.family === 'ice40' && groups === 1;
  if (pStage) {
    if (romStage) {
      const packed = packedWeightAddress(o.family, o.weightStorage, folds, groups, pe * simd);
      if (packed) {
        // iCE40, block RAM: word f*2^gb+g, addressed by the issue counters themselves
        // ({fold, group} always equals the running word index, both step on `issue`), so the
        // separate address counter and its wrap compare disappear (reference design, yosys
        // 0.23 synth_ice40: see packedWeightAddress). Gated on iCE40: ECP5 designs stay
        // byte-identical this session (their place-and-route runs are cached).
        const data: bigint[] = [];
        for (let f = 0; f < folds; f++) for (let g = 0; g < packed.groupSpan; g++) data.push(g < groups ? words[f * groups + g]! : 0n);
        const rom = m.rom('weights', { width: pe * simd, data, style: 'block' });
        const parts: Expr[] = [];
        if (folds > 1) parts.push(fcnt);
        if (groups > 1) parts.push(gcnt);
        const addr = parts.length === 1 ? parts[0]! : cat(...parts);
        weightWord = rom.read(addr.width === rom.addrWidth ? addr : addr.zext(rom.addrWidth), { enable: ce });
      } else {
        const rom = m.rom('weights', { width: pe * simd, data: words, style: o.weightStorage === 'bram' ? 'block' : 'lut' });
        const addr = m.reg('waddr', rom.addrWidth);
        m.If(issue, () => addr.set(addr.eq(words.length - 1).select(constant(0, addr.width), addr.add(1).trunc(addr.width))));
        weightWord = rom.read(addr, { enable: ce });
      }
    }
    const r = (name: string, e: Expr, reset: number | null = null) => {
      const s = m.reg(name, e.width, { reset, enable: ce });
      s.set(e);
      return s;
    };
    vF = r('p_valid', issue, 0);
    // the RAM's output register already holds the group read at the issue edge
    tapsF = groupTaps ? r('p_taps', groupTaps) : lb.out('taps');
    maskF = groupMask ? r('p_mask', groupMask) : null;
    firstF = singleGroup ? null : r('p_first', gcnt.eq(0));
    lastGF = r('p_last', gLast);
  } else {
    vF = winValid;
    tapsF = groupTaps!;
    maskF = groupMask;
    firstF = singleGroup ? null : gcnt.eq(0);
    lastGF = gLast;
  }
  const constWord = romStage ? null : words[0]!;
  // pipeline registers in the popcount (or layer 1's add/subtract) tree: its result arrives
  // `stages` enabled cycles later, so the control signals travel through as many registers
  // (the DSP form of layer 1's dot, estimate.ts's dspDotPlan, has a fixed depth of its own)
  const dspDot = o.fold.dspDot === true && shape.inputKind === 'int';
  const stages = dspDot ? INT_DOT_DSP_STAGES : (o.fold.pipeline ?? 0);
  const delay = (name: string, e: Expr, reset: number | null): Expr => {
    let x = e;
    for (let i = 0; i < stages; i++) {
      const r = m.reg(`${name}_d${i}`, e.width, { reset, enable: ce });
      r.set(x);
      x = r;
    }
    return x;
  };
  const vD = delay('c_valid', vF, 0);
  const firstD = firstF ? delay('c_first', firstF, null) : null;
  const lastGD = delay('c_last', lastGF, null);

  // ---- lanes: partial sums of this group --------------------------------------------------
  const contribW = countAcc ? unsignedBits(simd) : shape.inputKind === 'int' ? intDotWidth(simd, tb) : signedBits(-simd, simd);
  const contribs: Expr[] = [];
  // RAM window with zero padding: a group is one position, all real or all padding, so the
  // lanes need no mask: a padding group contributes 0 (its is_real bit, registered with the
  // read, travels through the popcount stages alongside)
  const groupReal: Expr | null = useRam && masked ? delay('c_real', lb.out('is_real'), null) : null;
  let maskCount: Expr | null = null;
  if (shape.inputKind === 'binary' && maskF) {
    const mc = m.instance('mask_count', xnorPopcount({ simd, weights: (1n << BigInt(simd)) - 1n, stages, name: `${tag}_maskcount`, family: o.family }));
    mc.bind('x', maskF);
    if (stages > 0) mc.bind('ce', ce);
    maskCount = mc.out('count');
  }
  for (let l = 0; l < pe; l++) {
    const laneWeights = constWord !== null ? (constWord >> BigInt(l * simd)) & ((1n << BigInt(simd)) - 1n) : undefined;
    if (shape.inputKind === 'binary') {
      const pc = m.instance(`lane${l}`, xnorPopcount({ simd, mask: !!maskF, weights: laneWeights, stages, name: `${tag}_pc${l}`, family: o.family }));
      pc.bind('x', tapsF);
      if (stages > 0) pc.bind('ce', ce);
      if (laneWeights === undefined) pc.bind('w', sliceOf(weightWord!, l, simd));
      if (maskF) pc.bind('mask', maskF);
      const count = pc.out('count');
      if (countAcc) {
        // the raw count; a padding group adds SIMD/2, whose 2u - SIMD is 0 (SIMD is even here)
        const u = count.width === contribW ? count : count.zext(contribW);
        contribs.push(m.let(`contrib${l}`, groupReal ? groupReal.select(u, constant(simd / 2, contribW)) : u));
        continue;
      }
      const twice = count.zext(count.width + 1).shl(1).trunc(count.width + 1);
      const sub = maskCount ? twice.sub(maskCount) : twice.sub(constant(simd, count.width + 1));
      const c = sub.trunc(contribW);
      contribs.push(m.let(`contrib${l}`, groupReal ? groupReal.select(c, constant(0, contribW, c.signed)) : c));
    } else {
      const dot = m.instance(`lane${l}`, intDot({ simd, bits: tb, weights: laneWeights, stages, ...(dspDot ? { dsp: true } : {}), name: `${tag}_dot${l}` }));
      dot.bind('x', tapsF);
      if (stages > 0) dot.bind('ce', ce);
      if (laneWeights === undefined) dot.bind('w', sliceOf(weightWord!, l, simd));
      contribs.push(dot.out('sum'));
    }
  }

  // ---- accumulator ----------------------------------------------------------------------
  // The output function reads the accumulator's register, not its adder: a fold's result is
  // there one enabled cycle after its last group, so the tree + accumulator adder and the
  // threshold + pool behind it are separate clock periods (on the UP5K they were one 61 ns
  // path). The fold's `done` and index follow in ce-enabled registers of their own (stage t).
  const sumW = countAcc ? countAcc.width : accW;
  const acc = m.instance('acc', foldedAccumulator({ pe, inWidth: contribW, accWidth: sumW, registered: true, ...(countAcc ? { unsigned: true } : {}), ...(firstD ? {} : { single: true }), name: `${tag}_acc` }));
  acc.bind('ce', ce.and(vD));
  if (firstD) acc.bind('first', firstD);
  contribs.forEach((c, l) => acc.bind(`in${l}`, c));
  const sums = Array.from({ length: pe }, (_, l) => acc.out(`total${l}`));
  const stage = (name: string, e: Expr, reset: number | null): Signal => {
    const r = m.reg(name, e.width, { reset, enable: ce });
    r.set(e);
    return r;
  };
  const tDone = stage('t_done', vD.and(lastGD), 0);
  // The fold in stage t: fold results come strictly in order, so a counter of the folds that
  // have left stage t is its index (no fold index travels down the pipeline). `tFoldNext` is
  // the counter's next value, for a parameter ROM that reads one fold ahead.
  const pool = layer.kind === 'conv' ? layer.pool : null;
  const pooling = !!pool && (pool.size > 1 || pool.stride > 1);
  // with several folds the pool works fold by fold (blocks/fold-pool.ts), so no whole
  // position is ever assembled; with one fold the position is one word anyway
  const foldSerial = pooling && folds > 1;
  // iCE40, fold-serial pool: stage t's fold index serves only the threshold parameters, so
  // they load instead with the accumulator's own enable from the fold of the group entering
  // it (the issue fold counter carried down the p/c stages in ce-enabled flip-flops) and stay
  // aligned with its register through stalls: no stage-t fold counter, no wrap compare, no
  // next-value mux (see the commit for the measured LUT4). Gated on iCE40: ECP5 designs stay
  // byte-identical this session (cached place-and-route runs).
  const paramsWithAcc = o.family === 'ice40' && foldSerial;
  const tFoldReg = folds > 1 && !paramsWithAcc ? m.reg('t_fold', counterBits(folds)) : null;
  const tFoldNext = tFoldReg ? m.let('t_fold_next', ce.and(tDone).select(countUp(tFoldReg, folds - 1), tFoldReg)) : null;
  if (tFoldReg) tFoldReg.set(tFoldNext!);
  const tFold = (): Expr => tFoldReg ?? constant(0, 1);

  // ---- position assembly --------------------------------------------------------------------
  const bitFns = layer.out.kind === 'binary' ? layer.out.fns : [];
  const slots = mode === 'splitpool' ? splitSlots(bitFns, shape.channelPreact) : 0;
  const laneBits = mode === 'bitpool' ? 1 : mode === 'splitpool' ? 2 * slots : accW;
  // fold-serial bit pooling ORs every lane; an AND channel (le t) pools its inverse
  // (a <= t is not a >= t + 1) and is inverted back after pooling
  const serialAnd = foldSerial && mode === 'bitpool' ? bitFns.map((f) => f.kind === 'le') : [];
  const thresholdFns = bitFns.map((f, c): BitFunction => (serialAnd[c] && f.kind === 'le' ? { kind: 'ge', t: f.t + 1 } : f));
  let laneValues: Expr[];
  if (mode !== 'logits') {
    const split = mode === 'splitpool';
    const thOpts = { fns: thresholdFns, pe, accWidth: sumW, reachable: shape.channelPreact, split, ...(countAcc ? { countOffset: countAcc.offset } : {}) };
    // a registered case statement becomes a (partial) block-RAM ROM where the estimate spent
    // spare iCE40 block RAM on it (estimate.ts's thresholdRomPlan): same fold_next and ce
    const columns = thresholdParamColumns(thOpts);
    const baseParams = thresholdParamStorage(folds, columns, o.family);
    const romWidth = baseParams === 'reg' && o.fold.thresholdRomWidth !== undefined ? o.fold.thresholdRomWidth : undefined;
    const params = romWidth !== undefined ? 'rom' : baseParams;
    // a plan ROM loading with the accumulator is read in parts over the fold's last groups
    // where that takes fewer block RAMs (estimate.ts's thresholdRomReads: the 1 ms UP5K
    // design's conv5, 36 bits in one block instead of 16 bits, see the commit)
    const reads = romWidth !== undefined && paramsWithAcc ? thresholdRomReads(folds, groups, Math.min(romWidth, columns.width), o.family) : 1;
    const th = m.instance(
      'threshold',
      thresholdUnit({
        ...thOpts,
        params,
        ...(romWidth !== undefined ? { romWidth } : {}),
        ...(paramsWithAcc ? { enable: true } : {}),
        ...(reads > 1 ? { romReads: { reads, groups } } : {}),
        name: `${tag}_threshold`,
      }),
    );
    if (paramsWithAcc && params !== 'case') {
      // the fold of the group in stage c: the next accumulator load is of that fold
      let f: Expr = fcnt;
      if (pStage) {
        const r = m.reg('p_fold', fcnt.width, { reset: null, enable: ce });
        r.set(fcnt);
        f = r;
      }
      th.bind('fold_next', delay('c_fold', f, null));
      th.bind('ce', ce.and(vD));
      if (reads > 1) {
        // the group entering the accumulator, carried down the same stages
        let g: Expr = gcnt;
        if (pStage) {
          const r = m.reg('p_group', gcnt.width, { reset: null, enable: ce });
          r.set(gcnt);
          g = r;
        }
        th.bind('group_next', delay('c_group', g, null));
      }
    } else if (paramsWithAcc) {
      // 'case' with several folds: no parameter depends on the fold (thresholdParamStorage)
      th.bind('fold', constant(0, counterBits(folds)));
    }
    // registered parameters (a ROM, or the case statement's register): drive them with the
    // stage-t fold counter's next value, so they hold the parameters of the fold in stage t
    // (through stalls too)
    else if (folds > 1 && params !== 'case') th.bind('fold_next', tFoldNext!);
    else if (folds > 1) th.bind('fold', tFold());
    sums.forEach((s, l) => th.bind(`a${l}`, s));
    const bits = th.out(split ? 'cmp' : 'bits');
    laneValues = Array.from({ length: pe }, (_, l) => (split ? sliceOf(bits, l, laneBits) : bits.bit(l)));
  } else {
    laneValues = sums.map((s) => s.asUnsigned());
  }
  const foldWord = m.let('fold_word', pe === 1 ? laneValues[0]! : cat(...laneValues.slice().reverse()));
  const foldDone = m.let('fold_done', tDone);
  let pooled: Stream;
  if (foldSerial) {
    const poolMode: FoldPoolOptions['mode'] =
      mode === 'bitpool'
        ? { kind: 'bits', width: 1, ops: ['or'] }
        : mode === 'splitpool'
          ? { kind: 'bits', width: 2 * slots, ops: Array.from({ length: 2 * slots }, (_, k) => (k < slots ? 'or' : 'and')), splitSlots: slots }
          : { kind: 'max', width: accW };
    const invertBits = mode === 'bitpool' ? serialAnd : mode === 'splitpool' ? bitFns.map((f) => fnIntervals(f).inv === 1) : [];
    const invert = invertBits.reduce((v, b, c) => (b ? v | (1n << BigInt(c)) : v), 0n);
    const geometry = { folds, pe, size: pool!.size, stride: pool!.stride, outputs: shape.outLength, mode: poolMode };
    const fp = m.instance(
      'pool',
      foldPoolUnit({
        ...geometry,
        invert: invert || undefined,
        storage: foldPoolStorage(folds, foldPoolStateWidth(geometry), o.family),
        // the logit unit takes the pooled values fold by fold (its sums form a ring)
        serialOut: mode === 'logits',
        family: o.family,
        ...(o.outChunk !== undefined ? { chunkBits: o.outChunk } : {}),
        name: `${tag}_pool`,
      }),
    );
    // Stage f, a skid register beside the pool's input, so the clock enable is a flip-flop:
    // a fold word the pool refuses is caught in the skid while the pipeline takes the step it
    // is already taking, and only a full skid stops the pipeline (ce low) until the pool takes
    // the word from there. Without it the ready chain ran from the next engine's line buffer
    // through the pool into ce and this engine's line buffer, one 47 ns path on the UP5K.
    // The pool reads the skid when it is full, else stage t's word straight from the
    // threshold (which reads the accumulator register, so that path is short).
    const fpIn = fp.stream('in');
    if (o.family === 'ice40' && groups > 1) {
      // iCE40 with several groups per fold: stage f is instead a plain register the pool
      // reads (no 2:1 choice between the skid and stage t, a LUT4 per word bit across the
      // module boundary). A fold word is loaded when it leaves stage t, one enabled cycle
      // after it got there; since folds take two or more steps, the next word reaches stage
      // t at least two cycles later, so the pool has a cycle to take the word before the
      // pipeline must wait for it. ce is a flip-flop, `f_stall`: it stops the pipeline in
      // the cycle where a word sits in stage t while stage f stays full (its next value from
      // stage f's and t_done's next values, so the pool's ready ends at that flip-flop).
      // One cycle more latency per result (the estimate's output stage f already counts it);
      // the interval is unchanged (see the commit for the measured LUT4).
      // Gated on iCE40: ECP5 designs stay byte-identical.
      const fFull = m.reg('f_full', 1, { reset: 0 });
      const fWord = m.reg('f_word', foldWord.width, { reset: null });
      const stall = m.reg('f_stall', 1, { reset: 0 });
      fpIn.valid.set(fFull);
      fpIn.payload.set(fWord);
      ce.set(stall.not());
      const load = m.let('f_load', ce.and(foldDone));
      const fullNext = m.let('f_full_next', load.or(fFull.and(fpIn.ready.not())));
      fFull.set(fullNext);
      m.If(load, () => fWord.set(foldWord));
      // t_done's next value (a ce-enabled register: see stage t above)
      stall.set(fullNext.and(ce.select(vD.and(lastGD), tDone)));
      pooled = fp.stream('out');
    } else {
      const skidFull = m.reg('f_skid_full', 1, { reset: 0 });
      const skidWord = m.reg('f_skid_word', foldWord.width, { reset: null });
      fpIn.valid.set(skidFull.or(foldDone));
      fpIn.payload.set(skidFull.select(skidWord, foldWord));
      ce.set(skidFull.not());
      m.If(skidFull, () => {
        m.If(fpIn.ready, () => skidFull.set(0));
      }).Elif(foldDone.and(fpIn.ready.not()), () => {
        skidFull.set(1);
        skidWord.set(foldWord);
      });
      pooled = fp.stream('out');
    }
  } else {
    const posW = shape.outChannels * laneBits;
    const foldW = pe * laneBits;
    const cv: Stream = m.stream('conv', posW);
    const cvValid = m.reg('cv_valid_q', 1);
    const cvData = m.reg('cv_data_q', posW, { reset: null });
    cv.valid.set(cvValid);
    cv.payload.set(cvData);
    const complete = m.let('complete', foldDone.and(folds > 1 ? tFold().eq(folds - 1) : constant(1, 1)));
    // a skid register behind the conv position register, as before a fold-serial pool: a
    // position the consumer refuses stays in cv, the one completed in the step already under
    // way waits in the skid, and only a full skid stops the pipeline, so ce is a flip-flop and
    // the consumer's ready (the pool, or the next engine's line buffer) ends here
    const skidFull = m.reg('cv_skid_full', 1, { reset: 0 });
    const skidData = m.reg('cv_skid_q', posW, { reset: null });
    ce.set(skidFull.not());
    let fullWord: Expr = foldWord;
    if (folds > 1) {
      const asm = m.reg('assembly', (folds - 1) * foldW, { reset: null });
      m.If(ce.and(foldDone).and(complete.not()), () => {
        m.Switch(tFold(), (sw) => {
          for (let f = 0; f < folds - 1; f++) {
            sw.Case(f, () => {
              const parts: Expr[] = [];
              if (f < folds - 2) parts.push(asm.slice((folds - 1) * foldW - 1, (f + 1) * foldW));
              parts.push(foldWord);
              if (f > 0) parts.push(asm.slice(f * foldW - 1, 0));
              asm.set(parts.length === 1 ? parts[0]! : cat(...parts));
            });
          }
        });
      });
      fullWord = cat(foldWord, asm);
    }
    // cv is valid whenever the skid is full (it fills only behind a refused position)
    m.If(skidFull, () => {
      m.If(cv.ready, () => {
        cvData.set(skidData);
        skidFull.set(0);
      });
    })
      .Elif(complete, () => {
        m.If(cvValid.and(cv.ready.not()), () => {
          skidFull.set(1);
          skidData.set(fullWord);
        }).Else(() => {
          cvValid.set(1);
          cvData.set(fullWord);
        });
      })
      .Elif(cv.fire, () => cvValid.set(0));
    pooled = cv;

    // ---- pool and output (one fold, or no pooling) ---------------------------------------------
    if (pooling) {
      const poolMode =
        mode === 'bitpool'
          ? { kind: 'bits' as const, ops: bitFns.map((f) => (f.kind === 'le' ? ('and' as const) : ('or' as const))) }
          : mode === 'splitpool'
            ? { kind: 'bits' as const, ops: bitFns.flatMap(() => Array.from({ length: 2 * slots }, (_, k) => (k < slots ? ('or' as const) : ('and' as const)))) }
            : { kind: 'max' as const, width: accW };
      const channels = mode === 'splitpool' ? shape.outChannels * 2 * slots : shape.outChannels;
      const pu = m.instance('pool', poolUnit({ channels, size: pool!.size, stride: pool!.stride, outputs: shape.outLength, mode: poolMode, family: o.family, name: `${tag}_pool` }));
      m.connect(cv, pu.stream('in'));
      pooled = pu.stream('out');
    }
  }

  if (mode === 'logits') {
    const fns = layer.out.kind === 'logits' ? layer.out.fns : [];
    const lu = m.instance('logits', logitUnit({ fns, accWidth: accW, positions: shape.outLength, lanes: foldSerial ? pe : fns.length, multipliers: o.logitMultipliers ?? 'logic', name: `${tag}_logits` }));
    m.connect(pooled, lu.stream('in'));
    const lw = logitWidth({ fns, accWidth: accW, positions: shape.outLength });
    // bestAsOutput (5 LUT4 fewer, same cycles) on iCE40 only: ECP5 designs stay byte-identical
    // this session (its place-and-route runs are cached); it would serve ECP5 as well
    const am = m.instance('argmax', argmaxUnit({ classes: fns.length, width: lw, bestAsOutput: o.family === 'ice40', name: `${tag}_argmax` }));
    const logits = lu.stream('out');
    m.connect(logits, am.stream('in'));
    const cb = counterBits(fns.length);
    const out = m.streamOut('out', cb);
    m.connect(am.stream('out'), out);
    if (o.trace) {
      m.output('logit_valid', 1).set(logits.fire);
      m.output('logit_data', lw, { signed: true }).set(logits.payload);
    }
    return { module: m, mode, inWidth, outWidth: cb, logitWidth: lw };
  }
  const outWidth = o.outChunk ?? shape.outChannels;
  if (o.outChunk !== undefined && !foldSerial) throw new Error(`buildEngine: ${shape.name}: a narrow link needs a fold-serial pool`);
  const out = m.streamOut('out', outWidth);
  if (mode === 'splitpool' && !foldSerial) {
    out.payload.set(m.let('combined', splitCombine(pooled.payload, bitFns, slots)));
    out.valid.set(pooled.valid);
    pooled.ready.set(out.ready);
  } else {
    m.connect(pooled, out);
  }
  void unsignedBits;
  return { module: m, mode, inWidth, outWidth };
}
