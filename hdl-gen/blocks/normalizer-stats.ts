/**
 * The z-score normalizer's once-per-window statistics unit: from the window's sums of the
 * biased samples u = x + 2^(B-1) (unsigned, so no signed division is needed)
 *   U1 = sum u,  U2 = sum u^2
 * it computes, one bit per cycle,
 *   mean_u = floor(U1 / N)                (= floor(S1 / N) + 2^(B-1): the bias passes through)
 *   D      = N*U2 - U1^2                  (= N*S2 - S1^2: shift invariant)
 *   sdN    = isqrt(D)
 *   r      = min(floor(N*2^recipBits / max(sdN, 1)), 2^recipWidth - 1)
 * exactly as src/model/normalizer.ts (zscoreStats) does in bigints.
 *
 * Phases (a down counter `cnt` steps through each):
 *   NEG   (1 cycle): the addend register (below) takes ~U1 through its own choice.
 *   PREP  (1 cycle): registers U2 + ~U1 (= U2 - U1 - 1) from u2_hold and the addend register,
 *         so that each Horner step below adds one of 0, U2, ~U1, U2 + ~U1 and U1_i (a 4:1 mux
 *         and one adder instead of two adders in series; ~U1 + 1 = -U1, the + 1 entering at
 *         2*acc's always-zero bit 0). The addend's 0 is its flip-flops' synchronous reset.
 *   LOAD  (1 cycle): registers the first Horner step's addend. Every MUL step registers the
 *         next step's addend (the 4:1 mux of N's and U1's next bits), so the adder's operand
 *         comes straight from flip-flops: mux + 44-bit adder in one cycle was the UP5K's
 *         critical path (31-32.5 ns) once the logit unit and line buffers were pipelined.
 *   MUL   (L = max(bits(N), bits(U1)) cycles): Horner over bit i from the top,
 *         acc = 2*acc + N_i*U2 - U1_i*U1 (after the last step acc = N*U2 - U1^2); in the same
 *         cycles a restoring division of U1 by the constant N shifts U1's bits through `dv`
 *         and leaves the quotient there (L quotient bits; only the low B can be non-zero).
 *   SQRT  (ceil(bits(D)/2) digits): digit-by-digit square root, two bits of D per root bit,
 *         taken from the top of acc, which moves up two bits per digit (one cycle per digit),
 *         or, with sqrtMove 'adder', one bit per cycle through the Horner adder (2 acc + 0:
 *         two cycles per digit but the last, and acc has a single input).
 *   RECIP (recipWidth cycles): restoring division of the constant N*2^recipBits by
 *         max(sdN,1) (sdN's register with bit 0 forced when D = 0; remainder in rc_rem). With T = floor(num / 2^W): r saturates exactly when max(sdN,1) <= T;
 *         otherwise the quotient has at most W bits, so the division starts from remainder T
 *         and shifts in num's low W bits.
 *   The root is also kept inverted, so both restoring steps subtract by adding (a + ~b + 1;
 *   Yosys 0.23 gives a subtraction two LUT4s per bit on iCE40, an addition one, and merges the
 *   restoring choice into it; see blocks/const-compare.ts): with RECIP's own remainder
 *   register and the saturation test as a bit chain, the unit went from 400 to 351 LUT4 at
 *   N = 3600, B = 12 (64 steps, 46 more FFs); 'adder' then gives 313 LUT4 at 86 steps.
 *   Session 6 (Yosys 0.23, the unit alone at N = 3600, B = 12, 'adder'): the addend's 0 as a
 *   reset 358 -> 330, saturation as forced quotient bits 330 -> 314, ~U1 for PREP from the
 *   addend register (NEG, one more step) 314 -> 292 LUT4; 88 steps. In the UP5K smallest
 *   design the normalizer went 614 -> 513 LUT4 (stats unit 369 -> 292).
 *   squareDsp (iCE40 UP5K, see buildStatsUnit): U1^2 comes from three DSP products, the
 *   Horner adds only N_i*U2 and, in its last step, -U1^2; no NEG and PREP (86 steps at
 *   N = 3600, B = 12): the unit went 292 -> 228 LUT4, 352 -> 322 FF for 3 SB_MAC16.
 *   DONE  results held until `take`; then IDLE.
 * Ports: start (accepted in IDLE), u1, u2; idle, done, take; mean_u, sdn, recip.
 */
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import type { ZScoreNormalizer } from '../../src/model/qmodel.ts';
import { counterBits, unsignedBits } from '../widths.ts';
import { carryAdd, ltConst } from './const-compare.ts';

/** Register widths and step counts of the statistics unit (shared with the timing model). */
export interface StatsWidths {
  n: number;
  sampleBits: number;
  /** U1 = sum u, unsigned */
  u1: number;
  /** U2 = sum u^2, unsigned */
  u2: number;
  /** bits of the constant N */
  nBits: number;
  /** MUL phase steps: max(nBits, u1) */
  mulSteps: number;
  /**
   * Horner accumulator: 2 sd bits. The Horner steps are additions and doublings, exact modulo
   * 2^acc, and 0 <= D < 2^d <= 2^acc, so the partials (which can be negative or wider) need no
   * more bits than D itself.
   */
  acc: number;
  /** D = N*U2 - U1^2 <= N^2 * (2^B - 1)^2 / 4 (Popoviciu: variance <= range^2 / 4) */
  d: number;
  /** sdN, and the root's digit steps: ceil(d / 2) (the SQRT phase takes 2 sd - 1 cycles) */
  sd: number;
  /** numerator N * 2^recipBits */
  num: bigint;
  /** T = floor(num / 2^recipWidth): the saturation threshold on max(sdN, 1) */
  satT: bigint;
  recip: number;
  /** (NEG + PREP +) LOAD + MUL + SQRT + RECIP steps (squareDsp: no NEG, PREP) */
  steps: number;
}

/**
 * How the SQRT phase moves acc: 'shift' (default) shifts it by two bits per digit, one cycle per
 * digit, through a 2:1 choice per acc bit; 'adder' moves it one bit per cycle through the
 * Horner adder (2 acc + 0), two cycles per digit: 38 LUT4 fewer at N = 3600, B = 12
 * (351 -> 313) for 22 more steps (64 -> 86).
 */
export type StatsSqrtMove = 'shift' | 'adder';

/**
 * Whether the unit can take U1^2 from DSP products (squareDsp): U1's two halves must fit a
 * DSP_OPERAND_BITS x DSP_OPERAND_BITS multiplier, and N must be even, so that the Horner step of
 * N's bit 0 (which adds -U1^2) adds nothing else (an odd N would need U2 - U1^2 there, the
 * adder this mode removes).
 */
export function statsSquareDspFits(n: number, sampleBits: number): boolean {
  const u1 = unsignedBits(BigInt(n) * ((1n << BigInt(sampleBits)) - 1n));
  return n % 2 === 0 && u1 >= 4 && Math.ceil(u1 / 2) <= STATS_DSP_OPERAND_BITS;
}

/**
 * Whether squareDsp pays: U1's halves of at least 10 bits. Below that Yosys 0.23 builds the
 * smallest product in LUTs (N = 16, B = 8, halves of 6 bits: 169 -> 186 LUT4 with 2 DSPs);
 * from 11-bit halves on it saves 61-80 LUT4 (statsUnitResources).
 */
export function statsSquareDspPays(n: number, sampleBits: number): boolean {
  const u1 = unsignedBits(BigInt(n) * ((1n << BigInt(sampleBits)) - 1n));
  return statsSquareDspFits(n, sampleBits) && Math.ceil(u1 / 2) >= 10;
}

/** DSP cells of the squareDsp mode (U1^2 as three products). */
export const STATS_SQUARE_DSPS = 3;

/** Operand width of the iCE40 SB_MAC16 multiplier (16 x 16), for the squareDsp mode. */
const STATS_DSP_OPERAND_BITS = 16;

export function statsWidths(nz: ZScoreNormalizer, n: number, sampleBits: number, sqrtMove: StatsSqrtMove = 'shift', squareDsp = false): StatsWidths {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`normalizer window length must be an integer >= 2, got ${n}`);
  if (nz.recipBits < nz.fracBits) throw new RangeError('zscore normalizer needs recipBits >= fracBits');
  if (squareDsp && !statsSquareDspFits(n, sampleBits)) throw new RangeError(`normalizer statistics: U1^2 from DSP products needs an even N and U1 halves of at most ${STATS_DSP_OPERAND_BITS} bits (N = ${n}, ${sampleBits}-bit samples)`);
  const N = BigInt(n);
  const uMax = (1n << BigInt(sampleBits)) - 1n;
  const u1 = unsignedBits(N * uMax);
  const u2 = unsignedBits(N * uMax * uMax);
  const nBits = unsignedBits(N);
  const mulSteps = Math.max(nBits, u1);
  const d = unsignedBits((N * N * uMax * uMax) / 4n);
  const sd = Math.ceil(d / 2);
  const acc = 2 * sd;
  const num = N << BigInt(nz.recipBits);
  const satT = num >> BigInt(nz.recipWidth);
  return { n, sampleBits, u1, u2, nBits, mulSteps, acc, d, sd, num, satT, recip: nz.recipWidth, steps: (squareDsp ? 1 : 3) + mulSteps + (sqrtMove === 'adder' ? 2 * sd - 1 : sd) + nz.recipWidth };
}

const PHASE = { IDLE: 0, MUL: 1, SQRT: 2, RECIP: 3, DONE: 4, PREP: 5, LOAD: 6, NEG: 7 } as const;

export function buildStatsUnit(nz: ZScoreNormalizer, n: number, sampleBits: number, name?: string, sqrtMove: StatsSqrtMove = 'shift', squareDsp = false): Module {
  const w = statsWidths(nz, n, sampleBits, sqrtMove, squareDsp);
  const B = sampleBits;
  const W = nz.recipWidth;
  const m = new Module(name ?? `nz_stats_n${n}_b${B}_r${nz.recipBits}w${W}`, {
    description: 'z-score normalizer statistics: mean, isqrt(N*S2 - S1^2), reciprocal scale, one bit per cycle',
    params: { n, sampleBits: B, recipBits: nz.recipBits, recipWidth: W, ...(squareDsp ? { squareDsp: 1 } : {}) },
  });
  const start = m.input('start', 1);
  const u1In = m.input('u1', w.u1);
  const u2In = m.input('u2', w.u2);
  const take = m.input('take', 1);

  const phase = m.reg('phase', 3, { reset: PHASE.IDLE });
  const cnt = m.reg('cnt', counterBits(Math.max(w.mulSteps, w.sd, W)), { reset: null });
  const cntLast = cnt.eq(0);
  const cntNext = cnt.sub(1).trunc(cnt.width).asUnsigned();

  // MUL: Horner accumulator and the mean divider
  const u1 = m.reg('u1_hold', w.u1, { reset: null });
  const u2 = m.reg('u2_hold', w.u2, { reset: null });
  const acc = m.reg('acc', w.acc, { signed: true, reset: null });
  // Neither bit comes from a mux indexed by the counter in the step's own cycle, which was
  // the critical path: U1's bits leave the top of the mean divider's shift register `dv`
  // (below), and N's bit is registered one step ahead, looked up from the counter (N is a
  // constant, so the lookup is a small function of cnt instead of a shift register).
  const nW = w.nBits;
  const dvRem = m.reg('dv_rem', nW, { reset: null });
  const dv = m.reg('dv', w.mulSteps, { reset: null });
  const nBit = m.reg('n_bit', 1, { reset: null });
  const nBitOf = (k: number): number => Number((BigInt(n) >> BigInt(k)) & 1n);
  // nBitAfter[c] = N's bit for the step after the one at cnt = c
  let nBitAfter = 0n;
  for (let c = 1; c <= w.mulSteps - 1; c++) nBitAfter |= BigInt(nBitOf(c - 1)) << BigInt(c);
  const nBitNext = constant(nBitAfter, 1 << cnt.width).shr(cnt).bit(0);
  const u1Bit = dv.bit(w.mulSteps - 1);

  // N_i*U2 - U1_i*U1 = N_i*U2 + U1_i*(~U1) + U1_i, and ~U1 = -U1 - 1: the step adds one of
  // 0, U2, ~U1, U2 + ~U1 (the last registered in PREP) behind a 4:1 mux, and the + U1_i
  // goes into bit 0 of 2*acc, which is always 0 (no negation register, no carry-in)
  // (declared before the addend, as before squareDsp existed: same Verilog without it)
  const u2PlusNotU1: Signal | null = squareDsp ? null : m.reg('u2_plus_not_u1', w.u2 + 1, { signed: true, reset: null });
  // operands to acc's width (modular: sign- or zero-extended, or cut, as the sum needs no more)
  const toAcc = (e: Expr): Expr => (e.width >= w.acc ? e.trunc(w.acc) : e.extend(w.acc)).asSigned();
  // the addend of the step being taken, registered a step ahead (LOAD above); 0 in SQRT
  const addend = m.reg('horner_addend', w.acc, { signed: true, reset: null });
  const inLoad = phase.eq(PHASE.LOAD);
  const inMul = phase.eq(PHASE.MUL);
  let addendNext: Expr;
  let addendZero: Expr;
  let hornerCarry: Expr;
  if (squareDsp) {
    // U1^2 from three DSP products (iCE40 SB_MAC16, synth_ice40 -dsp): with U1 = a 2^k + b,
    //   P1 = b*b,  P2 = a*b + (P1 >> (k+1)),  P3 = a*a + (P2 >> (k-1))
    //   U1^2 = P3 2^(2k) + P2[k-2:0] 2^(k+1) + P1[k:0]
    // (2ab's factor 2 is P2's weight 2^(k+1), so no operand is shifted, which kept Yosys 0.23
    // from packing the addition into the DSP). Each addition sits in its DSP's adder and each
    // product in its output register, so U1^2 costs no LUT4; it settles 5 cycles after
    // u1_hold loads (with the high-bit registers below), long before the MUL phase's last
    // step reads it. The Horner steps then add
    // only N_i*U2 (U2 or 0, the 0 as the addend's reset), and the last step (N's bit 0, which
    // is 0 for an even N) adds ~U1^2 + 1: a 2:1 choice per addend bit instead of the 4:1 one
    // with PREP's U2 + ~U1 adder and NEG's cycle.
    const k = Math.ceil(w.u1 / 2);
    const a = u1.slice(w.u1 - 1, k).asUnsigned();
    const b = u1.slice(k - 1, 0).asUnsigned();
    const p1 = m.reg('sq_p1', 2 * k, { reset: null });
    const p2 = m.reg('sq_p2', 2 * k + 1, { reset: null });
    const p3 = m.reg('sq_p3', 2 * k + 1, { reset: null });
    // Each DSP adds the previous one's high bits from a register of their own (which becomes
    // the next DSP's C/D input register): added straight from sq_p1 / sq_p2, Yosys 0.23
    // ice40_dsp packed that one flip-flop twice, as the previous DSP's product register and as
    // the next DSP's D input register, and left the next DSP's D input undriven (x in the
    // netlist: U1^2 wrong on the chip while the RTL was right). Two more cycles until U1^2
    // settles (5 after u1_hold loads), no LUT4.
    const p1Hi = m.reg('sq_p1_hi', k - 1, { reset: null });
    const p2Hi = m.reg('sq_p2_hi', k + 2, { reset: null });
    p1.set(b.mul(b));
    p1Hi.set(p1.slice(2 * k - 1, k + 1));
    p2.set(a.mul(b).zext(2 * k + 1).add(p1Hi.zext(2 * k + 1)).trunc(2 * k + 1));
    p2Hi.set(p2.slice(2 * k, k - 1));
    p3.set(a.mul(a).zext(2 * k + 1).add(p2Hi.zext(2 * k + 1)).trunc(2 * k + 1));
    const sq = cat(p3.slice(2 * k - 1, 0), p2.slice(k - 2, 0), p1.slice(k, 0)).asUnsigned();
    // the next step is the last one (N's bit 0): MUL at cnt = 1
    const nextLast = inMul.and(cnt.eq(1));
    const nbSel = inLoad.select(nBit, nBitNext); // N's bit 0 is 0: no U2 in the last step
    addendNext = nextLast.select(toAcc(sq.not()), toAcc(u2));
    addendZero = nbSel.or(nextLast).not();
    // ~U1^2 + 1 = -U1^2, the + 1 into 2*acc's bit 0 in the last step, registered a step ahead:
    // decoded from phase and cnt in the step itself it led the UP5K's critical path into the
    // adder's carry chain (34.5 MHz)
    const cin = m.reg('horner_cin', 1, { reset: null });
    cin.set(nextLast);
    hornerCarry = cin;
  } else {
    const notU1 = u1.zext(w.u1 + 1).not().asSigned(); // -U1 - 1
    // 0 is not a choice here but the flip-flops' synchronous reset (addendZero below)
    const addendOf = (nb: Expr, ub: Expr) => nb.select(ub.select(toAcc(u2PlusNotU1!), toAcc(u2)), toAcc(notU1));
    // after this MUL step, dv's top bit is the bit now below it
    const u1BitNext = w.mulSteps > 1 ? dv.bit(w.mulSteps - 2) : constant(0, 1);
    // one 4:1 choice per bit, its two selects chosen per phase (two choices cost ~100 LUT4 more)
    // NEG loads ~U1 (N_i = 0, U1_i = 1) for PREP's U2 + ~U1
    const inNeg = phase.eq(PHASE.NEG);
    const nbSel = inLoad.select(nBit, inNeg.select(constant(0, 1), nBitNext));
    const ubSel = inLoad.select(u1Bit, inNeg.select(constant(1, 1), u1BitNext));
    addendNext = addendOf(nbSel, ubSel);
    addendZero = nbSel.or(ubSel).not();
    hornerCarry = u1Bit;
  }
  const accDouble = cat(acc.slice(w.acc - 2, 0), hornerCarry).asSigned(); // 2*acc + carry, modular (the next value fits)
  const hornerNext = m.let('horner_next', accDouble.add(addend).trunc(w.acc));

  const dvTrial = cat(dvRem, dv.bit(w.mulSteps - 1)); // nW + 1 bits, < 2N
  // one addition of the constant 2^(nW+1) - N serves as the comparison too: its carry out says
  // whether the divisor fits (a subtraction costs Yosys 0.23 two LUT4s a bit, see
  // const-compare.ts: 32 -> 20 LUT4 at N = 3600)
  const dvDiff = m.let('dv_diff', dvTrial.zext(nW + 2).add(constant((1n << BigInt(nW + 1)) - BigInt(n), nW + 2)).trunc(nW + 2));
  const dvFits = dvDiff.bit(nW + 1);
  const dvRemNext = m.let('dv_rem_next', dvFits.select(dvDiff.trunc(nW).asUnsigned(), dvTrial.trunc(nW)));
  const dvNext = w.mulSteps > 1 ? cat(dv.slice(w.mulSteps - 2, 0), dvFits) : dvFits;
  // the mean's bits also inverted (output mean_u_inv): pass 2 adds ~mean_u + 1 = 2^B - mean_u
  // as a plain addition (normalizer.ts); unused, Yosys removes it
  const dvInv = m.reg('dv_inv', B, { reset: null });
  const dvInvNext = B > 1 ? cat(dvInv.slice(B - 2, 0), dvFits.not()) : dvFits.not();

  // SQRT: D's bit pairs come out of the top of acc's low 2*sd bits. acc moves up through the
  // Horner adder itself (2 acc + 0: in SQRT, U1's bit (the mean's top quotient bit) and N's
  // bit are 0), one bit per cycle, so a digit step takes two cycles and acc needs no second
  // input (a 2:1 choice per bit).
  const sdW = w.sd;
  const sqRoot = m.reg('sq_root', sdW, { reset: null });
  // the root also inverted: each subtraction below is then an addition (const-compare.ts)
  const sqRootInv = m.reg('sq_root_inv', sdW, { reset: null });
  const half = sqrtMove === 'adder' ? m.reg('sq_half', 1, { reset: null }) : null;
  const sqRem = m.reg('sq_rem', sdW + 2, { reset: null });
  const dPair = acc.slice(2 * sdW - 1, 2 * sdW - 2);
  const sqShifted = cat(sqRem.slice(sdW - 1, 0), dPair); // 4*rem + pair; rem <= 2*root < 2^sd
  // 4*root + 1 (sdW + 2 bits) inverted, plus one: {1.., ~root, 1, 0} + 1 = {1.., ~root, 1, 1}
  const rootLow = sdW - 2 >= 0 ? sdW - 2 : 0;
  const trialBits = rootLow + 3;
  const sqTrialInvPlus1 = trialBits < sdW + 2 ? cat(constant((1 << (sdW + 2 - trialBits)) - 1, sdW + 2 - trialBits), sqRootInv.slice(rootLow, 0), constant(3, 2)) : cat(sqRootInv.slice(rootLow, 0), constant(3, 2));
  const sqSum = m.let('sq_sum', carryAdd(sqShifted, sqTrialInvPlus1, 0)); // 4*rem + pair - (4*root + 1) + 2^(sd+2)
  const sqFits = sqSum.bit(sdW + 2);
  const sqRemNext = m.let('sq_rem_next', sqFits.select(sqSum.trunc(sdW + 2), sqShifted));
  const sqRootNext = sdW > 1 ? cat(sqRoot.slice(sdW - 2, 0), sqFits) : sqFits;
  const sqRootInvNext = sdW > 1 ? cat(sqRootInv.slice(sdW - 2, 0), sqFits.not()) : sqFits.not();

  // RECIP: divisor max(sdN, 1) = sdN with bit 0 forced when D = 0 (then sdN = 0), so no
  // zero test sits in the division's carry path; D = 0 is told by a sticky OR of the bit
  // pairs leaving acc, without a wide comparison.
  const dNonZero = m.reg('d_nonzero', 1, { reset: null });
  const dNonZeroNext = dNonZero.or(dPair.reduceOr());
  const divisor = m.let('rc_divisor', sdW > 1 ? cat(sqRoot.slice(sdW - 1, 1), sqRoot.bit(0).or(dNonZero.not())) : sqRoot.bit(0).or(dNonZero.not()));
  // ~max(sdN, 1): its bit 0 is cleared when D = 0 as the last root digit is stored (below), so
  // the division's carry chain starts at flip-flops (an AND in front of it was the UP5K
  // normalizer's longest path, 28.8 ns)
  const divisorInv = sqRootInv;
  const bit0Inv = sqFits.not().and(dNonZeroNext);
  const sqRootInvLast = sdW > 1 ? cat(sqRootInv.slice(sdW - 2, 0), bit0Inv) : bit0Inv;
  const saturate = m.let('rc_saturate', ltConst(divisor, w.satT + 1n));
  const remInit = w.satT < 1n << BigInt(sdW) ? w.satT : 0n; // unused when saturating
  const numLow = w.num & ((1n << BigInt(W)) - 1n);
  // its own remainder register: sharing sq_rem cost a 2:1 choice (a LUT4) per bit
  const rcRem = m.reg('rc_rem', sdW, { reset: null });
  const rcQ = m.reg('rc_q', W, { reset: null });
  const rcTrial = cat(rcRem, rcQ.bit(W - 1)); // < 2 * divisor
  const rcSum = m.let('rc_sum', carryAdd(rcTrial, cat(constant(1, 1), divisorInv), 1)); // trial - divisor + 2^(sd+1)
  const rcFits = rcSum.bit(sdW + 1);
  const rcRemNext = m.let('rc_rem_next', rcFits.select(rcSum.trunc(sdW), rcTrial.trunc(sdW)));
  // saturation forces every quotient bit to 1, so after W steps rc_q = 2^W - 1 without a
  // separate load of that constant (a 3-way choice per bit: 25 -> 9 LUT4 at W = 16)
  const rcBit = rcFits.or(saturate);
  const rcQNext = W > 1 ? cat(rcQ.slice(W - 2, 0), rcBit) : rcBit;

  m.Switch(phase, (sw) => {
    sw.Case(PHASE.IDLE, () => {
      m.If(start, () => {
        u1.set(u1In);
        u2.set(u2In);
        dv.set(u1In.zext(w.mulSteps));
        nBit.set(nBitOf(w.mulSteps - 1));
        cnt.set(constant(w.mulSteps - 1, cnt.width));
        phase.set(constant(squareDsp ? PHASE.LOAD : PHASE.NEG, 3));
      });
    });
    if (u2PlusNotU1) {
      const sum = u2PlusNotU1;
      sw.Case(PHASE.NEG, () => {
        addend.set(addendNext);
        phase.set(constant(PHASE.PREP, 3));
      });
      sw.Case(PHASE.PREP, () => {
        // ~U1 from the addend's flip-flops: computed from u1_hold here, the inversion cost a LUT4
        // per bit in front of the carry chain (61 -> 37 LUT4 at N = 3600, B = 12)
        sum.set(u2.zext(w.u2 + 1).asSigned().add((w.acc >= w.u2 + 1 ? addend.trunc(w.u2 + 1) : addend.extend(w.u2 + 1)).asSigned()).trunc(w.u2 + 1));
        phase.set(constant(PHASE.LOAD, 3));
      });
    }
    sw.Case(PHASE.LOAD, () => {
      addend.set(addendNext);
      phase.set(constant(PHASE.MUL, 3));
    });
    sw.Case(PHASE.MUL, () => {
      dNonZero.set(0);
      acc.set(hornerNext);
      dvRem.set(dvRemNext);
      dv.set(dvNext);
      dvInv.set(dvInvNext);
      nBit.set(nBitNext);
      addend.set(addendNext);
      cnt.set(cntNext);
      m.If(cntLast, () => {
        addend.set(constant(0, w.acc, true)); // SQRT's 2 acc + 0
        cnt.set(constant(sdW - 1, cnt.width));
        phase.set(constant(PHASE.SQRT, 3));
      });
    });
    sw.Case(PHASE.SQRT, () => {
      const digit = (): void => {
        sqRem.set(sqRemNext);
        sqRoot.set(sqRootNext);
        sqRootInv.set(sqRootInvNext);
        dNonZero.set(dNonZeroNext);
        cnt.set(cntNext);
        m.If(cntLast, () => {
          sqRootInv.set(sqRootInvLast);
          rcQ.set(constant(numLow, W));
          cnt.set(constant(W - 1, cnt.width));
          phase.set(constant(PHASE.RECIP, 3));
        });
      };
      if (half) {
        acc.set(hornerNext);
        m.If(half, () => half.set(0)).Else(() => {
          half.set(1);
          digit();
        });
      } else {
        acc.set(cat(acc.slice(w.acc - 3, 0), constant(0, 2)).asSigned());
        digit();
      }
    });
    sw.Case(PHASE.RECIP, () => {
      rcRem.set(rcRemNext);
      rcQ.set(rcQNext);
      cnt.set(cntNext);
      m.If(cntLast, () => phase.set(constant(PHASE.DONE, 3)));
    });
    sw.Case(PHASE.DONE, () => {
      m.If(take, () => phase.set(constant(PHASE.IDLE, 3)));
    });
  });

  // Registers that must start a phase at 0 are cleared in every cycle where their value is
  // not used, by a last (highest-priority) assignment: Yosys maps that to the flip-flops'
  // synchronous reset instead of one more mux input per bit.
  m.If(inMul.or(phase.eq(PHASE.SQRT)).not(), () => acc.set(constant(0, w.acc, true)));
  m.If(inMul.not(), () => dvRem.set(constant(0, nW)));
  // the step adds nothing (N_i = U1_i = 0). Outside LOAD and MUL this only ever clears the
  // addend, which SQRT needs at 0 and the other phases do not read.
  m.If(addendZero, () => addend.set(constant(0, w.acc, true)));
  // RECIP's remainder starts at T: loaded (sync set/reset bits) in every cycle before RECIP
  m.If(phase.eq(PHASE.RECIP).not(), () => rcRem.set(constant(remInit, sdW)));
  m.If(inMul, () => {
    sqRoot.set(constant(0, sdW));
    sqRootInv.set(constant((1n << BigInt(sdW)) - 1n, sdW));
    if (half) half.set(0);
    sqRem.set(constant(0, sdW + 2));
  });

  m.output('idle', 1).set(phase.eq(PHASE.IDLE));
  m.output('done', 1).set(phase.eq(PHASE.DONE));
  m.output('mean_u', B).set(dv.slice(B - 1, 0));
  m.output('mean_u_inv', B).set(dvInv);
  m.output('sdn', sdW).set(sqRoot);
  m.output('recip', W).set(rcQ);
  return m;
}

/**
 * LUT4 and FF of the unit on iCE40 (Yosys 0.23 synth_ice40). FFs register by register; LUT4s
 * fitted on the unit alone at five geometries (N/B = 16/8, 360/12, 1000/11, 3600/12, 3600/16;
 * this formula within 2 %): 'adder' 170, 266, 268, 293, 338 LUT4; 'shift' 184, 298, 301, 330,
 * 384 (before the addend's 0 became a reset, ~U1 came from the addend register, saturation a
 * forced quotient bit and acc 2 sd bits: 'adder' 358 at 3600/12). The Horner adder and its
 * registered 4:1 addend choice, PREP's U2 + ~U1, the two restoring steps (additions with the
 * inverted root) and the mean divider all grow with acc and sd; inside the normalizer Yosys
 * counts a few more (369 for 358 before). meanInv: the mean's inverted copy (output
 * mean_u_inv) is used (pass 2 with a DSP product); Yosys removes it otherwise.
 * estimateNormalizerResources (normalizer.ts) counts the unit with this function.
 */
export function statsUnitResources(nz: ZScoreNormalizer, n: number, sampleBits: number, sqrtMove: StatsSqrtMove = 'shift', meanInv = false, squareDsp = false): { lut4: number; ff: number } {
  const s = statsWidths(nz, n, sampleBits, sqrtMove, squareDsp);
  const cnt = counterBits(Math.max(s.mulSteps, s.sd, s.recip));
  const half = sqrtMove === 'adder' ? 1 : 0;
  // phase, cnt, U1, U2, U2 + ~U1, n_bit, acc, addend, dv_rem, dv, dv_inv, root, ~root, half, sq_rem, rc_rem, d_nonzero, rc_q
  // the addend's bits above U2 + ~U1's sign are copies of it, which Yosys merges (but for 2)
  const ff = 3 + cnt + s.u1 + s.u2 + (s.u2 + 1) + 1 + s.acc + Math.min(s.acc, s.u2 + 4) + s.nBits + s.mulSteps + (meanInv ? sampleBits : 0) + s.sd + s.sd + half + (s.sd + 2) + s.sd + 1 + s.recip;
  const lut4 = sqrtMove === 'adder' ? 2.625 * (s.acc + 2 * s.sd) + 57 : 3.125 * (s.acc + 2 * s.sd) + 48;
  if (squareDsp) {
    // no PREP adder and register (U2 + ~U1), and a 2:1 addend choice instead of the 4:1 one
    // (whose ~U1 input spans U1's bits); the products sit in the DSPs' own registers. Yosys
    // 0.23 synth_ice40 -dsp, 'adder', N/B = 360/12, 1000/11, 3600/12, 3600/16: 201, 206, 228,
    // 257 LUT4 (this formula 202, 201, 226, 254) and 286, 285, 322, 374 FF.
    return { lut4: Math.round(lut4 - (s.u2 + 1) - 1.5 * s.u1), ff: ff - (s.u2 + 1) + 6 };
  }
  return { lut4: Math.round(lut4), ff };
}

/** The unit's results in TypeScript (for tests of the unit alone): same formulas, bigints. */
export function statsModel(u1: bigint, u2: bigint, nz: ZScoreNormalizer, n: number): { meanU: bigint; sdn: bigint; recip: bigint } {
  const N = BigInt(n);
  const d = N * u2 - u1 * u1;
  if (d < 0n) throw new RangeError('unreachable sums: N*U2 < U1^2');
  // floor(sqrt(d)) by bisection (independent of the Newton iteration in src/model)
  let lo = 0n;
  let hi = 1n;
  while (hi * hi <= d) hi <<= 1n;
  while (lo < hi) {
    const mid = (lo + hi + 1n) >> 1n;
    if (mid * mid <= d) lo = mid;
    else hi = mid - 1n;
  }
  const sdn = lo;
  const rFull = (N << BigInt(nz.recipBits)) / (sdn > 0n ? sdn : 1n);
  const rMax = (1n << BigInt(nz.recipWidth)) - 1n;
  return { meanU: u1 / N, sdn, recip: rFull < rMax ? rFull : rMax };
}

