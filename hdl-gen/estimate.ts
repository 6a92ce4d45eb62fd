/**
 * The analytical model: cycles and resources per engine, before any synthesis.
 *
 * Cycles. An engine computes P output positions per window (conv: the conv positions some
 * pooled output reads, i.e. contributingConvPositions; dense: 1), each in
 * c = (C_out / PE) * (taps / SIMD) cycles, and cannot run faster than its input arrives (one
 * input position per cycle): cycles = max(P * c, L_in) + front fill, where the front fill is
 * the engine's pipeline depth up to the accumulator (weight ROM read when in block RAM,
 * popcount register stages, accumulator, output function); the output stages behind the
 * accumulator (its register read by the output function, the fold word register before a
 * fold-serial pool) add to the latency only. The last engine adds the logit tail
 * (blocks/logits.ts's logitTailCycles, then the argmax's output register).
 * The z-score normalizer buffers a window while accumulating its sums (pass 1, one sample per
 * cycle as it arrives), computes mean and reciprocal in S sequential steps, then re-streams
 * the buffer into layer 1 (pass 2). Its interval is the block's own timing model
 * (normalizerTiming: one buffer 2N + S + 3; two ping-pong buffers about N + (S+3)/2), made
 * longer when layer 1 takes more than N cycles, since pass 2 then runs at layer 1's pace.
 * The offset normalizer is a pure stream: N.
 * Steady-state cycles per window = the slowest stage. Latency (last sample accepted -> class
 * valid, for a window entering an idle pipeline) comes from a position-level schedule: each
 * engine starts position p once the previous position is done and the last input position p
 * reads has arrived (unbounded buffering between engines is assumed, which is exact when
 * producers are not faster than consumers' line buffers can take).
 *
 * Resources (LUT4, FF, block RAM, SPRAM, DSP), per block, coarse and documented so synthesis
 * results can calibrate them (docs/ARCHITECTURE.md, "Accelerator generator"):
 * - adder of two w-bit operands: w + 1 LUTs (carry-chain LUT per bit plus the carry out);
 *   a balanced adder tree sums that over its adders (adderTreeLuts);
 * - XNOR + popcount of n bits (popcountLuts): iCE40, adder tree of n 1-bit leaves, the XNORs
 *   absorbed into its first-level LUTs (yosys 0.23 synth_ice40, ecgbnn-s-aami5 lanes with ROM
 *   weights at SIMD 4/8/14/16/28: 7/16/27/35/65 LUT4 against trees of 7/18/36/41/77); ECP5,
 *   the full-adder compressor tree: n XNOR LUTs, two per full adder, the final carry chain;
 *   optional pipeline registers add FFs;
 * - layer 1 (integer inputs): conditional negation, 3 (zBits+1) LUTs per tap unless constant
 *   weights (negate, select, sign-extend; the aami5 SIMD 7 lane with 8-bit z is 240 LUT4, the
 *   formula 253; SIMD 1: 23, formula 27) + adder tree of n (zBits+1)-bit leaves;
 * - accumulator: accW LUTs + accW FFs per lane (iCE40 bit layers: the raw popcount's width,
 *   countAccumulation, with the threshold bounds transformed; yosys 0.23 synth_ice40, reference
 *   UP5K design conv2..conv5: accumulators 28/32/18/18 -> 24/28/16/16 LUT4, engines without the
 *   per-lane subtractor 32/41/37/51 -> 24/33/33/47, thresholds 12/27/28/64 -> 9/25/25/71, the
 *   last one's case statement as Yosys happens to map it); output function: one comparator (accW LUTs)
 *   per lane when every channel's function is monotone (ge/le/const), two otherwise, plus a
 *   per-lane table ROM when any channel uses a table; the per-fold parameters as a case
 *   statement (caseParamLuts, per parameter bit that differs between folds), or in block RAM
 *   when thresholdParamStorage says so (a fold counter beside it);
 * - ROM of D words x W bits in LUTs: W * (2*ceil(D/16) - 1) LUTs (16x1 per LUT4 plus a mux
 *   tree), 0 when D = 1 (constants); in block RAM: the cheapest aspect ratio
 *   (iCE40 SB_RAM40_4K 256x16..2048x2, ECP5 DP16KD 512x36..16384x1);
 * - weight storage rule: LUTs when the ROM has one word or at most LUT_ROM_MAX_BITS bits,
 *   block RAM otherwise (overridable per layer in the folding file);
 * - line buffer: (K + stride) positions x C_in x tap bits of FFs (+K mask bits for zero
 *   padding), a (taps/SIMD):1 mux per SIMD tap bit (n-1 LUTs for an n:1 mux);
 * - pool with several folds: fold-serial (blocks/fold-pool.ts's foldPoolResources): per
 *   fold word of PE lanes, the merge with m = ceil((size-1)/stride) partial windows and the
 *   choice of the ending one, the partials of all folds in a state memory whose place
 *   foldPoolStorage picks (ECP5 LUT RAM, counted as 2 LUT4 per TRELLIS_DPR16X4; iCE40 block
 *   RAM, or flip-flops with an F:1 read mux when a block would hold few bits), an assembly
 *   shift register and the output stream register (C_out bits, the hand-off to the next
 *   engine; on an iCE40 narrow link, link.ts, a chunk of the next layer's SIMD bits, and that
 *   RAM line buffer without its W:1 write mux); no conv position is assembled; on iCE40 the logit layer's integer max at PE 1
 *   merges the slots one at a time (foldPoolSlotSerial: one comparator, a block-RAM word per
 *   fold and slot), which takes a fold word every foldPoolWordCycles cycles at most (the
 *   engine's cycles per position count the slower of it and C_in K / SIMD) and sends the
 *   pooled value a cycle later (one more output stage);
 * - pool with one fold (or none): m running partial results per channel (a conv position
 *   belongs to at most m pool windows); bit pooling (OR/AND, every function monotone): m FFs
 *   and m LUTs per channel; split pooling (some in/out/table function): 2 bits per interval
 *   slot S, so 2*S*m FFs and LUTs per channel plus one combining LUT; integer max (logits
 *   layers): m*accW FFs and m*(accW+1) LUTs per channel; plus the conv position register
 *   (C_out FFs) and the output stream register (C_out + 1 FFs);
 * - logits: blocks/logits.ts's own model (logitUnitResources: sums per channel, fed fold by
 *   fold as a ring with PE adders behind a fold-serial pool, a serial Horner multiply; on the
 *   UP5K with one lane per word, one SB_MAC16 accumulating value x slope into a ring of the
 *   logits), and a streaming argmax comparator;
 * - counters: their bits in FFs and twice that in LUTs; skid buffer on each engine output;
 * - normalizer: blocks/normalizer.ts's own structural model (normalizerTiming,
 *   estimateNormalizerResources): buffers in SPRAM on the UP5K and block RAM elsewhere,
 *   its multipliers in DSP cells when the target has them (multipliers 'dsp'; on the iCE40
 *   also the statistics unit's U1^2 and the signed pass-2 product), else LUTs.
 */
import type { BitFunction, QModel } from '../src/model/qmodel.ts';
import { contributingConvPositions, layerShapes, type LayerShape } from '../src/model/shapes.ts';
import type { Family, Target } from '../src/design/targets.ts';
import { windowGeometry, type ResolvedFolding, type WeightStorage, type WindowStorage } from './folding.ts';
import { ramWindowGeometry, ramWindowPadSlots, ramWindowUnsupported, ramWindowWaddrFromWu } from './blocks/ramwindow.ts';
import { INT_DOT_DSP_CELLS, INT_DOT_DSP_STAGES, intDotDspFits, intDotWidth } from './blocks/intdot.ts';
import { counterBits, isPowerOfTwo, signedBits, unsignedBits } from './widths.ts';
import { estimateNormalizerResources, normalizerTiming } from './blocks/normalizer.ts';
import { fnIntervals, romVaryingBits, splitSlots, thresholdParamColumns } from './blocks/threshold.ts';
import { logitMultipliersFor, logitTailCycles, logitUnitResources, logitWidth } from './blocks/logits.ts';
import { foldPoolResources, foldPoolSlotSerial, foldPoolStateWidth, foldPoolWordCycles, type FoldPoolOptions, type FoldPoolStorage } from './blocks/fold-pool.ts';
import { poolSlots, poolTrackerBits, poolTrackerLuts } from './blocks/pool.ts';
import { compressorPlan } from './blocks/adder-tree.ts';
import { narrowLinks } from './link.ts';

export interface Resources {
  lut4: number;
  ff: number;
  bram: number;
  spram: number;
  dsp: number;
}

export const ZERO: Resources = { lut4: 0, ff: 0, bram: 0, spram: 0, dsp: 0 };

export function addResources(...rs: Resources[]): Resources {
  const out = { ...ZERO };
  for (const r of rs) {
    out.lut4 += r.lut4;
    out.ff += r.ff;
    out.bram += r.bram;
    out.spram += r.spram;
    out.dsp += r.dsp;
  }
  return out;
}

function res(lut4: number, ff: number, extra: Partial<Resources> = {}): Resources {
  return { ...ZERO, lut4: Math.ceil(lut4), ff: Math.ceil(ff), ...extra };
}

/** ROMs up to this many bits stay in LUTs (128 LUT4s of storage). */
export const LUT_ROM_MAX_BITS = 2048;
/** SB_SPRAM256KA: 16384 words x 16 bits. */
export const SPRAM_WORDS = 16384;
export const SPRAM_WIDTH = 16;

const BRAM_SHAPES: Record<Family, [number, number][]> = {
  ice40: [[256, 16], [512, 8], [1024, 4], [2048, 2]],
  ecp5: [[512, 36], [1024, 18], [2048, 9], [4096, 4], [8192, 2], [16384, 1]],
};

/** Block RAMs for a depth x width memory, in the cheapest aspect ratio. */
export function bramBlocks(depth: number, width: number, family: Family): number {
  if (depth <= 0 || width <= 0) return 0;
  let best = Infinity;
  for (const [d, w] of BRAM_SHAPES[family]) best = Math.min(best, Math.ceil(depth / d) * Math.ceil(width / w));
  return best;
}

/**
 * Where a fold-serial pool keeps its state (blocks/fold-pool.ts: `folds` words of `width`
 * bits). ECP5: LUT RAM (TRELLIS_DPR16X4, 16 x 4 bits per cell), which costs no block RAM and
 * few LUTs. iCE40 has no LUT RAM: block RAM when each SB_RAM40_4K it takes replaces at least
 * FOLD_POOL_BRAM_MIN_BITS flip-flops (about as many LUTs of read multiplexer go with them),
 * flip-flops otherwise (two or three folds of a wide word would take many blocks for a few
 * bits).
 */
export function foldPoolStorage(folds: number, width: number, family: Family): FoldPoolStorage {
  if (family === 'ecp5') return 'distributed';
  return bramBlocks(folds, width, family) * FOLD_POOL_BRAM_MIN_BITS <= folds * width ? 'block' : 'logic';
}
// 32: aami5's conv1/conv2 pools at PE 1 (8 and 16 folds x 6 and 3 bits, 48 state bits) are
// 97 and 94 LUT4 (86 and 99 FF) in flip-flops, 48 and 38 LUT4 with one block each
export const FOLD_POOL_BRAM_MIN_BITS = 32;

/**
 * LUT4s of a threshold unit's case statement over `folds` folds with `varying` parameter bits
 * that differ between folds: per such bit a function of the fold index, about
 * max(0.6, folds / 25) LUT4 (fitted to yosys 0.23 synth_ice40 on the ecgbnn-s-aami5
 * threshold units at PE 1, 8..64 folds: 4..43 LUT4 of parameters beside the comparators).
 */
export function caseParamLuts(folds: number, varying: number): number {
  return folds <= 1 ? 0 : Math.round(varying * Math.max(0.6, folds / 25));
}

/**
 * Where a threshold unit's per-fold parameters live (blocks/threshold.ts's `params`): a
 * block-RAM ROM of `folds` words x columns.width bits when each block replaces at least
 * THRESHOLD_ROM_MIN_LUTS of the case statement's LUT4s (caseParamLuts), else the case
 * statement read through a register ('reg': its varying bits in flip-flops, so the fold
 * counter and the case statement's LUT levels are not in the comparator's clock period);
 * 'case' (combinational) only when nothing depends on the fold.
 * On the smallest UP5K designs block RAM is left over (19 of 30 EBR), LUT4s are not.
 */
export function thresholdParamStorage(folds: number, columns: { width: number; varying: number }, family: Family): 'case' | 'reg' | 'rom' {
  if (folds <= 1 || columns.width === 0) return 'case';
  return caseParamLuts(folds, columns.varying) >= THRESHOLD_ROM_MIN_LUTS * bramBlocks(folds, columns.width, family) ? 'rom' : 'reg';
}
export const THRESHOLD_ROM_MIN_LUTS = 16;

/**
 * Reads per fold of a threshold parameter ROM of `width` bits (blocks/threshold.ts's
 * `romReads`): where the parameters load with the accumulator (iCE40, fold-serial pool:
 * `readGroups` = the groups per fold, else 1), the word can be read in R <= groups parts over
 * the fold's last R groups from a ROM of folds x 2^counterBits(groups) words of
 * ceil(width / R) bits; the smallest R that takes the fewest blocks. Reference UP5K design:
 * conv5's 32 folds x 36 bits, 3 blocks at one read, 1 at three (256 x 12 bits).
 */
export function thresholdRomReads(folds: number, readGroups: number, width: number, family: Family): number {
  let best = 1;
  let blocks = romPartsBlocks(folds, readGroups, width, 1, family);
  for (let r = 2; r <= Math.min(readGroups, width); r++) {
    const b = romPartsBlocks(folds, readGroups, width, r, family);
    if (b < blocks) {
      best = r;
      blocks = b;
    }
  }
  return best;
}

/** Block RAMs of a threshold parameter ROM of `width` bits read thresholdRomReads times per fold. */
export function thresholdRomBlocks(folds: number, readGroups: number, width: number, family: Family): number {
  return romPartsBlocks(folds, readGroups, width, thresholdRomReads(folds, readGroups, width, family), family);
}

/** Block RAMs of that ROM read in `reads` parts: folds x 1 words whole, else folds x 2^counterBits(groups) words of ceil(width / reads) bits. */
function romPartsBlocks(folds: number, readGroups: number, width: number, reads: number, family: Family): number {
  return reads === 1 ? bramBlocks(folds, width, family) : bramBlocks(folds * 2 ** counterBits(readGroups), Math.ceil(width / reads), family);
}

/**
 * A fold-serial pool (blocks/fold-pool.ts's own structural model, its storage by
 * foldPoolStorage). An ECP5 LUT RAM cell (TRELLIS_DPR16X4) counts as the two LUT4s of the
 * slice it occupies; synthesis reports list them apart, as LUTRAM.
 */
function foldPoolEstimate(folds: number, pe: number, pool: { size: number; stride: number }, outputs: number, mode: FoldPoolOptions['mode'], inverted: number, family: Family, serialOut = false, chunkBits?: number): Resources {
  const geometry = { folds, pe, size: pool.size, stride: pool.stride, outputs, mode };
  const storage = foldPoolStorage(folds, foldPoolStateWidth(geometry), family);
  const r = foldPoolResources({ ...geometry, invert: (1n << BigInt(inverted)) - 1n, storage, serialOut, family, ...(chunkBits !== undefined ? { chunkBits } : {}) }, family);
  return res(r.lut4 + 2 * r.lutram, r.ff, { bram: r.bram });
}

/**
 * The register pool (blocks/pool.ts, engines with one fold) over `channels` values of `w`
 * bits: m = ceil((size-1)/stride) partial words in age order (none for size 1), the output
 * register and the window tracker's registers (poolTrackerBits, 2.2 LUT4 each). Fitted to
 * yosys 0.23 synth_ice40 on the unit alone: bits, one LUT4 per partial bit (move and merge)
 * and one per channel (the ending partial merged with the value): pool 7/2 (m = 3), 64 bits
 * 274 LUT4 / 266 FF, estimate 276 / 266; 128 bits 529 / 521, estimate 530 / 521; pool 2/2,
 * 16 bits 52 / 43, estimate 54 / 43; signed max, (m + 1)(2w + 1) LUT4 per channel: 5 x 10-bit
 * values 437 / 209, estimate 438 / 209 (before the shared tracker and the age order: 575,
 * 1,092 and 1,013 LUT4 at m = 4). On iCE40 the position counter is an LFSR (poolTrackerLuts).
 */
function registerPoolEstimate(pool: { size: number; stride: number }, outputs: number, channels: number, w: number, family: Family): Resources {
  const partials = pool.size > 1 ? poolSlots(pool) : 0;
  const tracker = { size: pool.size, stride: pool.stride, outputs, family };
  const counters = poolTrackerBits(tracker);
  const lut = w === 1 ? partials * channels + (partials ? channels : 0) : (partials ? channels * (partials + 1) * (2 * w + 1) : 0);
  return res(Math.round(lut + poolTrackerLuts(tracker)), partials * channels * w + channels * w + counters + 1);
}

/** LUT4s of a depth x width ROM in logic (0 for a single word: the bits are constants). */
export function lutRomLuts(depth: number, width: number): number {
  if (depth <= 1) return 0;
  return width * (2 * Math.ceil(depth / 16) - 1);
}

/** LUT4s of an n:1 mux per bit. */
export function muxLuts(n: number, width: number): number {
  return n <= 1 ? 0 : (n - 1) * width;
}

/**
 * LUT4s of a balanced adder tree over n leaves of `leafWidth` bits, pairing neighbours level
 * by level exactly as blocks/popcount.ts builds it; an adder of w-bit operands costs w + 1.
 */
export function adderTreeLuts(n: number, leafWidth: number): number {
  let widths = Array.from({ length: n }, () => leafWidth);
  let luts = 0;
  while (widths.length > 1) {
    const next: number[] = [];
    for (let i = 0; i + 1 < widths.length; i += 2) {
      const w = Math.max(widths[i]!, widths[i + 1]!);
      luts += w + 1;
      next.push(w + 1);
    }
    if (widths.length % 2 === 1) next.push(widths[widths.length - 1]!);
    widths = next;
  }
  return luts;
}

/**
 * LUT4s of the XNOR + popcount of n bits (blocks/popcount.ts). iCE40: the pairing adder tree
 * (adderTreeLuts of 1-bit leaves, the XNORs absorbed into its first-level LUTs). ECP5: the
 * full-adder compressor tree (adder-tree.ts's compressorPlan): one LUT4 per XNOR (`xnor`; the
 * mask count has none), two per full adder, and the final adder of the two rows, whose CCU2C
 * cells (floor(rowWidth/2) + 1) count as the two LUT4 slots each takes (rows of three bits
 * stay in LUT4s, about two per bit). Yosys 0.23 synth_ecp5 -noflatten on the XNOR popcount
 * with a w input, LUT4 + CCU2C against the model's LUT4 + carry LUT4s: 8 bits 21 (16 + 6),
 * 16: 38 + 3 (38 + 6), 32: 84 + 3 (84 + 6), 56: 152 + 3 (152 + 6), 64: 178 + 4 (178 + 8),
 * 112: 318 + 4 (318 + 8), 224: 652 + 4 (652 + 8). The pairing tree it replaces took
 * 41 / 52 / 147 / 328 / 350 / 615 / 1,348 LUT4 there (Yosys's wide-LUT mapping of its $macc).
 */
export function popcountLuts(n: number, family: Family, xnor = true): number {
  if (family === 'ice40') return adderTreeLuts(n, 1);
  const plan = compressorPlan(n);
  const finalAdder = plan.rowWidth <= 3 ? 2 * plan.rowWidth : 2 * (Math.floor(plan.rowWidth / 2) + 1);
  return (xnor ? n : 0) + 2 * plan.fullAdders + (n > 1 ? finalAdder : 0);
}

/** Multiplier a x b bits: DSP blocks when the device has them, else an array of a*b LUTs. */
export function multiplier(a: number, b: number, target: Target): Resources {
  if (target.resources.dsp > 0) {
    const side = target.family === 'ice40' ? 16 : 18;
    return res(0, 0, { dsp: Math.ceil(a / side) * Math.ceil(b / side) });
  }
  return res(a * b, 0);
}

/** Where a weight ROM of `words` x `width` bits goes by default. */
export function defaultWeightStorage(words: number, width: number, target: Target): WeightStorage {
  if (words <= 1 || words * width <= LUT_ROM_MAX_BITS || target.resources.bram === 0) return 'lut';
  return 'bram';
}

export interface NormalizerEstimate {
  kind: 'zscore' | 'offset';
  buffers: 0 | 1 | 2;
  bufferStorage: 'spram' | 'bram' | 'none';
  statsCycles: number;
  /** cycles from the last sample accepted to the first z (the block's latency) */
  firstZ: number;
  /** the normalizer's own steady-state interval (includes pass 2 at layer 1's pace) */
  cycles: number;
  resources: Resources;
  /** samples per beat into layer 1 (folding inputLanes), present only when more than 1 */
  lanes?: number;
}

export interface EngineEstimate {
  index: number;
  layer: string;
  kind: 'conv' | 'dense';
  /** e.g. "1x3600 -> 8x449 k16 s2 pool8/4" (channels x length) */
  shape: string;
  pe: number;
  simd: number;
  folds: number;
  groups: number;
  positions: number;
  cyclesPerPosition: number;
  inBeats: number;
  /** pipeline depth of a position, from its last step issued to its result (latency) */
  fill: number;
  /** logits layer only: sequential multiply + argmax after the last position */
  tail: number;
  cycles: number;
  accWidth: number;
  weightStorage: WeightStorage;
  weightWords: number;
  weightWidth: number;
  /** line buffer kind: position registers + group mux, or the circular RAM */
  window: WindowStorage;
  resources: Resources;
  /**
   * a bit layer's threshold parameters at several folds: 'reg' (registered case statement)
   * or 'rom'; with romWidth (iCE40's spare block RAM, thresholdRomPlan) the ROM word's width,
   * the rest of the parameters in the case statement
   */
  thresholdParams?: { storage: 'case' | 'reg' | 'rom'; folds: number; width: number; varying: number; fields: boolean[][]; romWidth?: number; readGroups: number };
  /** layer 1's dot product in two SB_MAC16 per lane (dspDotPlan, blocks/intdot.ts) */
  dspDot?: boolean;
}

export interface DesignEstimate {
  target: string;
  normalizer: NormalizerEstimate;
  engines: EngineEstimate[];
  /** steady-state cycles between windows: the slowest stage */
  cyclesPerWindow: number;
  /** 'normalizer' or the slowest layer's name */
  bottleneck: string;
  latencyCycles: number;
  total: Resources;
}

/** Whether the z-score normalizer gets two buffers by default on this target. */
export function defaultNormalizerBuffers(model: QModel, target: Target): 1 | 2 {
  const n = model.input.length;
  const spramPer = Math.ceil(n / SPRAM_WORDS) * Math.ceil(model.input.sampleBits / SPRAM_WIDTH);
  if (target.resources.spram >= 2 * spramPer) return 2;
  const bramPer = bramBlocks(n, model.input.sampleBits, target.family);
  return 2 * bramPer <= target.resources.bram / 4 ? 2 : 1;
}

function isMonotone(kind: string): boolean {
  return kind === 'ge' || kind === 'le' || kind === 'const';
}

/** Accumulator width of a layer: bounds every partial sum, not only the final one. */
export function accumulatorWidth(model: QModel, shape: LayerShape): number {
  if (shape.inputKind === 'binary') return signedBits(-shape.taps, shape.taps);
  const zMax = 2 ** (model.normalizer.outBits - 1);
  const layer = model.layers[shape.index]!;
  const padAbs = layer.kind === 'conv' ? Math.abs(layer.pad.value) : 0;
  const m = shape.taps * Math.max(zMax, padAbs);
  return signedBits(-m, m);
}

/**
 * Count accumulation (iCE40): a binary layer whose output is bits accumulates each lane's raw
 * popcounts u (unsigned, up to the layer's taps) instead of the pre-activation a = 2u - taps,
 * and the threshold unit takes the offset and the factor 2 into its bounds at generation time
 * (blocks/threshold.ts's countOffset, integer-exact), so the lanes lose their subtractors and
 * the accumulator and comparators a bit. A padding group of the RAM window adds SIMD/2 (its a
 * is 0), so SIMD must be even there; a register window with zero padding masks taps inside a
 * group (a = 2 popcount(agree & real) - popcount(real), no integer u): not taken. The logits
 * layer keeps the signed sum (its pool and logit unit need a itself). Gated on iCE40: ECP5
 * designs stay byte-identical this session (cached place-and-route runs).
 * Null when not taken; else the count width and the offset K (a = 2u - K).
 */
export function countAccumulation(model: QModel, shape: LayerShape, family: Family, window: WindowStorage, simd: number): { width: number; offset: number } | null {
  const layer = model.layers[shape.index]!;
  if (family !== 'ice40' || shape.inputKind !== 'binary' || layer.out.kind !== 'binary') return null;
  const padZero = layer.kind === 'conv' && layer.pad.value === 0 && layer.pad.left + layer.pad.right > 0;
  if (padZero && (window !== 'ram' || simd % 2 !== 0)) return null;
  return { width: unsignedBits(shape.taps), offset: shape.taps };
}

function shapeText(model: QModel, shape: LayerShape): string {
  const layer = model.layers[shape.index]!;
  const io = `${shape.inChannels}x${shape.inLength} -> ${shape.outChannels}x${shape.outLength}`;
  if (layer.kind === 'dense') return `${io} dense`;
  const pool = layer.pool ? ` pool${layer.pool.size}/${layer.pool.stride}` : '';
  return `${io} k${layer.kernel} s${layer.stride}${pool}`;
}

function estimateNormalizer(model: QModel, target: Target, buffers: 1 | 2, layer1Cycles: number, lanes = 1): NormalizerEstimate {
  const n = model.input.length;
  const nz = model.normalizer;
  // a buffer is `lanes` memories of ceil(N / lanes) words
  const spramPer = lanes * Math.ceil(Math.ceil(n / lanes) / SPRAM_WORDS) * Math.ceil(model.input.sampleBits / SPRAM_WIDTH);
  const useSpram = nz.kind === 'zscore' && target.resources.spram >= buffers * spramPer;
  // The block's own structural model (blocks/normalizer.ts), checked there against Verilator
  // and Yosys: one source of truth for its cycles and resources.
  const opts = {
    normalizer: nz,
    n,
    sampleBits: model.input.sampleBits,
    buffers,
    bufferStorage: useSpram ? ('spram' as const) : ('bram' as const),
    multipliers: target.resources.dsp > 0 ? ('dsp' as const) : ('logic' as const),
    // as top.ts: U1^2 in DSPs and the signed pass-2 product on iCE40 targets with DSPs (the UP5K)
    statsSquareDsp: target.family === 'ice40',
    scaleSignedDsp: target.family === 'ice40',
    bufferCounters: target.family === 'ice40',
    accumulateDsp: target.family === 'ice40',
    family: target.family,
    ...(lanes > 1 ? { lanes } : {}),
  };
  const timing = normalizerTiming(opts);
  const r = estimateNormalizerResources(opts);
  const resources = res(r.lut4, r.ff, { bram: r.bram, spram: r.spram, dsp: r.dsp });
  if (nz.kind === 'offset') {
    return { kind: 'offset', buffers: 0, bufferStorage: 'none', statsCycles: 0, firstZ: timing.latencyAfterLastSample, cycles: n, resources };
  }
  // pass 2 runs at layer 1's pace when layer 1 is slower than one beat per cycle
  const S = timing.statsSteps;
  const slowPass2 = Math.max(0, layer1Cycles - Math.ceil(n / lanes));
  const cycles = Math.ceil(buffers === 1 ? timing.cyclesPerWindow + slowPass2 : Math.max(timing.cyclesPerWindow, layer1Cycles + S / 2 + 1));
  return {
    kind: 'zscore',
    buffers,
    bufferStorage: useSpram ? 'spram' : 'bram',
    statsCycles: S,
    firstZ: timing.latencyAfterLastSample,
    cycles,
    resources,
    ...(lanes > 1 ? { lanes } : {}),
  };
}

/** An engine's narrow links (link.ts): output beats of `out` bits, sub-block input. */
export interface EngineLink {
  out?: number;
  subBlockIn?: boolean;
}

/** One engine's estimate (exported for the auto-folding search, which tries each choice alone, without links). */
export function estimateEngine(
  model: QModel,
  shape: LayerShape,
  pe: number,
  simd: number,
  storageOverride: WeightStorage | undefined,
  target: Target,
  pipeline = 0,
  windowOverride?: WindowStorage,
  thresholdRomWidth?: number,
  link: EngineLink = {},
  dspDot = false,
): EngineEstimate {
  const layer = model.layers[shape.index]!;
  // the DSP form of layer 1's dot product has its own register stages (blocks/intdot.ts)
  if (dspDot) pipeline = INT_DOT_DSP_STAGES;
  const folds = shape.outChannels / pe;
  const groups = shape.taps / simd;
  const positions = layer.kind === 'conv' ? contributingConvPositions(shape.convLength, layer.pool) : 1;
  const accW = accumulatorWidth(model, shape);
  // the logit layer's fold-serial pool, slot by slot on iCE40 (blocks/fold-pool.ts's
  // foldPoolSlotSerial): it takes a fold word every foldPoolWordCycles cycles at most (the
  // engine waits where it makes them faster), and its output leaves a cycle later
  const convPool = layer.kind === 'conv' ? layer.pool : null;
  const logitPoolGeometry = { folds, pe, size: convPool?.size ?? 1, stride: convPool?.stride ?? 1, outputs: shape.outLength, mode: { kind: 'max' as const, width: accW } };
  const slotSerialPool =
    layer.out.kind === 'logits' && !!convPool && (convPool.size > 1 || convPool.stride > 1) && folds > 1 &&
    foldPoolSlotSerial({ ...logitPoolGeometry, storage: foldPoolStorage(folds, foldPoolStateWidth(logitPoolGeometry), target.family), serialOut: true, family: target.family });
  const cyclesPerPosition = folds * (slotSerialPool ? Math.max(groups, foldPoolWordCycles({ ...logitPoolGeometry, storage: 'block', serialOut: true, family: target.family })) : groups);
  const zb = model.normalizer.outBits;
  const tapBits = shape.inputKind === 'int' ? zb : 1;

  // weights
  const weightWords = folds * groups;
  const weightWidth = pe * simd;
  const weightStorage = storageOverride ?? defaultWeightStorage(weightWords, weightWidth, target);
  const constWeights = weightWords === 1;
  const weights =
    weightStorage === 'bram' ? res(0, 0, { bram: bramBlocks(weightWords, weightWidth, target.family) }) : res(lutRomLuts(weightWords, weightWidth), 0);

  // line buffer (a dense layer holds its whole input): registers or RAM, the cheaper by default
  const kernel = layer.kind === 'conv' ? layer.kernel : shape.inLength;
  const padZero = layer.kind === 'conv' && shape.inputKind === 'binary' && layer.pad.value === 0 && layer.pad.left + layer.pad.right > 0;
  const regsLine = registerWindowResources(model, shape, simd, padZero, target.family);
  const ramLine = ramWindowResources(model, shape, simd, target, !!link.subBlockIn);
  const costIn = (r: Resources) => r.lut4 / target.resources.lut4 + r.ff / target.resources.ff + r.bram / Math.max(1, target.resources.bram);
  const window: WindowStorage = windowOverride ?? (ramLine && costIn(ramLine.resources) < costIn(regsLine) ? 'ram' : 'regs');
  if (window === 'ram' && !ramLine) throw new Error(`estimateEngine: ${shape.name} cannot use a RAM window at SIMD ${simd}`);
  const line = window === 'ram' ? ramLine!.resources : regsLine;
  // the width the lanes accumulate and the threshold unit compares: the raw popcount's when
  // countAccumulation takes it (iCE40), else the pre-activation's
  const countAcc = countAccumulation(model, shape, target.family, window, simd);
  const sumW = countAcc ? countAcc.width : accW;

  // datapath per lane
  // the accumulator's adder and first-group choice, a LUT4 per sum bit and one more; none on
  // iCE40 with one group per fold (blocks/accumulator.ts's `single`: a plain register; the
  // 1 ms UP5K design's conv1, 11 LUT4 -> 0)
  const accLuts = (w: number): number => (target.family === 'ice40' && groups === 1 ? 0 : w + 1);
  let lane: Resources;
  if (shape.inputKind === 'binary') {
    // pipeline registers: about half the tree's leaves per stage (each stage cuts a level of partial sums)
    // the accumulator: a LUT4 per sum bit and the carry chain (blocks/accumulator.ts)
    lane = res(popcountLuts(simd, target.family) + (padZero ? sumW : 0) + accLuts(sumW), sumW + pipeline * Math.ceil(simd / 2));
  } else {
    // pipeline registers: about half the terms' partial sums per stage, each ~zb+2 bits wide.
    // Weights from memory (blocks/intdot.ts): x or ~x per term (a LUT per bit), the pairing tree
    // over the terms and the count of minus weights (one more leaf), and that count's own small
    // tree (about a LUT per weight bit). Constant weights: a tree of the plus taps and one of the
    // minus taps (taken as half each) and a subtraction, two LUT4s per bit on the iCE40.
    const half = Math.floor(simd / 2);
    const dot = dspDot
      ? intDotDspLuts(simd, zb)
      : constWeights
      ? adderTreeLuts(simd - half, zb) + adderTreeLuts(half, zb) + (half > 0 ? 2 * intDotWidth(simd, zb) : 0)
      : simd * zb + adderTreeLuts(simd + 1, zb) + (simd > 1 ? simd : 0);
    lane = dspDot
      ? res(dot + accLuts(accW), accW + intDotDspFfs(simd, zb), { dsp: INT_DOT_DSP_CELLS })
      : res(dot + accLuts(accW), accW + pipeline * Math.ceil(simd / 2) * (zb + 2));
  }
  // the RAM window's groups are all real or all padding: no mask popcount, a gated sum instead
  const maskPop = padZero && window === 'regs' ? res(popcountLuts(simd, target.family, false), 0) : ZERO;

  // output function + pool
  let out: Resources;
  let thresholdParams: EngineEstimate['thresholdParams'];
  const pool = layer.kind === 'conv' ? layer.pool : null;
  let tail = 0;
  const foldSerial = !!pool && (pool.size > 1 || pool.stride > 1) && folds > 1;
  if (layer.out.kind === 'binary') {
    const monotone = layer.out.fns.every((f) => isMonotone(f.kind));
    const tables = layer.out.fns.filter((f) => f.kind === 'table');
    const tableSize = tables.length ? 2 ** unsignedBits(Math.max(...tables.map((f) => (f.kind === 'table' ? f.size : 0))) - 1) : 0;
    // the per-fold parameters: a case statement or a block-RAM ROM, either read through a
    // register (thresholdParamStorage), read ahead from the stage-t fold counter (counted below)
    const split = !monotone && !!pool && (pool.size > 1 || pool.stride > 1);
    const thFns = foldSerial && monotone ? layer.out.fns.map((f): BitFunction => (f.kind === 'le' ? { kind: 'ge', t: f.t + 1 } : f)) : layer.out.fns;
    const columns = thresholdParamColumns({ fns: thFns, pe, accWidth: sumW, reachable: shape.channelPreact, split, ...(countAcc ? { countOffset: countAcc.offset } : {}) });
    const baseStorage = thresholdParamStorage(folds, columns, target.family);
    // thresholdRomPlan's choice: a ROM of at most romWidth bits in place of the case statement
    const romWidth = baseStorage === 'reg' && thresholdRomWidth !== undefined ? Math.min(thresholdRomWidth, columns.width) : undefined;
    const paramStorage = romWidth !== undefined ? 'rom' : baseStorage;
    // a plan ROM (romWidth) loading with the accumulator may be read in parts, one a group
    // (thresholdRomReads; engine.ts's paramsWithAcc: iCE40 before a fold-serial pool)
    const readGroups = target.family === 'ice40' && foldSerial ? groups : 1;
    thresholdParams = { storage: paramStorage, folds, width: columns.width, varying: columns.varying, fields: columns.fields, ...(romWidth !== undefined ? { romWidth } : {}), readGroups };
    // a partial ROM's remaining varying bits stay in the registered case statement
    const caseVarying = romWidth !== undefined ? columns.varying - romVaryingBits(columns.fields, romWidth) : columns.varying;
    // the parts' chain of registers, and the group index carried down to the accumulator
    const reads = romWidth !== undefined ? thresholdRomReads(folds, readGroups, romWidth, target.family) : 1;
    const readFf = reads > 1 ? (reads - 1) * Math.ceil(romWidth! / reads) + counterBits(groups) * ((weightWords > 1 || window === 'ram' ? 1 : 0) + pipeline) : 0;
    const params =
      paramStorage === 'rom'
        ? res(caseParamLuts(folds, romWidth !== undefined ? caseVarying : 0), (romWidth !== undefined ? caseVarying : 0) + readFf, {
            bram: romWidth !== undefined ? thresholdRomBlocks(folds, readGroups, romWidth, target.family) : bramBlocks(folds, columns.width, target.family),
          })
        : res(caseParamLuts(folds, columns.varying), paramStorage === 'reg' ? columns.varying : 0);
    // comparisons: against a fold-dependent bound the sign of one addition (blocks/threshold.ts:
    // the carry chain takes both operands as they are, a LUT4 for the sign bit), against a
    // constant Yosys's comparator (about a LUT4 per bit)
    const constBounds = Math.max(0, pe * (monotone ? 1 : 2) - columns.bounds);
    const compare = addResources(res(constBounds * sumW + columns.bounds + (tables.length ? pe * lutRomLuts(folds * tableSize, 1) : 0), 0), params);
    if (foldSerial) {
      // fold by fold (blocks/fold-pool.ts): AND channels pool inverted, split lanes finish per fold
      const slots = splitSlots(layer.out.fns, shape.channelPreact);
      const inverted = layer.out.fns.filter((f) => (monotone ? f.kind === 'le' : fnIntervals(f).inv === 1)).length;
      const mode = monotone
        ? { kind: 'bits' as const, width: 1, ops: ['or' as const] }
        : { kind: 'bits' as const, width: 2 * slots, ops: Array.from({ length: 2 * slots }, (_, k) => (k < slots ? ('or' as const) : ('and' as const))), splitSlots: slots };
      out = addResources(compare, foldPoolEstimate(folds, pe, pool!, shape.outLength, mode, inverted, target.family, false, link.out));
    } else {
      const bitsPerChannel = monotone ? 1 : 2 * splitSlots(layer.out.fns, shape.channelPreact);
      const posBits = shape.outChannels * bitsPerChannel;
      const poolR = pool && (pool.size > 1 || pool.stride > 1) ? registerPoolEstimate(pool, shape.outLength, posBits, 1, target.family) : ZERO;
      // split pooling's combining LUT per channel; the conv position register (and the
      // assembly of the earlier folds when there is no pool); the output stream register
      // without a pool (with one, the pool's output register is the hand-off)
      // (the conv position register's skid: another position register and a 2:1 mux per bit)
      const positionFf = 2 * (posBits + 1) + (folds - 1) * pe * bitsPerChannel;
      out = addResources(compare, poolR, res((monotone || !pool ? 0 : shape.outChannels) + 2 + posBits, positionFf));
    }
  } else {
    const fns = layer.out.fns;
    const logitW = logitWidth({ fns, accWidth: accW, positions: shape.outLength });
    let poolR = ZERO;
    // fold-serial: the pooled values leave fold by fold into the logit unit's ring
    if (foldSerial) poolR = foldPoolEstimate(folds, pe, pool!, shape.outLength, { kind: 'max', width: accW }, 0, target.family, true);
    else if (pool && (pool.size > 1 || pool.stride > 1)) {
      // with the conv position register (and the assembly of the earlier folds) in front
      // (and the position register's skid)
      poolR = addResources(registerPoolEstimate(pool, shape.outLength, shape.outChannels, accW, target.family), res(2 + shape.outChannels * accW, 2 * (shape.outChannels * accW + 1) + (folds - 1) * pe * accW));
    } else poolR = res(shape.outChannels * accW, shape.outChannels * accW + 1); // the position register's skid
    // the logit unit's own structural model (blocks/logits.ts, calibrated there with Yosys)
    const luOpts = { accWidth: accW, positions: shape.outLength, lanes: foldSerial ? pe : fns.length, multipliers: logitMultipliersFor(target) };
    const lu = logitUnitResources({ fns, ...luOpts });
    // streaming argmax (blocks/argmax.ts): the best value kept inverted (a LUT4 per bit on the
    // way in, the comparison then an addition's carry), three class-index registers; yosys
    // 0.23 synth_ice40, aami5 (28-bit logits, 5 classes): 42 LUT4 / 38 FF, estimate 42 / 38;
    // on iCE40 best_idx is the output payload (bestAsOutput): 37 / 35, estimate 37 / 35
    const cb = counterBits(shape.outChannels);
    const argmax = target.family === 'ice40' ? res(logitW + 3 * cb, logitW + 2 * cb + 1) : res(logitW + 4 * cb + 2, logitW + 3 * cb + 1);
    out = addResources(poolR, res(lu.lut4, lu.ff, { bram: lu.bram, dsp: lu.dsp }), argmax);
    // the unit's multiply tail (Horner, or the DSP form's read-out), then the argmax's output register
    tail = logitTailCycles(fns, luOpts) + 1;
  }

  // the RAM window writes a position in W cycles (one SIMD sub-block each)
  const inBeats = shape.inLength * (window === 'ram' ? ramLine!.wordsPerPosition : 1);
  const ctrlBits = counterBits(positions) + counterBits(folds) + counterBits(groups) + counterBits(inBeats) + 4;
  // stage t (fold done, the counter of folds that left it: one LUT per bit on the carry chain,
  // the enable in the flip-flops, plus its wrap compare) and, before a fold-serial pool,
  // stage f: a skid register of one fold word with its full bit, and a 2:1 mux per word bit
  const laneOutBits = layer.out.kind === 'logits' ? accW : layer.out.fns.every((f) => isMonotone(f.kind)) ? 1 : 2 * splitSlots(layer.out.fns, shape.channelPreact);
  // iCE40 with a fold-serial pool (engine.ts's paramsWithAcc): no stage-t fold counter; a bit
  // layer's threshold parameters load with the accumulator from the issue fold carried down the
  // p/c stages (flip-flops only; yosys 0.23 synth_ice40, reference UP5K design: engines
  // conv1..conv5 34/24/33/33/47 -> 28/22/27/25/29 LUT4)
  const foldCarry = target.family === 'ice40' && foldSerial;
  const carriedStages = (weightWords > 1 || window === 'ram' ? 1 : 0) + pipeline;
  const tFoldFf = folds > 1 ? (foldCarry ? (layer.out.kind === 'binary' ? counterBits(folds) * carriedStages : 0) : counterBits(folds)) : 0;
  // iCE40 with several groups per fold: stage f is a plain register (engine.ts), no 2:1 mux,
  // and a stall flip-flop (yosys 0.23 synth_ice40, reference UP5K design: engines conv2..conv6
  // own logic 22/27/25/29/42 -> 18/19/21/25/32 LUT4, the word widths 4/8/4/4/10)
  const fRegister = target.family === 'ice40' && groups > 1;
  const stageFf = 1 + tFoldFf + (foldSerial ? 1 + pe * laneOutBits + (fRegister ? 1 : 0) : 0);
  const stageLut = (folds > 1 && !foldCarry ? counterBits(folds) + 1 : 0) + (foldSerial ? (fRegister ? 0 : pe * laneOutBits) + 2 : 0);
  const control = res(2 * ctrlBits + stageLut, ctrlBits + stageFf);
  const lanes = res(lane.lut4 * pe, lane.ff * pe, { dsp: lane.dsp * pe });
  const resources = addResources(weights, line, lanes, maskPop, out, control);

  // pipeline: ROM or RAM-window read register, popcount stages, conv position register and
  // pool output, or the fold-serial pool's output register alone; then the output stages: the
  // accumulator register the output function reads (stage t) and, before a fold-serial pool,
  // the fold word register (stage f). The output stages delay every result (latency) but, as
  // Verilator shows, leave the interval between windows as it was (small model: 580, 20 and 52
  // cycles per window with and without them), so they are not in `cycles`.
  const outputStages = 1 + (foldSerial ? 1 : 0) + (slotSerialPool ? 1 : 0);
  const frontFill = (weightWords > 1 || window === 'ram' ? 1 : 0) + pipeline + 1 + (pool && (pool.size > 1 || pool.stride > 1) && !foldSerial ? 1 : 0);
  const fill = frontFill + outputStages;
  const cycles = Math.max(positions * cyclesPerPosition, inBeats) + frontFill + tail;
  return {
    index: shape.index,
    layer: shape.name,
    kind: shape.kind,
    shape: shapeText(model, shape),
    pe,
    simd,
    folds,
    groups,
    positions,
    cyclesPerPosition,
    inBeats,
    fill,
    tail,
    cycles,
    accWidth: accW,
    weightStorage,
    weightWords,
    weightWidth,
    window,
    resources,
    ...(thresholdParams && thresholdParams.storage !== 'case' ? { thresholdParams } : {}),
    ...(dspDot ? { dspDot: true } : {}),
  };
}

/**
 * LUT4s of layer 1's dot product in its DSP form (blocks/intdot.ts's buildDspDot): x or ~x for
 * the two DSP sums (four and two taps wide) and the taps from 6 on, and the pairing tree over
 * those terms and the count of the ~ terms. Yosys 0.23 synth_ice40, 7 taps of 8 bits: 63 LUT4
 * in the 1 ms UP5K design 64 (this counts 29 + 37 + 2 = 68).
 */
export function intDotDspLuts(simd: number, bits: number): number {
  const widths = [intDotWidth(4, bits), intDotWidth(2, bits), ...Array.from({ length: simd - 6 }, () => bits)];
  const terms = widths.length;
  return widths.reduce((t, w) => t + w, 0) + adderTreeLuts(terms + 1, Math.max(...widths)) + (terms > 1 ? terms - 1 : 0);
}

/** Flip-flops of the DSP form: the second DSP's two relative signs, and the LUT terms' taps and signs, two cycles each. */
function intDotDspFfs(simd: number, bits: number): number {
  return 2 + 2 * (2 + (simd - 6) * (bits + 1));
}

/**
 * SB_MAC16 the layer-1 dot products could take on an iCE40 target: the device's DSPs less the
 * normalizer's (default buffers) and the other layers' at their smallest folding (the logit
 * unit's multiplier). The folding searches (auto.ts) rank layer-1 choices with the DSP form
 * within this budget; the design's own plan (dspDotPlan) then counts exactly.
 */
export function dotDspBudget(model: QModel, target: Target, shapes: LayerShape[]): number {
  if (target.family !== 'ice40' || target.resources.dsp === 0) return 0;
  const normalizer = estimateNormalizer(model, target, defaultNormalizerBuffers(model, target), 0).resources.dsp;
  const rest = shapes.reduce((t, s) => (s.inputKind === 'int' ? t : t + estimateEngine(model, s, 1, 1, undefined, target, 0, 'regs').resources.dsp), 0);
  return target.resources.dsp - normalizer - rest;
}

/** Whether an engine choice can take the DSP form of its dot product within `budget` SB_MAC16 (see dspDotPlan). */
export function dspDotApplies(e: EngineEstimate, shape: LayerShape, zb: number, target: Target, budget: number, lanes = 1): boolean {
  return target.family === 'ice40' && lanes === 1 && shape.inputKind === 'int' && e.weightWords > 1 && intDotDspFits(e.simd, zb) && budget >= INT_DOT_DSP_CELLS * e.pe;
}

/**
 * iCE40: gives layer engines whose dot products are integer (layer 1) the DSP form of that dot
 * (blocks/intdot.ts) while the device has two SB_MAC16 per lane left after the rest of the
 * design: about 70 LUT4 fewer per lane. Only where the weights come from memory (constant
 * weights have no add/subtract choice to make) and without input lanes. Returns per layer
 * whether it gets the DSP form. ECP5 is left out: its designs stay byte-identical.
 */
export function dspDotPlan(engines: EngineEstimate[], shapes: LayerShape[], zb: number, target: Target, spare: number, lanes: number): boolean[] {
  return engines.map((e, i) => {
    const take = dspDotApplies(e, shapes[i]!, zb, target, spare, lanes);
    if (take) spare -= INT_DOT_DSP_CELLS * e.pe;
    return take;
  });
}

/**
 * iCE40: spends the block RAMs a design leaves unused on threshold parameters (blocks/
 * threshold.ts's 'rom', whole or partial), largest case statement first (caseParamLuts; ties
 * by layer order), while a ROM saves at least THRESHOLD_ROM_MIN_LUTS LUT4 per block it takes
 * and never beyond the device's count: `spare` blocks in all. A whole ROM when it fits, else
 * the widest word the remaining blocks hold at the layer's fold depth (partial: the rest of
 * the parameters stay in the registered case statement). Returns per layer the ROM width
 * (undefined: no change). ECP5 is left out (its designs stay byte-identical; LUT RAM there).
 * Reference UP5K design (aami5 1 ms, 29 of 30 EBR): conv5's 32 folds x 36 bits take 3
 * blocks whole; the one spare block holds 16 of its bits: yosys 0.23 synth_ice40, its
 * threshold unit 66 -> 38 LUT4, 28 -> 16 FF (the estimate's caseParamLuts says 19 fewer;
 * it underrates conv5's case statement, 66 LUT4 against 46 estimated, left as fitted at PE 1).
 * Blocks count as thresholdRomBlocks (a ROM read in parts over a fold's groups where the
 * parameters load with the accumulator): there the one spare block takes all 36 bits (256 x 12,
 * three reads a fold): the unit 40 -> 4 LUT4, the design 2,118 -> 2,082 (yosys 0.23 synth_ice40).
 */
export function thresholdRomPlan(engines: EngineEstimate[], target: Target, spare: number): (number | undefined)[] {
  const plan: (number | undefined)[] = engines.map(() => undefined);
  if (target.family !== 'ice40' || spare <= 0) return plan;
  const order = engines
    .map((e, i) => ({ i, t: e.thresholdParams }))
    .filter((c) => c.t?.storage === 'reg')
    .sort((a, b) => caseParamLuts(b.t!.folds, b.t!.varying) - caseParamLuts(a.t!.folds, a.t!.varying) || a.i - b.i);
  let left = spare;
  for (const { i, t } of order) {
    if (left <= 0) break;
    const { folds, width, varying, fields, readGroups } = t!;
    // the most blocks (up to the whole ROM) whose widest word saves the minimum per block
    for (let b = Math.min(thresholdRomBlocks(folds, readGroups, width, target.family), left); b > 0; b--) {
      let romWidth = 0;
      while (romWidth < width && thresholdRomBlocks(folds, readGroups, romWidth + 1, target.family) <= b) romWidth++;
      const saved = caseParamLuts(folds, varying) - caseParamLuts(folds, varying - romVaryingBits(fields, romWidth));
      if (saved < THRESHOLD_ROM_MIN_LUTS * b) continue;
      plan[i] = romWidth;
      left -= b;
      break;
    }
  }
  return plan;
}

/**
 * Register line buffer (blocks/linebuffer.ts) plus the engine's group-select mux. Window and
 * staging registers: (K + min(stride, K)) positions x C_in x tap bits of FFs (+ mask bits).
 * The window moves only from the stage, so a window bit is a flip-flop with enable and no
 * LUT; the top slot's choice (this cycle's entry or the stage) and the stage slots' loads
 * cost about a LUT4 per stage bit; the loader and window counters (u, pidx) about 2 LUT4 per
 * bit with their compares, plus about 26 LUT4 of control. Yosys 0.23 synth_ice40 of the block
 * alone, ecgbnn-s-aami5 UP5K layers conv1..conv6 (8/8/16/32/32/64 bits a position):
 * 92/72/76/89/86/117 LUT4 (estimate 88/74/78/90/86/116), 103/91/153/279/277/532 FF (before
 * the single-source window: 164/99/118/161/159/253 LUT4). The (taps/SIMD):1 group mux costs
 * n-1 LUTs per SIMD tap bit. On iCE40 (blocks/linebuffer.ts's iCE40 form, when there is a
 * staging register) there is no window counter (its FFs and about a LUT4 per bit with the
 * compare), the loader's wrap compare is the AND of a constant's one-bits (about 3 LUT4
 * fewer) and its other constant compares AND/OR chains instead of carry chains (about a LUT4
 * per bit of u): the aami5 1-ms conv1 window 88 -> 63 LUT4 (estimate 88 -> 62), 103 -> 92 FF.
 */
export function registerWindowResources(model: QModel, shape: LayerShape, simd: number, padZero: boolean, family?: Family): Resources {
  const layer = model.layers[shape.index]!;
  const tapBits = shape.inputKind === 'int' ? model.normalizer.outBits : 1;
  const groups = shape.taps / simd;
  const kernel = layer.kind === 'conv' ? layer.kernel : shape.inLength;
  const positions = layer.kind === 'conv' ? contributingConvPositions(shape.convLength, layer.pool) : 1;
  const adv = layer.kind === 'conv' && positions > 1 ? Math.min(layer.stride, kernel) : 0;
  const posBits = shape.inChannels * tapBits + (padZero ? 1 : 0);
  const counters = counterBits(shape.inLength + kernel) + counterBits(positions);
  const ctrl = counters + counterBits(kernel + 1) + 4;
  const luts = Math.max(1, adv) * posBits + 2 * counters + REGS_WINDOW_CONTROL_LUTS + muxLuts(groups, simd * tapBits);
  const staged = positions > 1 || adv > 1;
  const ice40 = family === 'ice40' && staged ? counterBits(positions) : 0; // the window counter iCE40 drops
  // iCE40: the loader's compares as AND/OR chains, about a LUT4 per bit of u fewer
  const chains = family === 'ice40' ? counterBits(shape.inLength + kernel) : 0;
  return res(luts - chains - (family === 'ice40' && staged ? ice40 + 3 : 0), (kernel + adv) * posBits + ctrl - ice40);
}

/**
 * Layer 1 fed `lanes` samples per beat (folding inputLanes): its line buffer takes a beat per
 * cycle (ceil(L / lanes) input beats per window) and is blocks/linebuffer.ts's queue of
 * K + lanes positions instead of the window and staging registers. Each queue bit chooses
 * between holding, the entry `stride` further on and one entry per lane (about
 * LANE_QUEUE_LUT_PER_SOURCE LUT4 per source); the loader compares its position counter with
 * a few constants per lane.
 */
export function withInputLanes(model: QModel, shape: LayerShape, e: EngineEstimate, lanes: number, family?: Family): EngineEstimate {
  const layer = model.layers[shape.index]!;
  const kernel = layer.kind === 'conv' ? layer.kernel : shape.inLength;
  const tapBits = model.normalizer.outBits;
  const posBits = shape.inChannels * tapBits;
  const regs = registerWindowResources(model, shape, e.simd, false, family);
  const q = kernel + 2 * lanes - 1;
  const ctrl = counterBits(shape.inLength + kernel + lanes) + counterBits(q + 1) + counterBits(e.positions) + 2;
  const queue = res(LANE_QUEUE_LUT_PER_SOURCE * (1 + lanes) * q * posBits + 12 * lanes + 3 * ctrl + 40 + muxLuts(e.groups, e.simd * tapBits), q * posBits + ctrl);
  const resources = addResources(e.resources, queue, res(-regs.lut4, -regs.ff));
  const inBeats = Math.ceil(shape.inLength / lanes);
  const cycles = Math.max(e.positions * e.cyclesPerPosition, inBeats) + e.fill + e.tail;
  return { ...e, inBeats, cycles, resources };
}
const LANE_QUEUE_LUT_PER_SOURCE = 0.5;

/** LUT4s of the register line buffer's control besides its two counters (fit above). */
const REGS_WINDOW_CONTROL_LUTS = 26;

/**
 * RAM line buffer (blocks/ramwindow.ts), or null when the layer and SIMD cannot use it: the
 * ring in block RAM (N = D*W words of SIMD bits, its registered read in the block RAM: no
 * read-during-write bypass), the writer's position register (uw bits, its increment and
 * constant compares, about 4 LUT4 per bit), the ahead count (ab bits, which also tells the
 * last window), three ring addresses of aw bits (about 6 LUT4 per address bit with their
 * modular increments and loads, plus about 15 when N is not a power of two and the wraps
 * need compares), the write data (the W:1 chunk mux, or the padding choice when W = 1).
 * Yosys 0.23 synth_ice40 of the block alone, ecgbnn-s-aami5 UP5K: smallest design (SIMD
 * 1/8/8/8/8/8) 91/60/60/81/77/111 LUT4, 29/24/26/28/27/30 FF (estimate 91/62/64/82/78/112,
 * 30/25/28/31/30/33); 1-ms design conv3..conv5 (SIMD 16/32/32, W = 1) 63/80/75 LUT4
 * (estimate 66/78/74). Before (a window counter, ahead with two adders, the bypass):
 * 111/81/92/103/97/136 LUT4, 55..62 FF. iCE40 forms (per-slot padding flags when W = 1 and
 * the word has at least 2D bits, a shift register of flags: about D + 3D/8 LUT4 and D FF;
 * the write address from wu; the end-of-image AND of one-bits), 1-ms design conv2..conv6
 * (bitbeat synth of the whole design): 60/63/81/75/100 -> 54/53/54/51/95 LUT4 (estimate
 * 62/66/78/74/112 -> 55/54/50/46/105), 24/23/22/21/35 -> 21/28/27/26/29 FF (estimate
 * 22/29/28/27/27). Zero padding (the mask) adds the read-position
 * registers ru and ru_start (2 uw FFs, about 4 LUT4 per bit, not recalibrated) and the
 * registered padding test. Sub-block input (`subBlockIn`, a narrow link from a fold-serial
 * pool, link.ts): no W:1 chunk mux, only the padding choice (a LUT4 per word bit with constant
 * padding): 1-ms design conv6 (W = 8) 95 -> 56 LUT4 (estimate 105 -> 57).
 */
export function ramWindowResources(model: QModel, shape: LayerShape, simd: number, target: Target, subBlockIn = false): { resources: Resources; wordsPerPosition: number } | null {
  const g = windowGeometry(model, shape, simd);
  if (ramWindowUnsupported(g) || target.resources.bram === 0) return null;
  const { slots, wordsPerPosition: W, words: N } = ramWindowGeometry(g);
  const L = shape.inLength;
  const uw = unsignedBits(Math.max(L + g.kernel, g.positions * g.stride) + 1);
  const ab = unsignedBits(slots + g.kernel + 2 * g.stride);
  const aw = unsignedBits(N - 1);
  const wb = W > 1 ? counterBits(W) : 0;
  const gw = simd * g.bits; // a RAM word: one group of SIMD taps
  const layer = model.layers[shape.index]!;
  const masked = layer.kind === 'conv' && shape.inputKind === 'binary' && layer.pad.value === 0 && layer.pad.left + layer.pad.right > 0;
  const pow2 = isPowerOfTwo(N);
  // iCE40 forms (blocks/ramwindow.ts): padding flags per slot instead of the write-data
  // padding choice, the write address from wu (no register, its increment gone; the one-hot
  // select's encoder at W >= 8), the end-of-image compare as an AND of one-bits
  const ice40 = target.family === 'ice40';
  const padSlots = ramWindowPadSlots({ ...g, pad: masked ? { kind: 'zero' } : { kind: 'const', value: 0 }, family: target.family });
  const waddrFromWu = ramWindowWaddrFromWu(target.family, slots, W, uw);
  const oneHot = W >= 8 && g.bits === 1;
  const ff = uw + ab + 3 * aw + wb + 1 + (masked ? 2 * uw + wb + 1 : 0) + (padSlots ? slots : 0) - (waddrFromWu ? aw : 0);
  const writeData = padSlots ? slots + Math.ceil((3 * slots) / 8) : W > 1 && subBlockIn ? (masked ? 0 : gw) : W > 1 ? muxLuts(W, gw) : gw;
  const ice40Luts = (waddrFromWu ? aw + 1 - (oneHot ? Math.log2(W) : 0) : 0) + (ice40 ? 3 : 0);
  const luts = 4 * uw + 6 * aw + writeData + (pow2 ? 0 : 15) - 4 + (masked ? 4 * uw + 2 : 0) - ice40Luts;
  return { resources: res(luts, ff, { bram: bramBlocks(N, gw, target.family) }), wordsPerPosition: W };
}

/** Last input position (0-based, of the layer's input) that output position `p` reads. */
function lastInputOf(model: QModel, shape: LayerShape, convPos: number): number {
  const layer = model.layers[shape.index]!;
  if (layer.kind === 'dense') return shape.inLength - 1;
  return Math.min(shape.inLength - 1, convPos * layer.stride - layer.pad.left + layer.kernel - 1);
}

/**
 * Latency of one window through an idle pipeline, from the cycle its last sample is accepted
 * to the cycle its class is valid (see the file comment for the schedule).
 */
/** Cycles the register slice between the normalizer and layer 1 adds (hdl-gen/top.ts). */
export const LAYER1_SLICE_CYCLES = 1;

function scheduleLatency(model: QModel, shapes: LayerShape[], norm: NormalizerEstimate, engines: EngineEstimate[], lanes = 1): number {
  const n = model.input.length;
  // arrival[i]: cycle input position i of the current engine is available (z-score pass 2
  // sends `lanes` samples per beat), behind the register slice in front of layer 1
  let arrival: number[] = Array.from({ length: n }, (_, i) => LAYER1_SLICE_CYCLES + (norm.kind === 'zscore' ? norm.firstZ + Math.floor(i / lanes) : i - (n - 1) + norm.firstZ));
  let done = 0;
  engines.forEach((e, li) => {
    const shape = shapes[li]!;
    const layer = model.layers[li]!;
    const convDone: number[] = [];
    let free = -Infinity;
    for (let p = 0; p < e.positions; p++) {
      const start = Math.max(free, arrival[lastInputOf(model, shape, p)]!);
      free = start + e.cyclesPerPosition;
      convDone.push(free + e.fill - 1);
    }
    const pool = layer.kind === 'conv' ? layer.pool : null;
    const out: number[] = [];
    for (let q = 0; q < shape.outLength; q++) {
      const last = pool ? q * pool.stride + pool.size - 1 : q;
      out.push(convDone[Math.min(last, convDone.length - 1)]! + 1);
    }
    done = out[out.length - 1]! + e.tail;
    arrival = out;
  });
  return done + 1;
}

/** The analytical model of a design: a folding checked by validateFolding. */
export function estimateDesign(model: QModel, folding: ResolvedFolding, target: Target, shapes: LayerShape[] = layerShapes(model)): DesignEstimate {
  const first = shapes.map((s, i) => {
    const f = folding.layers[i]!;
    return estimateEngine(model, s, f.pe, f.simd, f.weights, target, f.pipeline ?? 0, f.window);
  });
  // iCE40 narrow links (link.ts) between the engines as their line buffers were chosen alone
  // (the choice stays: a link only makes the chosen RAM window and its producer cheaper)
  const links = narrowLinks(model, shapes, first.map((e) => ({ pe: e.pe, simd: e.simd, window: e.window })), target.family);
  const engines = first.map((e, i) => {
    if (links[i]!.out === undefined && !links[i]!.subBlockIn) return e;
    const f = folding.layers[i]!;
    return estimateEngine(model, shapes[i]!, f.pe, f.simd, f.weights, target, f.pipeline ?? 0, e.window, undefined, links[i]);
  });
  const lanes = folding.inputLanes ?? 1;
  if (lanes > 1) engines[0] = withInputLanes(model, shapes[0]!, engines[0]!, lanes, target.family);
  const buffers = folding.normalizerBuffers ?? defaultNormalizerBuffers(model, target);
  const normalizer = estimateNormalizer(model, target, buffers, engines[0]!.cycles, lanes);
  // iCE40: block RAM left over goes to threshold parameters (thresholdRomPlan)
  const usedBram = normalizer.resources.bram + engines.reduce((t, e) => t + e.resources.bram, 0);
  thresholdRomPlan(engines, target, target.resources.bram - usedBram).forEach((w, i) => {
    if (w === undefined) return;
    const f = folding.layers[i]!;
    const e = estimateEngine(model, shapes[i]!, f.pe, f.simd, f.weights, target, f.pipeline ?? 0, engines[i]!.window, w, links[i]);
    engines[i] = i === 0 && lanes > 1 ? withInputLanes(model, shapes[0]!, e, lanes, target.family) : e;
  });
  // iCE40: SB_MAC16 left over go to layer 1's add/subtract tree (dspDotPlan)
  const usedDsp = normalizer.resources.dsp + engines.reduce((t, e) => t + e.resources.dsp, 0);
  dspDotPlan(engines, shapes, model.normalizer.outBits, target, target.resources.dsp - usedDsp, lanes).forEach((take, i) => {
    if (!take) return;
    const f = folding.layers[i]!;
    engines[i] = estimateEngine(model, shapes[i]!, f.pe, f.simd, f.weights, target, f.pipeline ?? 0, engines[i]!.window, engines[i]!.thresholdParams?.romWidth, links[i], true);
  });
  let cyclesPerWindow = normalizer.cycles;
  let bottleneck = 'normalizer';
  for (const e of engines) {
    if (e.cycles > cyclesPerWindow) {
      cyclesPerWindow = e.cycles;
      bottleneck = e.layer;
    }
  }
  // top level: input skid buffer, class output register; the register slice in front of
  // layer 1 (hdl-gen/top.ts: a 2:1 choice per bit and its control; output and skid registers)
  const classBits = unsignedBits(model.classes.length - 1);
  const sliceW = lanes * model.normalizer.outBits;
  const top = res(model.input.sampleBits + classBits + 4 + sliceW + 2, 2 * (model.input.sampleBits + 1) + classBits + 2 + 2 * sliceW + 2);
  const total = addResources(normalizer.resources, ...engines.map((e) => e.resources), top);
  return {
    target: target.name,
    normalizer,
    engines,
    cyclesPerWindow,
    bottleneck,
    latencyCycles: scheduleLatency(model, shapes, normalizer, engines, lanes),
    total,
  };
}

/** Whether an estimate fits a device's LUT, FF, block RAM, SPRAM and DSP budget with `margin` (0.85 = 15 % headroom). */
/**
 * iCE40 logic cells: each holds one LUT4 and one flip-flop, and nextpnr packs a flip-flop
 * with the LUT that drives it when it can; the rest take a cell of their own. Measured against
 * this estimate's own LUT4 and FF (which run above Yosys's), the placed UP5K designs of
 * bench/hardware.md used est. LUT4 + 0.51-0.64 x est. FF cells (Yosys: LUT4 + 0.70-0.81 x FF).
 * At 0.5 the check let --fit pick designs that reached 93 % of the UP5K's cells and failed
 * placement at one seed in three (ecgbnn-s-aami5 and btpn-aami5); 0.6 is the middle of the
 * measured range, and the fit margin is the headroom around it. ECP5 slices pair 2 LUT4 with
 * 2 FF and are budgeted per resource.
 */
export const ICE40_UNPACKED_FF_SHARE = 0.6;

export function logicCells(r: Resources, target: Target): number {
  return target.family === 'ice40' ? Math.ceil(r.lut4 + ICE40_UNPACKED_FF_SHARE * r.ff) : Math.max(r.lut4, r.ff);
}

/** What of `total` exceeds the device at `margin` (LUT4/FF/logic cells; memories and DSP in full), e.g. ['logic cells 6650 > 4488']; empty when it fits. */
export function budgetExcess(total: Resources, target: Target, margin = 1): string[] {
  const r = target.resources;
  const out: string[] = [];
  const over = (what: string, need: number, have: number) => {
    if (need > have) out.push(`${what} ${need} > ${have}`);
  };
  over('LUT4', total.lut4, Math.floor(r.lut4 * margin));
  over('FF', total.ff, Math.floor(r.ff * margin));
  if (target.family === 'ice40') over(`logic cells (LUT4 + ${ICE40_UNPACKED_FF_SHARE} FF)`, logicCells(total, target), Math.floor(r.lut4 * margin));
  over('BRAM', total.bram, r.bram);
  over('SPRAM', total.spram, r.spram);
  over('DSP', total.dsp, r.dsp);
  return out;
}

export function fitsDevice(total: Resources, target: Target, margin: number): boolean {
  return budgetExcess(total, target, margin).length === 0;
}

function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

/** The analytical model as a plain-text table (printed before anything else is generated). */
export function formatEstimateTable(est: DesignEstimate): string {
  const head = ['layer', 'shape', 'PE', 'SIMD', 'cycles', 'LUT', 'FF', 'BRAM', 'SPRAM', 'DSP', 'weights', 'window'];
  const rows: string[][] = [];
  const n = est.normalizer;
  rows.push([
    'normalizer',
    n.kind === 'zscore' ? `zscore, ${n.buffers} buffer${n.buffers === 1 ? '' : 's'} in ${n.bufferStorage}, stats ${n.statsCycles}${n.lanes ? `, ${n.lanes} lanes` : ''}` : 'offset',
    '-',
    '-',
    String(n.cycles),
    String(n.resources.lut4),
    String(n.resources.ff),
    String(n.resources.bram),
    String(n.resources.spram),
    String(n.resources.dsp),
    '-',
    '-',
  ]);
  for (const e of est.engines) {
    const r = e.resources;
    rows.push([e.layer, e.shape, String(e.pe), String(e.simd), String(e.cycles), String(r.lut4), String(r.ff), String(r.bram), String(r.spram), String(r.dsp), e.weightStorage + (e.thresholdParams?.romWidth !== undefined ? ` thr${e.thresholdParams.romWidth}b` : ''), e.window]);
  }
  const t = est.total;
  rows.push(['total', `target ${est.target}`, '', '', String(est.cyclesPerWindow), String(t.lut4), String(t.ff), String(t.bram), String(t.spram), String(t.dsp), '', '']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7, 8, 9]);
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, numeric.has(i))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(0, -1).map(line), widths.map((w) => '-'.repeat(w)).join('  '), line(rows[rows.length - 1]!)];
  out.push(`cycles per window ${est.cyclesPerWindow} (bottleneck: ${est.bottleneck}); latency ${est.latencyCycles} cycles from the last sample to the class`);
  return out.join('\n');
}
