/**
 * Input normalizer block: raw signed ADC samples in (valid/ready), the integer z stream that
 * feeds layer 1 out (valid/ready), one z per sample, bit-exact with src/model/normalizer.ts.
 *
 * z-score kind (two passes over a buffered window):
 *   pass 1  each accepted sample x is written to the window buffer and, two register stages
 *           later (u = x + 2^(B-1), then u^2), u and u^2 are added to U1, U2. After the N-th
 *           sample the sums go to the statistics unit (normalizer-stats.ts) and the
 *           accumulators restart for the next window.
 *   stats   mean_u, sdN, r one bit per cycle (statsWidths(...).steps cycles).
 *   pass 2  once the unit is done and pass 2 is idle, mean_u and r move into pass 2's
 *           registers (with 3r and -r for the radix-4 product; ~mean_u instead of mean_u
 *           for multipliers 'dsp', see buildZScore) and the buffer is re-read through a
 *           stall-able pipeline
 *             read (registered) -> diff = u - mean_u -> prod = diff * r
 *             -> z = clamp(prod >>> (recipBits - fracBits))   (output register)
 *           Every stage loads when `adv = !out_valid | out_ready`. u - mean_u = x - mean
 *           because both carry the same bias, and >>> is floor for negative numbers too.
 * With two buffers (ping-pong) pass 1 of window k+1 fills one buffer while pass 2 of window k
 * reads the other; a buffer is busy from its last write until pass 2 has issued its last read.
 * Each buffer shares one address between its write and read port (it is never written and
 * read in the same cycle), which is what the UP5K's single-port SPRAM needs: Yosys maps it to
 * SB_SPRAM256KA because the memory carries ram_style "huge" (RAM style 'huge'),
 * and to block RAM otherwise.
 *
 * offset kind: z = clamp((x - offset) >>> shift), one register stage, no buffer.
 */
import { addressWidth, cat, constant, Module, type Expr, type Memory, type Signal } from '../../src/hdl/index.ts';
import type { Normalizer, OffsetNormalizer, ZScoreNormalizer } from '../../src/model/qmodel.ts';
import { signedBits } from '../widths.ts';
import { carryAdd } from './const-compare.ts';
import { multiplyRadix4, multiplyRadix4Luts, multiplyShiftAdd, multiplyShiftAddLuts } from './normalizer-mul.ts';
import { buildStatsUnit, statsSquareDspPays, statsUnitResources, statsWidths, STATS_SQUARE_DSPS, type StatsSqrtMove } from './normalizer-stats.ts';

/**
 * The statistics unit's SQRT phase moves acc through the Horner adder ('adder'): 38 LUT4 fewer
 * than the shift (351 -> 313 at N = 3600, B = 12) for 22 more steps (64 -> 86) once per
 * window, which adds 11 cycles to the two-buffer interval N + (S+3)/2 (N = 3600: under 0.3 %)
 * and 22 to the latency. The normalizer is not the smallest designs' bottleneck, and LUT4s are
 * what the UP5K runs out of first.
 */
export const STATS_SQRT_MOVE: StatsSqrtMove = 'adder';

export type NormalizerBufferStorage = 'spram' | 'bram';
export type NormalizerMultipliers = 'dsp' | 'logic';

/** Operand width of the smallest DSP multiplier the generator targets (iCE40 SB_MAC16: 16 x 16). */
export const DSP_OPERAND_BITS = 16;

/**
 * Which of the two products go to DSP cells: u^2 takes two B-bit unsigned operands; pass 2's
 * product is offset to unsigned operands, (u + 2^B - mean_u) of B+1 bits times r of recipWidth
 * bits (see buildZScore), so both must fit DSP_OPERAND_BITS.
 */
/** Whether the statistics unit takes U1^2 from DSP products (see NormalizerOptions.statsSquareDsp). */
export function normalizerStatsSquareDsp(opts: NormalizerOptions): boolean {
  return opts.statsSquareDsp === true && opts.multipliers === 'dsp' && opts.normalizer.kind === 'zscore' && statsSquareDspPays(opts.n, opts.sampleBits);
}

/**
 * Whether U2 accumulates in the square's DSP (NormalizerOptions.accumulateDsp): the square must
 * be a DSP product, and there must be one buffer. The DSP's output register takes no other
 * input than its sum, so the accumulator clears by loading 0 (OLOAD) in a cycle that adds
 * nothing: the cycle after a window's last addition, when the statistics unit takes the sums.
 * With one buffer the next window's first sample reaches the accumulator only after pass 2
 * (N cycles later); with two it can come the very next cycle. Samples of at most 15 bits: each
 * square is then below 2^31, so the 32-bit accumulator's wraps show in its top bit.
 */
export function normalizerAccumulateDsp(opts: NormalizerOptions): boolean {
  return opts.accumulateDsp === true && (opts.buffers ?? 2) === 1 && normalizerDspProducts(opts).square && opts.sampleBits <= 15;
}

export function normalizerDspProducts(opts: NormalizerOptions): { square: boolean; scale: boolean } {
  const nz = opts.normalizer;
  if (opts.multipliers !== 'dsp' || nz.kind !== 'zscore') return { square: false, scale: false };
  return { square: opts.sampleBits <= DSP_OPERAND_BITS, scale: opts.sampleBits + 1 <= DSP_OPERAND_BITS && nz.recipWidth <= DSP_OPERAND_BITS };
}

export interface NormalizerOptions {
  normalizer: Normalizer;
  /** window length N */
  n: number;
  /** bits of the signed raw sample */
  sampleBits: number;
  /** z-score: window buffers, 1 or 2 (ping-pong, the default) */
  buffers?: 1 | 2;
  /** z-score: 'spram' on the iCE40 UP5K (single-port SB_SPRAM256KA), 'bram' elsewhere */
  bufferStorage?: NormalizerBufferStorage;
  /**
   * z-score: how the two products (u^2 in pass 1, (x - mean) * r in pass 2) are built:
   * 'logic' (default) as adder trees (normalizer-mul.ts), 'dsp' as `mul` expressions that Yosys
   * maps to DSP cells (SB_MAC16, MULT18X18D). A product whose operands do not fit
   * DSP_OPERAND_BITS stays in logic. Same arithmetic and cycle timing either way.
   */
  multipliers?: NormalizerMultipliers;
  /**
   * z-score: samples per output beat (default 1). Pass 2 reads `lanes` consecutive samples per
   * cycle (each buffer split into `lanes` memories, sample i in memory i mod lanes at address
   * floor(i / lanes)) and sends them as one beat, sample i in lane i mod lanes (lane 0 in the
   * low bits); a window of N samples is ceil(N / lanes) beats, the lanes past sample N - 1 in
   * the last beat hold don't-care values. Each lane has its own product (a DSP each).
   */
  lanes?: number;
  /**
   * z-score: the statistics unit takes U1^2 from three DSP products instead of building
   * N*U2 - U1^2 with a 4:1 addend choice and an extra adder (normalizer-stats.ts, squareDsp).
   * Used only with multipliers 'dsp' and where statsSquareDspFits (even N, U1's halves within
   * 16 bits, at least 10 to pay: statsSquareDspPays); see normalizerStatsSquareDsp. The generator sets it on iCE40 targets with DSPs
   * (the UP5K), where it was measured; ECP5 keeps the LUT form (its designs stay unchanged).
   */
  statsSquareDsp?: boolean;
  /**
   * z-score, DSP pass-2 product: multiply the signed difference u - mean_u (B+1 bits) by r
   * zero-extended to a signed W+1 bits, instead of the offset unsigned form and its r * 2^B
   * correction after the product. Yosys 0.23 synth_ice40 -dsp maps it to one SB_MAC16 (the
   * iCE40 DSP takes each operand's signedness separately), saving the correction's 17-bit
   * subtraction (33 LUT4 on the product stage alone). Set by the generator on iCE40 targets,
   * where it was measured; ECP5 keeps the offset form (its designs stay unchanged).
   */
  scaleSignedDsp?: boolean;
  /**
   * z-score, one lane: each window buffer has its own address counter, counting pass 1's
   * writes while the buffer fills and pass 2's reads while it is read (never both: see the
   * file comment), instead of the shared write and read counters wcnt and rcnt behind a 2:1
   * address choice per buffer and bit. Same addresses in the same cycles. Set by the generator
   * on iCE40 targets, where it was measured (yosys 0.23 synth_ice40, aami5 UP5K 1 ms: see
   * buildZScore); ECP5 keeps the shared counters (its designs stay unchanged).
   */
  bufferCounters?: boolean;
  /**
   * z-score, one buffer, DSP square: U2's low 32 bits accumulate in the square's own SB_MAC16
   * (its adder and 32-bit output register, Yosys 0.23 ice40_dsp) instead of a LUT adder, and
   * only the bits above them stay in logic, as a counter of the accumulator's wraps (see
   * normalizerAccumulateDsp and buildZScore). The statistics unit then takes the sums one
   * cycle later, from the accumulators' registers (one more cycle of latency). Set by the
   * generator on iCE40 targets, where it was measured; ECP5 keeps the LUT accumulators (its
   * designs stay unchanged).
   */
  accumulateDsp?: boolean;
  /** add outputs stats_valid (one cycle per window, when pass 2 takes the statistics), stats_mean, stats_sdn, stats_recip */
  exposeStats?: boolean;
  name?: string;
}

/** Pass 1's register stages before the accumulators: sample, square. */
export const PASS1_STAGES = 2;
/** Pass 2's pipeline depth: issue -> memory data -> diff -> product -> output register. */
export const PASS2_STAGES = 4;

function checkCommon(opts: NormalizerOptions): void {
  if (!Number.isInteger(opts.n) || opts.n < 2) throw new RangeError(`normalizer: window length must be an integer >= 2, got ${opts.n}`);
  if (!Number.isInteger(opts.sampleBits) || opts.sampleBits < 2 || opts.sampleBits > 16) {
    throw new RangeError(`normalizer: sampleBits must be 2..16, got ${opts.sampleBits}`);
  }
  const lanes = opts.lanes ?? 1;
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > MAX_NORMALIZER_LANES) throw new RangeError(`normalizer: lanes must be 1..${MAX_NORMALIZER_LANES}, got ${lanes}`);
  if (lanes > 1 && opts.normalizer.kind !== 'zscore') throw new RangeError('normalizer: lanes > 1 needs the z-score kind');
  if (lanes > opts.n) throw new RangeError(`normalizer: lanes ${lanes} exceeds the window length ${opts.n}`);
}

/** Most samples per beat pass 2 can send (each lane costs a product and a buffer memory). */
export const MAX_NORMALIZER_LANES = 4;

/** Beats of pass 2 per window: ceil(N / lanes). */
export function normalizerBeats(opts: Pick<NormalizerOptions, 'n' | 'lanes'>): number {
  return Math.ceil(opts.n / (opts.lanes ?? 1));
}

export function normalizerName(opts: NormalizerOptions): string {
  if (opts.name) return opts.name;
  const nz = opts.normalizer;
  if (nz.kind === 'offset') return `normalizer_offset_b${opts.sampleBits}_o${nz.offset < 0 ? 'm' : ''}${Math.abs(nz.offset)}_s${nz.shift}_z${nz.outBits}`;
  return `normalizer_zscore_n${opts.n}_b${opts.sampleBits}_r${nz.recipBits}w${nz.recipWidth}f${nz.fracBits}_z${nz.outBits}_x${opts.buffers ?? 2}${opts.bufferStorage === 'spram' ? '_spram' : ''}${opts.multipliers === 'dsp' ? '_dsp' : ''}${normalizerStatsSquareDsp(opts) ? '_sqd' : ''}${opts.scaleSignedDsp && normalizerDspProducts(opts).scale ? '_ssd' : ''}${(opts.lanes ?? 1) > 1 ? `_l${opts.lanes}` : ''}${opts.bufferCounters && (opts.lanes ?? 1) === 1 ? '_bc' : ''}${normalizerAccumulateDsp(opts) ? '_acd' : ''}${opts.exposeStats ? '_dbg' : ''}`;
}

export function buildNormalizer(opts: NormalizerOptions): Module {
  checkCommon(opts);
  return opts.normalizer.kind === 'offset' ? buildOffset(opts, opts.normalizer) : buildZScore(opts, opts.normalizer);
}

/** clamp(v) to a signed `bits`-bit range, as a `bits`-bit signed expression. */
function clampSigned(v: Expr, bits: number): Expr {
  if (v.width <= bits) return v.extend(bits);
  if (!v.signed) throw new Error('clampSigned: the value must be signed');
  const lo = -(1n << BigInt(bits - 1));
  const hi = (1n << BigInt(bits - 1)) - 1n;
  // v fits exactly when its bits from bits-1 up are all copies of the sign: an OR/AND tree
  // over those bits instead of two wide comparisons (two carry chains)
  const top = v.slice(v.width - 1, bits - 1);
  const sign = v.bit(v.width - 1);
  const below = sign.and(top.reduceAnd().not());
  const above = sign.not().and(top.reduceOr());
  return below.select(constant(lo, bits, true), above.select(constant(hi, bits, true), v.trunc(bits)));
}

function buildOffset(opts: NormalizerOptions, nz: OffsetNormalizer): Module {
  const B = opts.sampleBits;
  const m = new Module(normalizerName(opts), {
    description: 'input normalizer (offset): z = clamp((x - offset) >>> shift)',
    params: { kind: 'offset', sampleBits: B, offset: nz.offset, shift: nz.shift, outBits: nz.outBits },
  });
  const inp = m.streamIn('in', B, { signed: true });
  const out = m.streamOut('out', nz.outBits, { signed: true, reg: true });
  const w = Math.max(B, signedBits(nz.offset, nz.offset));
  const diff = inp.payload.extend(w).sub(constant(nz.offset, w, true));
  const z = m.let('z', clampSigned(diff.ashr(nz.shift), nz.outBits));
  const adv = m.let('adv', out.valid.not().or(out.ready));
  inp.ready.set(adv);
  m.If(adv, () => {
    out.valid.set(inp.valid);
    m.If(inp.valid, () => out.payload.set(z));
  });
  return m;
}

function buildZScore(opts: NormalizerOptions, nz: ZScoreNormalizer): Module {
  const { n } = opts;
  const B = opts.sampleBits;
  const W = nz.recipWidth;
  const nb = opts.buffers ?? 2;
  if (nb !== 1 && nb !== 2) throw new RangeError(`normalizer: buffers must be 1 or 2, got ${String(nb)}`);
  const squareDsp = normalizerStatsSquareDsp(opts);
  const sw = statsWidths(nz, n, B, STATS_SQRT_MOVE, squareDsp);
  const lanes = opts.lanes ?? 1;
  const storage = opts.bufferStorage ?? 'bram';
  const dsp = normalizerDspProducts(opts);
  const m = new Module(normalizerName(opts), {
    description: 'input normalizer (z-score): two passes over a buffered window, z = clamp(((x - mean) * r) >>> (recipBits - fracBits))',
    params: { kind: 'zscore', n, sampleBits: B, recipBits: nz.recipBits, recipWidth: W, fracBits: nz.fracBits, outBits: nz.outBits, buffers: nb, bufferStorage: storage, multipliers: opts.multipliers ?? 'logic', ...(lanes > 1 ? { lanes } : {}) },
  });
  const inp = m.streamIn('in', B, { signed: true });
  const out = m.streamOut('out', nz.outBits * lanes, { signed: lanes === 1, reg: true });
  const aw = addressWidth(n);
  const lastAddr = constant(n - 1, aw);
  // lanes > 1: buffer memories of `beats` words, addressed by beat (pass 1: waddr, advanced
  // after each lane-th sample; pass 2: rcnt, one beat per read)
  const beats = normalizerBeats(opts);
  const bw = addressWidth(beats);
  const bias = (x: Expr) => x.asUnsigned().xor(constant(1n << BigInt(B - 1), B)); // u = x + 2^(B-1)

  // ---- buffer ownership ----------------------------------------------------------------
  const busy: Signal[] = Array.from({ length: nb }, (_, b) => m.reg(`busy${b}`, 1, { reset: 0 }));
  const wsel = nb === 2 ? m.reg('wsel', 1, { reset: 0 }) : null;
  const rsel = nb === 2 ? m.reg('rsel', 1, { reset: 0 }) : null;
  const statsBuf = nb === 2 ? m.reg('stats_buf', 1, { reset: 0 }) : null;
  const isSel = (sel: Signal | null, b: number): Expr => (sel === null ? constant(1, 1) : sel.eq(b));
  const busyW = nb === 2 ? wsel!.select(busy[1]!, busy[0]!) : busy[0]!;

  // ---- statistics unit -----------------------------------------------------------------
  const stats = m.instance('stats_unit', buildStatsUnit(nz, n, B, `${m.name}_stats`, STATS_SQRT_MOVE, squareDsp));
  const statsIdle = stats.out('idle');
  const statsDone = stats.out('done');

  // ---- pass 1 --------------------------------------------------------------------------
  // bufferCounters: buffer b's own counter is its address (written while free, read while
  // busy, wrapping after sample N-1 either way); the write and read positions are the selected
  // buffers' counters
  const ownCounters = !!opts.bufferCounters && lanes === 1;
  const bcnt: Signal[] = ownCounters ? busy.map((_, b) => m.reg(`buf${b}_cnt`, aw, { reset: 0 })) : [];
  const bLast: Expr[] = bcnt.map((c, b) => m.let(`buf${b}_last`, c.eq(lastAddr)));
  const wcnt = ownCounters ? null : m.reg('wcnt', aw, { reset: 0 });
  const wLast = m.let('w_last', wcnt ? wcnt.eq(lastAddr) : nb === 2 ? wsel!.select(bLast[1]!, bLast[0]!) : bLast[0]!);
  // the last sample of a window needs the statistics unit free (it starts one cycle later)
  inp.ready.set(busyW.not().and(wLast.not().or(statsIdle)));
  const inFire = m.let('in_fire', inp.fire);
  const p1Valid = m.reg('p1_valid', 1, { reset: 0 });
  const p1Last = m.reg('p1_last', 1, { reset: 0 });
  const p1U = m.reg('p1_u', B, { reset: null });
  p1Valid.set(inFire);
  p1Last.set(inFire.and(wLast));
  const macDsp = normalizerAccumulateDsp(opts);
  if (macDsp) {
    // u = 0 when no sample comes: both accumulators then add every cycle, with no enable, and
    // the square's DSP takes its product register and accumulator with no hold (below)
    m.If(inFire, () => p1U.set(bias(inp.payload))).Else(() => p1U.set(constant(0, B)));
    passOneDsp();
  } else {
    m.If(inFire, () => p1U.set(bias(inp.payload)));
    passOneLogic();
  }
  function passOneDsp(): void {
    // u^2 is the SB_MAC16's product register, and acc2_lo = U2 modulo 2^32 its accumulator
    // (adder and 32-bit output register). Yosys 0.23 ice40_dsp packs the addition only when
    // the accumulator is no wider than the product it sees, and wreduce cuts u * u to 2B bits,
    // so the operands are u with 16 - B copies of p1_sq_pad on top: p1_sq_last & p1_valid, a
    // window's last sample in the square stage with another right behind it, which one
    // buffer never has (the buffer is busy after its last write), so the pad is always 0 and
    // the product u^2, as a full 32-bit product to Yosys. (Even if it were 1, its product
    // would be added in the clear cycle below, which adds nothing.)
    // Each addend is below 2^(2B) <= 2^31, so acc2_lo wraps at most once per addition, exactly
    // when its bit 31 goes from 1 to 0 (a wrap leaves less than the addend); acc2_top holds
    // bit 31 from before the addition, and acc2_hi counts the wraps (U2's bits above 32).
    // The statistics unit takes U1 = acc1 and U2 = {acc2_hi + wrap, acc2_lo} the cycle after
    // the window's last addition (p1_acc_last), and the accumulators clear in that same cycle,
    // which adds nothing (one buffer, see normalizerAccumulateDsp): in the DSP the output
    // register's load of 0 (OLOAD), in the fabric the flip-flops' synchronous reset.
    // Yosys 0.23 synth_ice40 -dsp, UP5K 1 ms design (N = 3600, B = 12): normalizer 355 -> 324
    // LUT4 (LUT accumulators -> this); without the pad, a 24-bit DSP accumulator (the product's
    // 2B bits) with a 12-bit wrap counter and a u >= 2897 test for the square's top bit: 336.
    const accW = Math.min(32, sw.u2);
    const hiW = sw.u2 - accW;
    const acc1 = m.reg('acc1', sw.u1, { reset: null });
    const p2sValid = m.reg('p1_sq_valid', 1, { reset: 0 });
    const p2sLast = m.reg('p1_sq_last', 1, { reset: 0 });
    const p2sU = m.reg('p1_sq_u', B, { reset: null });
    const p2sSq = m.reg('p1_sq_reg', 32, { reset: null });
    const accLast = m.reg('p1_acc_last', 1, { reset: 0 });
    const acc2Lo = m.reg('acc2_lo', accW, { reset: null });
    p2sValid.set(p1Valid);
    p2sLast.set(p1Valid.and(p1Last));
    accLast.set(p2sValid.and(p2sLast));
    p2sU.set(p1U);
    const pad = m.let('p1_sq_pad', p2sLast.and(p1Valid));
    const op = cat(pad.replicate(16 - B), p1U).asUnsigned(); // B <= 15 (normalizerAccumulateDsp)
    p2sSq.set(op.mul(op).trunc(32));
    const clear = m.let('acc_clear', m.rst.or(accLast));
    let u2: Expr = acc2Lo;
    if (hiW > 0) {
      const acc2Hi = m.reg('acc2_hi', hiW, { reset: null });
      const oldTop = m.reg('acc2_top', 1, { reset: null });
      const wrap = oldTop.and(acc2Lo.bit(accW - 1).not());
      const hiNext = m.let('acc2_hi_next', acc2Hi.add(wrap.zext(hiW)).trunc(hiW));
      m.If(clear, () => {
        acc2Hi.set(constant(0, hiW));
        oldTop.set(0);
      }).Else(() => {
        acc2Hi.set(hiNext);
        oldTop.set(acc2Lo.bit(accW - 1));
      });
      u2 = cat(hiNext, acc2Lo);
    }
    m.If(clear, () => {
      acc1.set(constant(0, sw.u1));
      acc2Lo.set(constant(0, accW));
    }).Else(() => {
      acc1.set(acc1.add(p2sU.zext(sw.u1)).trunc(sw.u1));
      acc2Lo.set(acc2Lo.add(p2sSq.trunc(accW)).trunc(accW));
    });
    stats.bind('start', accLast);
    stats.bind('u1', acc1);
    stats.bind('u2', u2.asUnsigned());
  }
  function passOneLogic(): void {
    // the accumulators clear on reset and after a window's last sample through one condition:
    // Yosys 0.23 maps a single clear to the flip-flops' synchronous reset, while a reset value
    // plus a second clear left a 2:1 mux per bit (60 LUT4 at N = 3600)
    const acc1 = m.reg('acc1', sw.u1, { reset: null });
    const acc2 = m.reg('acc2', sw.u2, { reset: null });
    // u^2 gets its own register stage: squarer and accumulator in one cycle were the block's
    // critical path on the UP5K (about 24 MHz)
    const p2sValid = m.reg('p1_sq_valid', 1, { reset: 0 });
    const p2sLast = m.reg('p1_sq_last', 1, { reset: 0 });
    const p2sU = m.reg('p1_sq_u', B, { reset: null });
    const p2sSq = m.reg('p1_sq_reg', 2 * B, { reset: null });
    p2sValid.set(p1Valid);
    p2sLast.set(p1Valid.and(p1Last));
    m.If(p1Valid, () => {
      p2sU.set(p1U);
      p2sSq.set(dsp.square ? p1U.mul(p1U) : multiplyShiftAdd(m, 'p1_sq', p1U, p1U, 2 * B));
    });
    const sum1 = m.let('sum1', acc1.add(p2sU.zext(sw.u1)).trunc(sw.u1));
    const sum2 = m.let('sum2', acc2.add(p2sSq.zext(Math.max(sw.u2, 2 * B)).trunc(sw.u2)).trunc(sw.u2));
    m.If(m.let('acc_clear', m.rst.or(p2sValid.and(p2sLast))), () => {
      acc1.set(constant(0, sw.u1));
      acc2.set(constant(0, sw.u2));
    }).Else(() => {
      m.If(p2sValid, () => {
        acc1.set(sum1);
        acc2.set(sum2);
      });
    });
    stats.bind('start', p2sValid.and(p2sLast));
    stats.bind('u1', sum1);
    stats.bind('u2', sum2);
  }
  m.If(inFire, () => {
    m.If(wLast, () => {
      if (wcnt) wcnt.set(constant(0, aw));
      if (wsel) {
        wsel.set(wsel.not());
        statsBuf!.set(wsel);
      }
    }).Else(() => {
      if (wcnt) wcnt.set(wcnt.add(1).trunc(aw));
    });
  });
  // lanes > 1: which memory the next sample goes to, and its address there
  const wlane = lanes > 1 ? m.reg('wlane', addressWidth(lanes), { reset: 0 }) : null;
  const waddr = lanes > 1 ? m.reg('waddr', bw, { reset: 0 }) : null;
  if (wlane && waddr) {
    m.If(inFire, () => {
      m.If(wLast, () => {
        wlane.set(constant(0, wlane.width));
        waddr.set(constant(0, bw));
      }).Elif(wlane.eq(lanes - 1), () => {
        wlane.set(constant(0, wlane.width));
        waddr.set(waddr.add(1).trunc(bw));
      }).Else(() => wlane.set(wlane.add(1).trunc(wlane.width)));
    });
  }

  // ---- pass 2 --------------------------------------------------------------------------
  const adv = m.let('adv', out.valid.not().or(out.ready));
  const p2Active = m.reg('p2_active', 1, { reset: 0 });
  const rcnt = ownCounters ? null : lanes > 1 ? m.reg('rcnt', bw, { reset: 0 }) : m.reg('rcnt', aw, { reset: 0 });
  const meanU = dsp.scale ? null : m.reg('mean_u', B, { reset: null });
  const recip = m.reg('recip', W, { reset: null });
  // logic: 3r and -r for the radix-4 product; dsp: ~mean_u, for the offset 2^B - mean_u that
  // makes the product's operand unsigned. Loaded once per window when pass 2 takes the statistics.
  const recip3 = dsp.scale ? null : m.reg('recip3', W + 2, { reset: null });
  const recipNeg = dsp.scale ? null : m.reg('recip_neg', W + 1, { signed: true, reset: null });
  // dsp: ~mean_u, so that u + 2^B - mean_u = u + ~mean_u + 1 is one addition (a subtraction
  // 2^B - mean_u cost Yosys 0.23 two LUT4s a bit, see const-compare.ts)
  const meanInv = dsp.scale ? m.reg('mean_inv', B, { reset: null }) : null;
  const aValid = m.reg('a_valid', 1, { reset: 0, enable: adv });
  const bValid = m.reg('b_valid', 1, { reset: 0, enable: adv });
  const cValid = m.reg('c_valid', 1, { reset: 0, enable: adv });
  // mean_u and r change only between windows, with pass 2's pipeline empty
  const take = m.let('stats_take', statsDone.and(p2Active.not()).and(aValid.not()).and(bValid.not()).and(cValid.not()));
  stats.bind('take', take);
  m.If(take, () => {
    p2Active.set(1);
    if (meanU) meanU.set(stats.out('mean_u'));
    const r = stats.out('recip');
    recip.set(r);
    if (recip3 && recipNeg) {
      recip3.set(r.add(r.shl(1)).trunc(W + 2));
      recipNeg.set(r.neg());
    }
    if (meanInv) meanInv.set(stats.out('mean_u_inv'));
    if (rsel) rsel.set(statsBuf!);
  });
  const issue = m.let('issue', p2Active.and(adv));
  const rLast = !rcnt ? (nb === 2 ? rsel!.select(bLast[1]!, bLast[0]!) : bLast[0]!) : lanes > 1 ? rcnt.eq(constant(beats - 1, bw)) : rcnt.eq(lastAddr);
  m.If(issue, () => {
    m.If(rLast, () => {
      if (rcnt) rcnt.set(constant(0, rcnt.width));
      p2Active.set(0);
    }).Else(() => {
      if (rcnt) rcnt.set(rcnt.add(1).trunc(rcnt.width));
    });
  });

  // busy: set by pass 1's last write, cleared by pass 2's last read (never both for one buffer)
  busy.forEach((bz, b) => {
    m.If(inFire.and(wLast).and(isSel(wsel, b)), () => bz.set(1));
    m.If(issue.and(rLast).and(isSel(rsel, b)), () => bz.set(0));
  });

  // window buffers: one shared address per buffer (single-port friendly)
  const buffers: Memory[] = [];
  const data: Signal[][] = Array.from({ length: lanes }, () => []);
  busy.forEach((bz, b) => {
    if (lanes === 1) {
      const mem = m.ram(`buf${b}`, { width: B, depth: n, ...(storage === 'spram' ? { style: 'huge' as const } : {}) });
      const addr = ownCounters ? bcnt[b]! : m.let(`buf${b}_addr`, bz.select(rcnt!, wcnt!));
      // `busy` in both enables is redundant logically (a buffer is written only while free and
      // read only while busy) but lets Yosys see that reads and writes never coincide, which a
      // single-port SPRAM (read data unchanged during a write) needs.
      const we = inFire.and(isSel(wsel, b)).and(bz.not());
      const re = issue.and(isSel(rsel, b)).and(bz);
      mem.write(addr, inp.payload.asUnsigned(), we);
      data[0]!.push(mem.read(addr, { enable: re }));
      if (ownCounters) {
        const c = bcnt[b]!;
        m.If(we.or(re), () => c.set(bLast[b]!.select(constant(0, aw), c.add(1).trunc(aw))));
      }
      buffers.push(mem);
      return;
    }
    // one memory per lane, all at the same address: pass 1 writes the lane of the sample,
    // pass 2 reads all lanes of a beat at once
    const addr = m.let(`buf${b}_addr`, bz.select(rcnt!, waddr!));
    for (let e = 0; e < lanes; e++) {
      const mem = m.ram(`buf${b}_l${e}`, { width: B, depth: beats, ...(storage === 'spram' ? { style: 'huge' as const } : {}) });
      mem.write(addr, inp.payload.asUnsigned(), inFire.and(isSel(wsel, b)).and(bz.not()).and(wlane!.eq(e)));
      data[e]!.push(mem.read(addr, { enable: issue.and(isSel(rsel, b)).and(bz) }));
      buffers.push(mem);
    }
  });
  const laneX = data.map((d) => (rsel ? rsel.select(d[1]!, d[0]!) : d[0]!));

  const sfx = (e: number) => (lanes > 1 ? `_l${e}` : '');
  const cProds = laneX.map((_, e) => m.reg(`c_prod${sfx(e)}`, B + 1 + W, { signed: true, reset: null, enable: adv }));
  aValid.set(issue);
  bValid.set(aValid);
  cValid.set(bValid);
  // per lane: offset or difference, product, clamp (lane e is sample lanes * beat + e)
  const zs = laneX.map((aX, e) => {
    const cProd = cProds[e]!;
    if (meanInv && opts.scaleSignedDsp) {
      // u + ~mean_u + 1 = u - mean_u + 2^B: its bit B is "u >= mean_u", the inverse of the
      // sign of u - mean_u, so flipping it gives u - mean_u in B+1 bits two's complement
      const off = carryAdd(bias(aX), meanInv, 1);
      const bDiff = m.reg(`b_diff${sfx(e)}`, B + 1, { signed: true, reset: null, enable: adv });
      bDiff.set(cat(off.bit(B).not(), off.slice(B - 1, 0)).asSigned());
      // the true product fits B+1+W signed bits (|u - mean_u| < 2^B, r < 2^W)
      const prod = m.let(`c_mul${sfx(e)}`, bDiff.mul(recip.zext(W + 1).asSigned()));
      cProd.set(prod.trunc(B + 1 + W).asSigned());
    } else if (meanInv) {
      // (u - mean_u) * r = (u + 2^B - mean_u) * r - r * 2^B: an unsigned (B+1) x W product that
      // fits one DSP (a signed x unsigned one would need W+1 signed bits for r), then r is
      // subtracted from the bits at and above B only (the low B bits pass through). Exact modulo
      // 2^(B+1+W), and the true product fits that signed width.
      const bOff = m.reg(`b_off${sfx(e)}`, B + 1, { reset: null, enable: adv });
      bOff.set(carryAdd(bias(aX), meanInv, 1));
      const prod = m.let(`c_mul${sfx(e)}`, bOff.mul(recip));
      cProd.set(cat(prod.slice(B + W, B).sub(recip.zext(W + 1)).trunc(W + 1).asUnsigned(), prod.slice(B - 1, 0)).asSigned());
    } else {
      const bDiff = m.reg(`b_diff${sfx(e)}`, B + 1, { signed: true, reset: null, enable: adv });
      bDiff.set(bias(aX).zext(B + 1).asSigned().sub(meanU!.zext(B + 1).asSigned()).trunc(B + 1));
      cProd.set(multiplyRadix4(m, `c_mul${sfx(e)}`, bDiff, recip, recip3!, recipNeg!, B + 1 + W));
    }
    return m.let(`z${sfx(e)}`, clampSigned(cProd.ashr(nz.recipBits - nz.fracBits), nz.outBits));
  });
  m.If(adv, () => {
    out.valid.set(cValid);
    m.If(cValid, () => out.payload.set(lanes === 1 ? zs[0]! : cat(...zs.slice().reverse())));
  });

  if (opts.exposeStats) {
    m.output('stats_valid', 1).set(take);
    m.output('stats_mean', B, { signed: true }).set(bias(stats.out('mean_u')).asSigned());
    m.output('stats_sdn', sw.sd).set(stats.out('sdn'));
    m.output('stats_recip', W).set(stats.out('recip'));
  }
  return m;
}

// ---- analytical model ------------------------------------------------------------------

export interface NormalizerTiming {
  /**
   * Steady-state cycles per window with the input always valid and the output always ready
   * (a long-run average: with two buffers consecutive windows alternate between two gaps).
   */
  cyclesPerWindow: number;
  /** cycles from the cycle the window's last sample is accepted to the cycle its first z is valid (idle pipeline) */
  latencyAfterLastSample: number;
  /** statistics unit steps (MUL + SQRT + RECIP); 0 for the offset kind */
  statsSteps: number;
}

/**
 * Cycle-level timing, derived from the block's structure (and checked against Verilator in
 * tests/gen/normalizer.test.ts). z-score: the last sample is accepted at cycle t; the sums
 * reach the statistics unit at t+2 (sample and square registers); its results are ready at
 * t+3+S (S = statsSteps); pass 2 takes them in that cycle when idle, issues reads from t+4+S,
 * and the first z leaves its output register at t+8+S (read, diff, product, clamp); with
 * accumulateDsp the unit starts a cycle later, from the accumulators (t+9+S). Pass 2
 * then issues one read per cycle (N cycles; with lanes, ceil(N / lanes) = R beats) and needs
 * its pipeline empty (4 more cycles) before taking the next window's statistics; the last
 * sample of the next window waits until the unit is free.
 *   one buffer:  pass 1 -> stats -> pass 2 -> pass 1 ...: N + R + S + 3 per window
 *   two buffers: window k+2 writes the buffer window k is read from, so two windows take
 *                N + R + S + 3 (an average of N + (S+3)/2 each with one lane), and never less
 *                than the input's N, the unit's own pace S + 4 or pass 2's R + 4.
 * offset: one z per cycle; the z of a sample is valid the cycle after it is accepted.
 */
export function normalizerTiming(opts: NormalizerOptions): NormalizerTiming {
  checkCommon(opts);
  const nz = opts.normalizer;
  if (nz.kind === 'offset') return { cyclesPerWindow: opts.n, latencyAfterLastSample: 1, statsSteps: 0 };
  const S = statsWidths(nz, opts.n, opts.sampleBits, STATS_SQRT_MOVE, normalizerStatsSquareDsp(opts)).steps;
  const n = opts.n;
  const beats = normalizerBeats(opts);
  // last sample accepted -> statistics ready; accumulateDsp: the unit takes the sums one cycle
  // later, from the accumulators' registers
  const toDone = PASS1_STAGES + 1 + S + (normalizerAccumulateDsp(opts) ? 1 : 0);
  // one lane: beats = N, and the two-buffer bound is N + (S+3)/2 as in the comment above
  const cyclesPerWindow = (opts.buffers ?? 2) === 1 ? n + beats + toDone : Math.max((n + beats + toDone) / 2, n, beats + PASS2_STAGES, toDone + 1);
  return { cyclesPerWindow, latencyAfterLastSample: toDone + 1 + PASS2_STAGES, statsSteps: S };
}

export interface NormalizerResources {
  lut4: number;
  ff: number;
  bram: number;
  spram: number;
  dsp: number;
}

/** Share of a pass-2 lane's LUT4s each lane beyond the first costs (see estimateNormalizerResources). */
const LANE_LUT_SHARE = 0.3;

/** SB_SPRAM256KA: 16384 words x 16 bits. */
const SPRAM_WORDS = 16384;
const SPRAM_WIDTH = 16;
/** Block RAM aspect ratios (depth x width): iCE40 SB_RAM40_4K, ECP5 DP16KD. */
const ICE40_BRAM_SHAPES: [number, number][] = [[256, 16], [512, 8], [1024, 4], [2048, 2]];
const ECP5_BRAM_SHAPES: [number, number][] = [[512, 36], [1024, 18], [2048, 9], [4096, 4], [8192, 2], [16384, 1]];

/**
 * Resources of the block, counted from its structure: FFs register by register (what Yosys
 * keeps; the product's bits below the shift are dropped), LUT4s as one per adder/comparator
 * bit plus the multipliers and muxes (LUT4 counts are iCE40's). Buffers: SPRAM blocks
 * (16K x 16) or block RAMs in the cheapest shape (iCE40 SB_RAM40_4K by default, ECP5 DP16KD
 * with family 'ecp5'). DSPs: one per product built with `mul` (multipliers 'dsp', operands
 * within DSP_OPERAND_BITS: one SB_MAC16 or MULT18X18D each). Compared with Yosys in
 * tests/gen/normalizer.test.ts.
 */
export function estimateNormalizerResources(opts: NormalizerOptions & { family?: 'ice40' | 'ecp5' }): NormalizerResources {
  checkCommon(opts);
  const nz = opts.normalizer;
  const B = opts.sampleBits;
  if (nz.kind === 'offset') {
    const w = Math.max(B, signedBits(nz.offset, nz.offset)) + 1;
    return { lut4: w + 2 * (w - nz.shift) + nz.outBits + 1, ff: nz.outBits + 1, bram: 0, spram: 0, dsp: 0 };
  }
  const n = opts.n;
  const nb = opts.buffers ?? 2;
  const squareDsp = normalizerStatsSquareDsp(opts);
  const s = statsWidths(nz, n, B, STATS_SQRT_MOVE, squareDsp);
  const W = nz.recipWidth;
  const aw = addressWidth(n);
  const sh = nz.recipBits - nz.fracBits;
  const cnt = Math.ceil(Math.log2(Math.max(s.mulSteps, s.sd, W)));
  // statistics unit: its own structural count (normalizer-stats.ts, fitted to Yosys)
  const stats = statsUnitResources(nz, n, B, STATS_SQRT_MOVE, normalizerDspProducts(opts).scale, squareDsp);
  const statsFf = stats.ff;
  const statsLut = stats.lut4;
  // lanes > 1: the buffers split into `lanes` memories of R = ceil(N / lanes) words (beat
  // address registers waddr and rcnt, a lane counter), and every pass-2 stage after the read
  // (buffer mux, diff or offset, product, clamp, output bits) once per lane. Each extra lane
  // costs its registers less the read data (held in the block RAMs' output registers) and
  // about LANE_LUT_SHARE of a lane's LUT4s (Yosys shares the muxes and merges the offset and
  // correction adders); fitted to Yosys 0.23 synth_ice40 -dsp at N = 3600, two lanes: 710 LUT4,
  // 494 FF (one lane 667 / 446)
  const lanes = opts.lanes ?? 1;
  const beats = normalizerBeats(opts);
  const bw = addressWidth(beats);
  const laneCtrlFf = lanes > 1 ? bw + addressWidth(lanes) + bw - aw : 0;

  // bufferCounters: one address counter per buffer instead of wcnt and rcnt
  const ownCounters = !!opts.bufferCounters && lanes === 1;
  const ctrlFf = nb + (nb === 2 ? 3 : 0) + (ownCounters ? nb : 2) * aw + 3 + 4 + laneCtrlFf;
  const dsp = normalizerDspProducts(opts);
  // a DSP square absorbs its output register (SB_MAC16's own); pass 2's DSP product needs
  // ~mean_u (B, from the statistics unit's inverted quotient) instead of mean_u, 3r and -r
  // accumulateDsp: U2's low 32 bits are the square's DSP accumulator; the fabric keeps its
  // wrap counter, the top bit before the addition and the take-the-sums flag
  const macDsp = normalizerAccumulateDsp(opts);
  const hiW = s.u2 - Math.min(32, s.u2);
  const p1Ff = B + B + (dsp.square ? 0 : 2 * B) + s.u1 + (macDsp ? hiW + (hiW > 0 ? 1 : 0) + 1 : s.u2);
  const laneFf = (B + 1) + Math.max(0, B + 1 + W - sh) + nz.outBits;
  const p2Ff = W + (dsp.scale ? B : B + (W + 2) + (W + 1)) + nb * B + lanes * laneFf + 1;
  // pass 1: u^2 and the two accumulators; pass 2: 3r and -r (logic) or the -r * 2^B
  // correction (dsp), buffer mux, diff, product, clamp
  // A DSP product takes no LUTs (SB_MAC16 holds the square's register and b_off); pass 2's
  // dsp product needs u + ~mean_u + 1 (one addition) and the r * 2^B correction.
  // accumulateDsp: U2's adder is the DSP's, the wrap counter an incrementer and the wrap test
  // a LUT4 (yosys 0.23 synth_ice40 -dsp, the UP5K 1 ms design's normalizer, one buffer:
  // 355 -> 324 LUT4, this count 31 fewer)
  const p1Lut = (dsp.square ? 0 : multiplyShiftAddLuts(B, B, 2 * B)) + s.u1 + (macDsp ? hiW + (hiW > 0 ? 1 : 0) : s.u2);
  // shared per window: 3r and -r (logic; none with dsp); per lane: the rest
  const scaleShared = dsp.scale ? 0 : (W + 2) + (W + 1);
  // dsp: the offset (B+1) and, unless scaleSignedDsp, the correction (W+1 bits)
  const scaleLane = dsp.scale ? B + 1 + (opts.scaleSignedDsp ? 0 : W + 1) : multiplyRadix4Luts(B + 1, B + 1 + W);
  const laneLut = scaleLane + (nb - 1) * B + (B + 1) + (B + 1 + W - sh) + 2 * nz.outBits;
  const p2Lut = scaleShared + laneLut * (1 + LANE_LUT_SHARE * (lanes - 1));
  // counters (add, compare, wrap), buffer address muxes, handshakes; lanes: the beat address
  // counter and a write enable per memory
  // bufferCounters: each buffer's counter (add, compare, wrap) and no address choice; yosys
  // 0.23 synth_ice40 -dsp, the UP5K reference design's normalizer (N = 3600, two SPRAM
  // buffers): 190 -> 169 LUT4 (this count 84 -> 63 here)
  const ctrlLut = ownCounters ? 2 * nb * aw + 15 : 4 * aw + nb * aw + 12 + (lanes > 1 ? bw + nb * lanes : 0);
  const storage = opts.bufferStorage ?? 'bram';
  const spramPer = lanes * Math.ceil(beats / SPRAM_WORDS) * Math.ceil(B / SPRAM_WIDTH);
  let bramPer = Infinity;
  const shapes = opts.family === 'ecp5' ? ECP5_BRAM_SHAPES : ICE40_BRAM_SHAPES;
  for (const [d, w] of shapes) bramPer = Math.min(bramPer, lanes * Math.ceil(beats / d) * Math.ceil(B / w));
  return {
    lut4: Math.ceil(statsLut + p1Lut + p2Lut + ctrlLut),
    ff: statsFf + ctrlFf + p1Ff + p2Ff,
    bram: storage === 'bram' ? nb * bramPer : 0,
    spram: storage === 'spram' ? nb * spramPer : 0,
    dsp: (dsp.square ? 1 : 0) + (dsp.scale ? lanes : 0) + (squareDsp ? STATS_SQUARE_DSPS : 0),
  };
}

