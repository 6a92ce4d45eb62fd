/**
 * Logit unit (qmodel LogitOutput): per output channel c and (pooled) position value a,
 *   v = (a >= 0 ? pos_c * a : neg_c * a) + bias_c, logit_c = sum of v over the positions.
 * Being linear on each side of zero, the sum is pos_c * Spos_c + neg_c * Sneg_c + P * bias_c
 * with Spos = sum of the non-negative a and Sneg = sum of the negative a. The unit keeps
 *   S_c = sum of all a  and  N_c = Sneg_c,  logit_c = pos_c * S_c + (neg_c - pos_c) * N_c + bias_c * P
 * so the accumulators are plain adders (N_c only adds when a < 0; no operand gating).
 *
 * Why serial. Positions arrive as words of `lanes` channels. With all C channels in one word
 * (lanes = C, possibly one word per cycle) the accumulation is parallel, one adder per sum.
 * The multiply happens once per window; an earlier version multiplied all C channels at once
 * with constant shift-add trees and multiplexed the C results out, which cost ~6.5k LUT4 on
 * ECP5 for 17 channels. Here one Horner loop of the logit width does it channel by channel:
 * over the K bits of the three constants (two's complement, MSB first, K = the widest of them),
 *   acc <- 2 acc + x_j,  x_j = k1_j S_0 + k2_j N_0 + kb_j P,
 * with the MSB step subtracting (acc <- -x_0). The constants' bits come from a case-statement
 * ROM indexed by (channel, step). The sums are read out through their own registers: after a
 * channel's logit is taken, S and N shift down one channel (S_c <- S_c+1, zero into the top),
 * so channel 0 always holds the one being multiplied, no C:1 multiplexer is needed, and after
 * C shifts every sum is zero, ready for the next window.
 * Fold-serial input (lanes < C, from the fold-serial pool of a folded engine): each position
 * comes as C/lanes words in channel order (word f holds channels f*lanes .. f*lanes+lanes-1).
 * The sums then form a ring that turns by `lanes` channels per word: the bottom `lanes`
 * entries (the word's channels) go, with the word added, to the top, the rest move down, so
 * after C/lanes words the ring is back in channel order. Only `lanes` adders per sum kind
 * (instead of C), and with lanes = 1 a ring step and a read-out step are the same shift, so
 * the sum registers need no choice at all. The negative sum then adds a gated value (the
 * ring always turns) instead of skipping the add with a clock enable.
 * Intermediate Horner values may wrap;
 * arithmetic is modulo 2^logitWidth and the final logit fits, so it is exact.
 * Timing: while multiplying the unit takes no input. The Horner loop is pipelined (constants'
 * bits and the addend x each in a register, see below), so a channel takes K + 1 states: x of
 * the MSB is computed in the first, the K Horner steps follow, and the K-th loads the logit
 * into the output register (held there while the output register is full); with the output
 * always ready the C logits leave K + 1 cycles apart (logitTailCycles: C (K + 1) + 1).
 * Logits are integers in units of 2^-fracBits, exactly the reference's values.
 *
 * DSP form (logitUnitDsp, on the iCE40 UP5K: multipliers 'dsp', one lane, see logitUsesDsp):
 * with one value per cycle one multiplier keeps up with the input, so the slope is applied to
 * each value as it arrives and the ring holds the logits themselves; the Horner loop, its
 * constants' ROM and the S/N sums go (aami5's last layer: 206 -> 35 LUT4 alone, 1 SB_MAC16).
 */
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import type { LogitOutput } from '../../src/model/qmodel.ts';
import { counterBits, signedBits } from '../widths.ts';

export interface LogitOptions {
  fns: LogitOutput['fns'];
  /** width of each signed input value */
  accWidth: number;
  /**
   * channels per input word (dividing C; default C): fewer means fold-serial input, C/lanes
   * words per position in channel order (see the file comment)
   */
  lanes?: number;
  /** positions per image */
  positions: number;
  /**
   * 'dsp': with one lane, multiply each value by its slope in a DSP cell (SB_MAC16) and
   * accumulate the logits there (see logitUnitDsp); 'logic' (default) or any case the DSP
   * form does not cover (logitUsesDsp): the sums and the serial Horner multiply
   */
  multipliers?: 'dsp' | 'logic';
  name?: string;
}

/** Width of the logits: bounds every value the unit can produce. */
export function logitWidth(o: Pick<LogitOptions, 'fns' | 'accWidth' | 'positions'>): number {
  const amax = 2 ** (o.accWidth - 1);
  let b = 0;
  for (const f of o.fns) b = Math.max(b, o.positions * amax * (Math.abs(f.pos) + Math.abs(f.neg)) + o.positions * Math.abs(f.bias));
  return signedBits(-b, b);
}

/** The three per-channel constants the Horner loop multiplies S, N and P by. */
export function logitConstants(f: LogitOutput['fns'][number]): [number, number, number] {
  return [f.pos, f.neg - f.pos, f.bias];
}

/** Horner steps per channel: bits of the widest two's-complement constant. */
export function logitSteps(fns: LogitOutput['fns']): number {
  let k = 2;
  for (const f of fns) for (const v of logitConstants(f)) k = Math.max(k, signedBits(v, v));
  return k;
}

/** Operand width of the iCE40's SB_MAC16 multiplier (16 x 16, signed) and its 32-bit adder. */
const MAC_SIDE = 16;
const MAC_OUT = 32;
/**
 * synth_ice40 -dsp maps a product to SB_MAC16 only from 11 bits on (DSP_Y_MINWIDTH); a smaller
 * one became a LUT multiplier (3 channels, 6-bit values, 4-bit slopes: 104 LUT4), so those keep
 * the Horner unit.
 */
const MAC_MIN_PRODUCT = 11;

/** Bits of the per-value multiplier: the widest of the pos and neg constants (two's complement). */
function slopeBits(fns: LogitOutput['fns']): number {
  let k = 2;
  for (const f of fns) k = Math.max(k, signedBits(f.pos, f.pos), signedBits(f.neg, f.neg));
  return k;
}

/**
 * The multipliers the logit unit uses on a target: 'dsp' only on iCE40 devices with SB_MAC16
 * cells (the UP5K; the HX8K has none). Measured there (yosys 0.23 synth_ice40 -dsp, aami5's
 * last layer, one lane): 35 LUT4 / 179 FF / 1 SB_MAC16 instead of 206 LUT4 / 243 FF. ECP5 keeps
 * the Horner unit, so that its designs stay as they were (its place-and-route runs are cached);
 * there the same unit alone (synth_ecp5) took 146 LUT4 + 17 CCU2C / 179 FF / 1 MULT18X18D
 * instead of 183 + 45 / 243 (Yosys folds no adder into MULT18X18D: the 28-bit accumulation
 * stays in CCU2C).
 */
export function logitMultipliersFor(target: { family: string; resources: { dsp: number } }): 'dsp' | 'logic' {
  return target.family === 'ice40' && target.resources.dsp > 0 ? 'dsp' : 'logic';
}

/**
 * Whether the unit multiplies in a DSP (logitUnit's 'dsp' form, see there): asked for
 * (multipliers 'dsp'), fold-serial with one lane (one value, so one product, per cycle), the
 * value and the slopes within the SB_MAC16's 16 x 16 signed operands and the logit within its
 * 32-bit adder, so that Yosys folds the accumulation into the cell.
 */
export function logitUsesDsp(o: Pick<LogitOptions, 'fns' | 'accWidth' | 'positions' | 'lanes' | 'multipliers'>): boolean {
  const product = Math.min(o.accWidth + slopeBits(o.fns), logitWidth(o));
  return o.multipliers === 'dsp' && (o.lanes ?? o.fns.length) === 1 && o.accWidth <= MAC_SIDE && slopeBits(o.fns) <= MAC_SIDE && logitWidth(o) <= MAC_OUT && product >= MAC_MIN_PRODUCT;
}

/** Width of the S and N sums. */
function sumWidth(o: Pick<LogitOptions, 'accWidth' | 'positions'>): number {
  return signedBits(-o.positions * 2 ** (o.accWidth - 1), o.positions * 2 ** (o.accWidth - 1));
}

/**
 * Cycles from the last position's input handshake to the last logit's output handshake, with
 * the output always ready: C channels of K + 1 states each (the addend register's first load,
 * then K Horner steps; the first state runs in the cycle after that handshake; each channel's
 * K-th Horner step loads the output register, which the consumer takes in the next cycle):
 * C (K + 1) + 1. Before the Horner loop was pipelined C K + 1; the old parallel unit took C + 1.
 */
export function logitTailCycles(fns: LogitOutput['fns'], form?: Omit<Parameters<typeof logitUsesDsp>[0], 'fns'>): number {
  // the DSP form (logitUnitDsp): one logit per cycle out of the ring, then the output register
  if (form && logitUsesDsp({ ...form, fns })) return fns.length + 1;
  return fns.length * (logitSteps(fns) + 1) + 1;
}

/** Width of the Horner addend x = k1 S + k2 N + kb P (before wrapping to the logit width). */
function addendWidth(o: Pick<LogitOptions, 'accWidth' | 'positions'>): number {
  const b = 2 * o.positions * 2 ** (o.accWidth - 1) + o.positions;
  return signedBits(-b, b);
}

/**
 * Whether Yosys 0.23 puts the constants' case-statement ROM (address {channel, step}) into a
 * block RAM: it did at 1,024 entries (17 channels, 18 steps: one SB_RAM40_4K on the iCE40, one
 * DP16KD on ECP5, in every placed ecgbnn-s-rhythm17 design) and kept it in LUTs at 256 (5
 * channels). 512 entries were not observed; they are counted as LUTs.
 */
export function logitRomInBram(o: Pick<LogitOptions, 'fns'>): boolean {
  return counterBits(o.fns.length) + counterBits(logitSteps(o.fns) + 1) >= 10;
}

/**
 * LUT4 and FF estimate of this unit (iCE40 cells; on ECP5 the adders go to CCU2C, so LUT4 is
 * about half). Structure, C channels, L lanes per word, SW sum bits, XW addend bits, LW logit
 * bits, K steps:
 * - FF: the 2C sums (2 C SW), Horner accumulator (LW), output register (LW + 1), the
 *   pipeline's addend register (min(XW, LW)) and constants' bits (3), counters of input
 *   words, channels and K + 1 states, two state bits;
 * - LUT4, parallel input (L = C): per sum bit an adder LUT and the shift/add choice
 *   (4 C SW); fold-serial (L < C): per lane an adder per sum kind, the negative one gated
 *   (3 L SW), and, unless L = 1, the choice between a ring step and a read-out step per sum
 *   bit (2 C SW); with L = 1 only the top entries choose (sum or zero; fitted: 4 SW in all);
 * - the Horner datapath, gated S + N, + P, xor and the logit-wide adder
 *   (1.25 (SW + XW) + 1.75 LW, fitted); the case ROM of 3 C K constant bits (one LUT4 per 6
 *   bits, fitted), or none when Yosys puts it in a block RAM (logitRomInBram).
 * Calibrated with yosys 0.23 synth_ice40 on the unit alone: C = 17 (rhythm17: accWidth 10,
 * 27 positions, K = 14) 1,124 LUT4 / 591 FF, estimate 1,220 / 594; C = 5 (accWidth 9,
 * 1 position, K = 4) 266 / 149, estimate 259 / 150; C = 5 (rhythm17's first five channels)
 * 420 / 229, estimate 414 / 230. Fold-serial (ring): aami5's last layer
 * (C = 5, L = 1, accWidth 10, 27 positions, K = 18) 195 / 243, estimate 193 / 244; C = 6, L = 2
 * (accWidth 9, 1 position) 244 / 170, estimate 244 / 171. (Before the Horner loop was
 * pipelined: 1,221 / 259 / 413 / 193 / 239 LUT4, the case ROM then merged into fewer LUTs
 * at C = 17; before the Horner step became one adder: 1,239 / 268 / 433 / 219 / 250.)
 */
export function logitUnitResources(o: Pick<LogitOptions, 'fns' | 'accWidth' | 'positions' | 'lanes' | 'multipliers'>): { lut4: number; ff: number; bram: number; dsp: number } {
  if (logitUsesDsp(o)) return logitDspResources(o);
  const C = o.fns.length;
  const L = o.lanes ?? C;
  const SW = sumWidth(o);
  const XW = addendWidth(o);
  const LW = logitWidth(o);
  const K = logitSteps(o.fns);
  const ff = 2 * C * SW + LW + (LW + 1) + Math.min(XW, LW) + 3 + counterBits(o.positions * (C / L)) + counterBits(C) + counterBits(K + 1) + 2;
  const sums = L === C ? 4 * C * SW : L === 1 ? 4 * SW : 3 * L * SW + 2 * C * SW;
  const inBram = logitRomInBram(o);
  const lut4 = sums + Math.round(1.25 * (SW + XW) + 1.75 * LW) + (inBram ? 0 : Math.ceil((3 * C * K) / 6));
  return { lut4, ff, bram: inBram ? 1 : 0, dsp: 0 };
}

/**
 * LUT4 and FF estimate of the DSP form (logitUnitDsp), C channels, P positions, LW logit bits,
 * KW slope bits:
 * - FF: the ring of C logits and the output register (C LW + LW + 1), the counters of positions
 *   and channels, `emitting` and `init`;
 * - LUT4: the slope ROM, KW bits of a function of the channel and the sign (one LUT4 per bit
 *   up to 4 address bits, about 2^(a - 4) beyond), the two counters (a LUT per bit) and ~12 of
 *   control; the product and the accumulation are in the SB_MAC16, the constants' load in the
 *   flip-flops' set/reset.
 * Calibrated with yosys 0.23 synth_ice40 -dsp on the unit alone: aami5's last layer (C = 5,
 * accWidth 10, 27 positions, KW 14) 35 LUT4 / 179 FF, estimate 34 / 179; rhythm17's (C = 17,
 * KW 13) 76 / 481, estimate 74 / 481; C = 6 (accWidth 9, 1 position, KW 4) 19 / 98, estimate
 * 20 / 98.
 */
function logitDspResources(o: Pick<LogitOptions, 'fns' | 'accWidth' | 'positions'>): { lut4: number; ff: number; bram: number; dsp: number } {
  const C = o.fns.length;
  const LW = logitWidth(o);
  const addrBits = counterBits(C) + 1;
  const rom = slopeBits(o.fns) * 2 ** Math.max(0, addrBits - 4);
  const counters = counterBits(o.positions) + counterBits(C);
  return { lut4: rom + counters + 12, ff: C * LW + LW + 1 + counters + 2, bram: 0, dsp: 1 };
}

export function logitUnit(o: LogitOptions): Module {
  if (logitUsesDsp(o)) return logitUnitDsp(o);
  const C = o.fns.length;
  const L = o.lanes ?? C;
  if (!Number.isInteger(L) || L < 1 || C % L !== 0) throw new RangeError(`logitUnit: lanes ${L} must divide the ${C} channels`);
  const W = o.accWidth;
  const LW = logitWidth(o);
  const SW = sumWidth(o);
  const K = logitSteps(o.fns);
  const P = o.positions;
  const words = P * (C / L);
  const m = new Module(o.name ?? `logits_${C}ch${L < C ? `_l${L}` : ''}_a${W}_n${P}`, {
    description: L < C ? 'logits: fold-serial ring of the sums of all and of negative values, serial Horner multiply, channel-order stream' : 'logits: sums of all and of negative values per channel, serial Horner multiply, channel-order stream',
    params: { channels: C, lanes: L, accWidth: W, positions: P, logitWidth: LW, steps: K },
  });
  const inp = m.streamIn('in', L * W);
  const out = m.streamOut('out', LW, { signed: true, reg: true });
  const pos = m.reg('pos', counterBits(words));
  const emitting = m.reg('emitting', 1);
  const ch = m.reg('ch', counterBits(C));
  const step = m.reg('step', counterBits(K + 1));
  const acc = m.reg('acc', LW, { reset: null });
  // No reset on the sums (a reset over a clock enable costs a LUT per bit on iCE40): after
  // reset the unit shifts zeros through them for C cycles (`clearing`), and after that the
  // read-out shift leaves them at zero for the next window.
  const clearing = m.reg('clearing', 1, { reset: 1 });
  const busy = m.let('busy', emitting.or(clearing));
  inp.ready.set(busy.not());
  const fire = m.let('fire', inp.valid.and(busy.not()));
  const canLoad = out.valid.not().or(out.ready);
  const lastStep = m.let('last_step', step.eq(K));
  // the sums move down one channel: while clearing, and when a logit enters the output register
  const shift = m.let('shift', clearing.or(emitting.and(lastStep).and(canLoad)));
  const values = Array.from({ length: L }, (_, l) => inp.payload.slice(l * W + W - 1, l * W).asSigned());
  const zero = constant(0, SW, true);
  const sAll: Signal[] = [];
  const sNeg: Signal[] = [];
  if (L === C) {
    // explicit clock enables, so each sum bit is an adder bit plus a 2:1 shift/add choice
    for (let c = 0; c < C; c++) {
      sAll.push(m.reg(`s${c}`, SW, { signed: true, reset: null, enable: m.let(`s${c}_en`, fire.or(shift)) }));
      sNeg.push(m.reg(`n${c}`, SW, { signed: true, reset: null, enable: m.let(`n${c}_en`, fire.and(values[c]!.bit(W - 1)).or(shift)) }));
    }
    for (let c = 0; c < C; c++) {
      const a = values[c]!.sext(SW);
      sAll[c]!.set(shift.select(c + 1 < C ? sAll[c + 1]! : zero, sAll[c]!.add(a).trunc(SW)));
      sNeg[c]!.set(shift.select(c + 1 < C ? sNeg[c + 1]! : zero, sNeg[c]!.add(a).trunc(SW)));
    }
  } else {
    // the ring: a word moves channels by L (its own L, summed, to the top), read-out by 1
    const en = m.let('sums_en', fire.or(shift));
    for (let c = 0; c < C; c++) {
      sAll.push(m.reg(`s${c}`, SW, { signed: true, reset: null, enable: en }));
      sNeg.push(m.reg(`n${c}`, SW, { signed: true, reset: null, enable: en }));
    }
    const ringNext = (sums: Signal[], c: number, added: (l: number) => Expr): Expr => {
      const down = c + 1 < C ? sums[c + 1]! : zero;
      const turn = c + L < C ? sums[c + L]! : added(c + L - C);
      if (L === 1 && c + 1 < C) return down;
      return shift.select(down, turn);
    };
    const addAll = values.map((v, l) => m.let(`sum_all${l}`, sAll[l]!.add(v.sext(SW)).trunc(SW)));
    const addNeg = values.map((v, l) => m.let(`sum_neg${l}`, sNeg[l]!.add(v.bit(W - 1).select(v.sext(SW), zero)).trunc(SW)));
    for (let c = 0; c < C; c++) {
      sAll[c]!.set(ringNext(sAll, c, (l) => addAll[l]!));
      sNeg[c]!.set(ringNext(sNeg, c, (l) => addNeg[l]!));
    }
  }

  // ---- accumulation: one word per cycle ------------------------------------------------------
  m.If(fire, () => {
    m.If(pos.eq(words - 1), () => {
      pos.set(0);
      emitting.set(1);
    }).Else(() => pos.set(pos.add(1).trunc(pos.width)));
  });

  // ---- constants' bits for (channel, step): step 0 is the MSB ------------------------------
  // Pipelined (the case ROM alone is ~6 LUT levels on iCE40, and ROM, the addend's two adders
  // and the logit-wide Horner adder in one cycle were the UP5K's critical path, ~40 ns). A
  // channel takes K + 1 states, step = 0 .. K: in state s < K the addend register `xr` loads
  // x of bit s, in states s >= 1 the Horner step uses xr (bit s - 1), and state K loads the
  // output. The ROM's register `kb` holds the bits of (ch, step): it loads in every emitting
  // state the bits of the next state's step, so the ROM's table is the constants' bits shifted
  // by one step (states K - 1 and K hold the next channel's MSB bits, the last channel's wrap to
  // channel 0, which is also kb's reset value and stays there while idle).
  const stepBits = step.width;
  const constBits = (c: number, s: number): number => {
    const ks = logitConstants(o.fns[c]!);
    const bitOf = (v: number) => Number((BigInt.asUintN(K, BigInt(v)) >> BigInt(K - 1 - s)) & 1n);
    return bitOf(ks[0]) | (bitOf(ks[1]) << 1) | (bitOf(ks[2]) << 2);
  };
  const bitsByValue = new Map<number, number[]>();
  for (let c = 0; c < C; c++) {
    for (let s = 0; s <= K; s++) {
      const value = s + 1 < K ? constBits(c, s + 1) : constBits((c + 1) % C, 0);
      if (value === 0) continue;
      const list = bitsByValue.get(value) ?? [];
      list.push(c * 2 ** stepBits + s);
      bitsByValue.set(value, list);
    }
  }
  const kbitsNext = m.wire('kbits_next', 3);
  const romAddr = m.let('rom_addr', cat(ch, step));
  m.Switch(romAddr, (sw) => {
    for (const [value, addrs] of [...bitsByValue.entries()].sort((a, b) => a[0] - b[0])) sw.Case(addrs, () => kbitsNext.set(constant(value, 3)));
  });
  const kbits = m.reg('kb', 3, { reset: constBits(0, 0), enable: emitting });
  kbits.set(kbitsNext);

  // ---- addend x = k1 S + k2 N + kb P, registered (negated form at the MSB step) ------------
  const XW = addendWidth(o);
  const XR = Math.min(XW, LW);
  const partial = m.let('partial', kbits.bit(0).select(sAll[0]!, zero).add(kbits.bit(1).select(sNeg[0]!, zero)));
  const x = m.let('x', partial.sext(XW).add(kbits.bit(2).select(constant(P, XW, true), constant(0, XW, true))).trunc(XW));
  // the MSB step's -x = ~x + 1: the inversion goes into xr (it commutes with the sign
  // extension to the logit width), the + 1 enters the Horner adder's bit 0
  // (not in state K, whose Horner step may wait for the output register with xr as operand)
  const xr = m.reg('xr', XR, { reset: null, enable: m.let('xr_en', lastStep.not()) });
  xr.set(x.trunc(XR).asUnsigned().xor(step.eq(0).replicate(XR)));

  // ---- Horner step: acc <- 2 acc + x (bit 0, state 1: acc <- -x) ---------------------------
  const xl = XR < LW ? xr.asSigned().sext(LW).asUnsigned() : xr;
  const msb = m.let('msb_step', step.eq(1));
  // acc is 0 at a channel's MSB step (cleared when a logit leaves, in state 0 and while idle),
  // so 2 acc needs no choice, and the step's + 1 enters at 2 acc's bit 0: one adder
  const next = m.let('horner', cat(acc.slice(LW - 2, 0), msb).add(xl).trunc(LW));

  m.If(clearing, () => {
    m.If(ch.eq(C - 1), () => {
      ch.set(0);
      clearing.set(0);
    }).Else(() => ch.set(ch.add(1).trunc(ch.width)));
  });

  m.If(out.valid.and(out.ready), () => out.valid.set(0));
  m.If(emitting, () => {
    m.If(lastStep.not(), () => {
      acc.set(next);
      step.set(step.add(1).trunc(stepBits));
    }).Elif(canLoad, () => {
      // the channel's last step goes straight to the output register; then the sums move down
      out.valid.set(1);
      out.payload.set(next.asSigned());
      step.set(0);
      m.If(ch.eq(C - 1), () => {
        ch.set(0);
        emitting.set(0);
      }).Else(() => ch.set(ch.add(1).trunc(ch.width)));
    });
  });
  // one clear condition, assigned last, so Yosys uses the flip-flops' synchronous reset
  m.If(emitting.not().or(step.eq(0)).or(lastStep.and(canLoad)), () => acc.set(constant(0, LW)));
  return m;
}

/**
 * The DSP form (fold-serial, one lane): one value a of channel c per cycle, and the logit
 * ring holds the logits themselves, L_c <- L_c + (a < 0 ? neg_c : pos_c) * a, initialized to
 * bias_c * P. The product and the accumulation are one SB_MAC16 (Yosys 0.23 folds the adder
 * whose other operand is the ring's bottom into the cell's 32-bit adder), the slope comes from
 * a case ROM addressed by (channel, sign of a), and the ring's constants are loaded through
 * the flip-flops' synchronous set/reset (free on iCE40) by one `init` condition for all
 * entries: after reset and with the last logit's read-out. Read-out turns the ring by one
 * per logit (the bottom goes to the output register, the top takes a don't-care sum), so the
 * C logits leave one per cycle: logitTailCycles C + 1, no Horner loop and no S/N sums.
 */
function logitUnitDsp(o: LogitOptions): Module {
  const C = o.fns.length;
  const W = o.accWidth;
  const LW = logitWidth(o);
  const P = o.positions;
  const KW = slopeBits(o.fns);
  const m = new Module(o.name ?? `logits_${C}ch_l1_a${W}_n${P}_dsp`, {
    description: 'logits: fold-serial ring of the logits, each value times its slope accumulated in a DSP, channel-order stream',
    params: { channels: C, lanes: 1, accWidth: W, positions: P, logitWidth: LW, slopeBits: KW },
  });
  const inp = m.streamIn('in', W);
  const out = m.streamOut('out', LW, { signed: true, reg: true });
  const pos = m.reg('pos', counterBits(P));
  // the channel at the ring's bottom (the input's channel while accumulating)
  const ch = m.reg('ch', counterBits(C));
  const emitting = m.reg('emitting', 1);
  // one cycle after reset: loads the ring's constants (no power-on values needed)
  const init = m.reg('init', 1, { reset: 1 });
  init.set(0);
  const busy = m.let('busy', emitting.or(init));
  inp.ready.set(busy.not());
  const fire = m.let('fire', inp.valid.and(busy.not()));
  const canLoad = out.valid.not().or(out.ready);
  const shift = m.let('shift', emitting.and(canLoad));
  const lastCh = m.let('last_ch', ch.eq(C - 1));
  const a = inp.payload.asSigned();

  // ---- slope ROM, address {channel, sign} ----------------------------------------------------
  const slope = m.wire('slope', KW, { signed: true });
  const byValue = new Map<number, number[]>();
  for (let c = 0; c < C; c++) {
    for (const neg of [0, 1]) {
      const f = o.fns[c]!;
      const v = Number(BigInt.asUintN(KW, BigInt(neg ? f.neg : f.pos)));
      if (v === 0) continue;
      const list = byValue.get(v) ?? [];
      list.push(2 * c + neg);
      byValue.set(v, list);
    }
  }
  m.Switch(cat(ch, a.bit(W - 1)), (sw) => {
    for (const [v, addrs] of [...byValue.entries()].sort((x, y) => x[0] - y[0])) sw.Case(addrs, () => slope.set(constant(v, KW).asSigned()));
  });

  // ---- the ring of logits: the top takes bottom + slope * a -----------------------------------
  const en = m.let('ring_en', fire.or(shift).or(init));
  const ring: Signal[] = [];
  // The top entry takes its clock enable from an If, not from the register's enable: then its
  // load of the constant has priority over the enable (Yosys $sdffe), which ice40_dsp does not
  // try to pack as the cell's output register. With the enable outside the load ($sdffce), as
  // for the others, it matches it, then rejects the whole adder (an output register with a
  // synchronous reset is only taken for an accumulator), and the adder stays in LUTs.
  for (let c = 0; c < C; c++) ring.push(m.reg(`l${c}`, LW, { signed: true, reset: null, ...(c + 1 < C ? { enable: en } : {}) }));
  // the product as wide as the logit (a sign-extended): Yosys folds an adder into the cell
  // only when its operand is the $mul's whole output, not a sign extension of it
  const product = a.sext(Math.max(W, LW - KW)).mul(slope).trunc(LW);
  const mac = m.let('mac', ring[0]!.add(product).trunc(LW));
  for (let c = 0; c + 1 < C; c++) ring[c]!.set(ring[c + 1]!);
  m.If(en, () => ring[C - 1]!.set(mac));

  m.If(en.and(init.not()), () => ch.set(lastCh.select(constant(0, ch.width), ch.add(1).trunc(ch.width))));
  m.If(fire.and(lastCh), () => {
    m.If(pos.eq(P - 1), () => {
      pos.set(0);
      emitting.set(1);
    }).Else(() => pos.set(pos.add(1).trunc(pos.width)));
  });
  m.If(out.valid.and(out.ready), () => out.valid.set(0));
  m.If(shift, () => {
    out.valid.set(1);
    out.payload.set(ring[0]!);
    m.If(lastCh, () => emitting.set(0));
  });
  // one load condition, assigned last, so Yosys uses the flip-flops' synchronous set/reset
  m.If(init.or(shift.and(lastCh)), () => {
    for (let c = 0; c < C; c++) ring[c]!.set(constant(BigInt.asUintN(LW, BigInt(o.fns[c]!.bias * P)), LW).asSigned());
  });
  return m;
}

/** TypeScript model: the logits of one image given its positions' values (position-major). */
export function logitModel(fns: LogitOutput['fns'], values: number[][]): number[] {
  return fns.map((f, c) => values.reduce((s, row) => s + (row[c]! >= 0 ? f.pos * row[c]! : f.neg * row[c]!) + f.bias, 0));
}
