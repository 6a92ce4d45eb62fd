/**
 * Threshold unit: PE lanes, each mapping its channel's integer pre-activation `a` to one bit.
 * Lane l serves channel c = fold * PE + l; with several folds the lane's parameters come from
 * a small LUT ROM indexed by `fold` (a case statement), with one fold they are constants.
 *
 * Every bit function becomes a union of intervals with an optional inversion,
 *   bit = (OR_k  lo_k <= a <= hi_k) XOR inv
 *   ge t: [t, +inf]   le t: [-inf, t]   in: [lo, hi]   out: inverted [lo, hi]
 *   const v: no interval, inverted when v = 1   table: the runs of ones
 * so one datapath serves mixed kinds. A table's runs are taken over the channel's reachable
 * values only (src/model/shapes.ts): unreachable values are don't-care, so runs separated
 * only by unreachable values merge into one interval. Bounds are clamped to the
 * accumulator's range; a comparison whose bound is the range end in every fold is omitted.
 *
 * Where the per-fold parameters live (`params`): 'case' is a case statement over `fold`
 * (LUTs, read combinationally); 'reg' is the same case statement read through a register
 * (the parameters' varying bits in flip-flops: the fold counter, the case statement's LUT
 * levels and the comparator's carry chain were one path of ~37 ns on the UP5K); 'rom' is one
 * ROM word per fold holding every lane's fold-dependent parameters, in block RAM, which reads
 * through a register. Both registered forms take `fold_next` instead of `fold`, the fold
 * whose parameters the unit must apply in the NEXT cycle (they read every cycle). The engine drives it from a fold counter that advances when a
 * fold's result is accepted, with the counter's next value, so the read register always holds
 * the parameters of the fold in flight, through stalls too (the pre-read of blocks/fold-pool.ts).
 */
import type { BitFunction } from '../../src/model/qmodel.ts';
import { hexBit } from '../../src/model/qmodel.ts';
import { reachableValues, type ReachableSet } from '../../src/model/shapes.ts';
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import { counterBits } from '../widths.ts';

export interface Intervals {
  /** inclusive bounds; -Infinity / Infinity for an open side */
  parts: [number, number][];
  inv: 0 | 1;
}

/** The interval form of one bit function (see the file comment). */
export function fnIntervals(fn: BitFunction, reachable?: ReachableSet): Intervals {
  switch (fn.kind) {
    case 'ge':
      return { parts: [[fn.t, Infinity]], inv: 0 };
    case 'le':
      return { parts: [[-Infinity, fn.t]], inv: 0 };
    case 'in':
      return { parts: fn.lo <= fn.hi ? [[fn.lo, fn.hi]] : [], inv: 0 };
    case 'out':
      return { parts: fn.lo <= fn.hi ? [[fn.lo, fn.hi]] : [], inv: 1 };
    case 'const':
      return { parts: [], inv: fn.v === 1 ? 1 : 0 };
    case 'table': {
      const values = reachable ? reachableValues(reachable).filter((a) => a >= fn.min && a < fn.min + fn.size) : Array.from({ length: fn.size }, (_, i) => fn.min + i);
      const parts: [number, number][] = [];
      let run: [number, number] | null = null;
      for (const a of values) {
        if (hexBit(fn.bits, a - fn.min)) {
          if (run) run[1] = a;
          else run = [a, a];
        } else if (run) {
          parts.push(run);
          run = null;
        }
      }
      if (run) parts.push(run);
      return { parts, inv: 0 };
    }
  }
}

export interface ThresholdOptions {
  /** one function per channel; channels = fns.length, a multiple of pe */
  fns: BitFunction[];
  pe: number;
  /** width of the signed pre-activation */
  accWidth: number;
  /** reachable sets per channel (to merge table runs over unreachable values) */
  reachable?: ReachableSet[];
  /**
   * Split outputs for pooling before the function (see splitSlots): instead of `bits`, the
   * unit outputs `cmp`, per lane l and interval slot k the bits G = a >= lo_k at
   * [l*2S + k] and L = a <= hi_k at [l*2S + S + k]. Max-pooling then ORs the G bits and ANDs
   * the L bits, and splitCombine finishes: bit = (OR_k G_k & L_k) XOR inv.
   */
  split?: boolean;
  /**
   * per-fold parameters from a case statement (default), the case statement through a
   * register, or a block-RAM ROM (see the file comment)
   */
  params?: 'case' | 'reg' | 'rom';
  /**
   * Count input: the lanes carry unsigned counts u (accWidth bits) and every function applies
   * to a = 2u - countOffset (the engine's binary lanes accumulate raw popcounts and leave the
   * offset and the factor 2 to the bounds, see countIntervals). Default: a itself, signed.
   */
  countOffset?: number;
  /**
   * Registered parameters ('reg', 'rom') load only when the input `ce` is high: `fold_next`
   * is then the fold whose parameters the next enabled edge loads (the engine's fold of the
   * group entering the accumulator, so they stay aligned with it through stalls, no fold
   * counter of its own). Default: they load every cycle.
   */
  enable?: boolean;
  /**
   * 'rom' only: the ROM word's width limit (a partial ROM, when the device has fewer spare
   * block RAMs than the whole word takes). The fold-dependent fields fill the word in creation
   * order, low bits first (a bound's low bits vary most); a field's bits beyond the limit stay
   * in the registered case statement ('reg'), read with the same fold_next (and ce), so both
   * halves of a parameter load on the same edge. Default: no limit.
   */
  romWidth?: number;
  /**
   * 'rom' with `enable` only: the ROM word is read in `reads` parts of ceil(width / reads)
   * bits, one per accumulator load over the fold's last `reads` groups (of `groups`), at
   * address {fold_next, group_next} (input `group_next`: the group entering the accumulator,
   * aligned with fold_next); the parts read before the last shift down a chain of registers
   * on the same enable, so when the fold's total is in the accumulator the chain and the ROM's
   * read register together hold the whole word. A narrower, deeper ROM: fewer block RAMs for
   * the same parameters (estimate.ts's thresholdRomReads). Default: one read of the whole word.
   */
  romReads?: { reads: number; groups: number };
  name?: string;
}

/**
 * The intervals of a function of a = 2u - K as intervals of u, integer-exact for every u:
 * 2u - K >= lo <=> u >= ceil((lo + K) / 2) and 2u - K <= hi <=> u <= floor((hi + K) / 2);
 * an interval that no u maps into (e.g. [lo, lo] with lo + K odd) is dropped.
 */
export function countIntervals(iv: Intervals, K: number): Intervals {
  const parts: [number, number][] = [];
  for (const [lo, hi] of iv.parts) {
    const ulo = lo === -Infinity ? -Infinity : Math.ceil((lo + K) / 2);
    const uhi = hi === Infinity ? Infinity : Math.floor((hi + K) / 2);
    if (ulo <= uhi) parts.push([ulo, uhi]);
  }
  return { parts, inv: iv.inv };
}

/** The interval forms a unit applies to its inputs (a, or the count u with countOffset). */
function unitForms(opts: Pick<ThresholdOptions, 'fns' | 'reachable' | 'countOffset'>): Intervals[] {
  return opts.fns.map((f, c) => {
    const iv = fnIntervals(f, opts.reachable?.[c]);
    return opts.countOffset === undefined ? iv : countIntervals(iv, opts.countOffset);
  });
}

/** The input range of a unit: signed W bits, or unsigned W bits with countOffset. */
function inputRange(W: number, counts: boolean): [number, number] {
  return counts ? [0, 2 ** W - 1] : [-(2 ** (W - 1)), 2 ** (W - 1) - 1];
}

/** Interval slots S of a layer's split form: the most intervals any channel needs (at least 1). */
export function splitSlots(fns: BitFunction[], reachable?: ReachableSet[]): number {
  return Math.max(1, ...fns.map((f, c) => fnIntervals(f, reachable?.[c]).parts.length));
}

/**
 * After pooling the split bits of all channels (channel c's 2S bits at [c*2S, (c+1)*2S)):
 * bit_c = (OR_k G_k & L_k) XOR inv_c.
 */
export function splitCombine(pooled: Expr, fns: BitFunction[], slots: number): Expr {
  const bits: Expr[] = fns.map((f, c) => {
    const base = c * 2 * slots;
    let any: Expr | null = null;
    for (let k = 0; k < slots; k++) {
      const t = pooled.bit(base + k).and(pooled.bit(base + slots + k));
      any = any ? any.or(t) : t;
    }
    return fnIntervals(f).inv ? any!.not() : any!;
  });
  return bits.length === 1 ? bits[0]! : cat(...bits.slice().reverse());
}

/**
 * The stored forms of a bound (see thresholdUnit): a >= lo is the sign of a + (-lo), a <= hi
 * the sign of a + ~hi (= a - hi - 1), both W + 1 bits wide.
 */
const loParam = (lo: number): number => -lo;
const hiParam = (hi: number): number => -hi - 1;

/**
 * The per-fold parameter columns (every lane's fold-dependent parameters, as laid out in a
 * 'rom' word): `width` bits in all, of which `varying` differ between folds (the others are
 * the same in every fold, e.g. the sign bits of small bounds, and cost no LUT in a case
 * statement), and `bounds` of the comparisons take a fold-dependent bound (an addition's sign
 * bit, see thresholdUnit; the others compare with a constant). All 0 with one fold.
 */
export function thresholdParamColumns(opts: Omit<ThresholdOptions, 'params' | 'name' | 'romWidth'>): { width: number; varying: number; bounds: number; fields: boolean[][] } {
  const { fns, pe, accWidth: W } = opts;
  const folds = fns.length / pe;
  const fields: boolean[][] = [];
  if (folds <= 1) return { width: 0, varying: 0, bounds: 0, fields };
  const [minA, maxA] = inputRange(W, opts.countOffset !== undefined);
  const forms = unitForms(opts);
  const clampLo = (v: number) => (v <= minA ? minA : v > maxA ? maxA + 1 : v);
  const clampHi = (v: number) => (v >= maxA ? maxA : v < minA ? minA - 1 : v);
  const layerSlots = opts.split ? splitSlots(fns, opts.reachable) : 0;
  let width = 0;
  let varying = 0;
  let bounds = 0;
  const field = (values: number[], bits: number) => {
    if (values.every((v) => v === values[0])) return;
    if (bits > 1) bounds++;
    width += bits;
    const words = values.map((v) => BigInt.asUintN(bits, BigInt(v)));
    const flags: boolean[] = [];
    for (let b = 0n; b < BigInt(bits); b++) flags.push(words.some((w) => ((w >> b) & 1n) !== ((words[0]! >> b) & 1n)));
    varying += flags.filter((x) => x).length;
    fields.push(flags);
  };
  for (let l = 0; l < pe; l++) {
    const chans = Array.from({ length: folds }, (_, f) => forms[f * pe + l]!);
    const slots = opts.split ? layerSlots : Math.max(0, ...chans.map((c) => c.parts.length));
    for (let k = 0; k < slots; k++) {
      const los = chans.map((c) => (k < c.parts.length ? clampLo(c.parts[k]![0]) : maxA + 1));
      const his = chans.map((c) => (k < c.parts.length ? clampHi(c.parts[k]![1]) : minA - 1));
      if (!los.every((v) => v === minA)) field(los.map(loParam), W + 1);
      if (!his.every((v) => v === maxA)) field(his.map(hiParam), W + 1);
    }
    if (!opts.split) field(chans.map((c) => c.inv), 1);
  }
  return { width, varying, bounds, fields };
}

/**
 * The varying parameter bits a ROM word of at most `romWidth` bits takes out of the case
 * statement (thresholdUnit's fill order: fields in order, each from its low bit).
 */
export function romVaryingBits(fields: boolean[][], romWidth: number): number {
  let left = romWidth;
  let n = 0;
  for (const f of fields) {
    const k = Math.min(f.length, left);
    n += f.slice(0, k).filter((x) => x).length;
    left -= k;
  }
  return n;
}

export function thresholdUnit(opts: ThresholdOptions): Module {
  const { fns, pe, accWidth: W } = opts;
  if (fns.length % pe !== 0) throw new RangeError(`thresholdUnit: PE ${pe} does not divide ${fns.length} channels`);
  const folds = fns.length / pe;
  const m = new Module(opts.name ?? `threshold_${fns.length}ch_pe${pe}_w${W}${opts.split ? '_split' : ''}`, {
    description: 'threshold unit: per-channel bit functions as intervals with inversion',
    params: { channels: fns.length, pe, folds, accWidth: W, split: !!opts.split, params: folds > 1 ? (opts.params ?? 'case') : 'case', ...(opts.countOffset !== undefined ? { countOffset: opts.countOffset } : {}), ...(opts.romWidth !== undefined && opts.params === 'rom' && folds > 1 ? { romWidth: opts.romWidth } : {}), ...(opts.romReads && opts.romReads.reads > 1 && opts.params === 'rom' && folds > 1 ? { romReads: opts.romReads.reads } : {}) },
  });
  const useRom = opts.params === 'rom' && folds > 1;
  const useReg = opts.params === 'reg' && folds > 1;
  const foldIn = folds > 1 ? m.input(useRom || useReg ? 'fold_next' : 'fold', counterBits(folds)) : null;
  const ceIn = opts.enable && (useRom || useReg) ? m.input('ce', 1) : null;
  const reads = useRom && opts.romReads && opts.romReads.reads > 1 ? opts.romReads : null;
  if (reads && (!ceIn || reads.reads > reads.groups)) throw new RangeError('thresholdUnit: romReads needs enable and at most one read per group');
  const groupIn = reads ? m.input('group_next', counterBits(reads.groups)) : null;
  // rom: the fold-dependent parameters, in creation order, become fields of one ROM word
  const romFields: { wire: Signal; values: number[]; width: number }[] = [];
  let romLeft = opts.romWidth ?? Infinity;
  const counts = opts.countOffset !== undefined;
  const lanesIn = Array.from({ length: pe }, (_, l) => m.input(`a${l}`, W, { signed: !counts }));
  const [minA, maxA] = inputRange(W, counts);
  const forms = unitForms(opts);
  const clampLo = (v: number) => (v <= minA ? minA : v > maxA ? maxA + 1 : v);
  const clampHi = (v: number) => (v >= maxA ? maxA : v < minA ? minA - 1 : v);
  const P = W + 1; // parameter width: holds minA - 1 .. maxA + 1
  const bits: Expr[] = [];
  const splitBits: Expr[] = [];
  const layerSlots = opts.split ? splitSlots(fns, opts.reachable) : 0;
  for (let l = 0; l < pe; l++) {
    // P = W + 1 bits hold a count's bounds 0 - 1 .. 2^W as well
    const a = counts ? lanesIn[l]!.zext(P).asSigned() : lanesIn[l]!.sext(P);
    const chans = Array.from({ length: folds }, (_, f) => forms[f * pe + l]!);
    const slots = opts.split ? layerSlots : Math.max(0, ...chans.map((c) => c.parts.length));
    // per fold, per slot: [lo, hi]; an unused slot is empty (lo > hi)
    const lo = chans.map((c) => Array.from({ length: slots }, (_, k) => (k < c.parts.length ? clampLo(c.parts[k]![0]) : maxA + 1)));
    const hi = chans.map((c) => Array.from({ length: slots }, (_, k) => (k < c.parts.length ? clampHi(c.parts[k]![1]) : minA - 1)));
    const inv = chans.map((c) => c.inv);
    // the registered case statement of `values` (useReg, or a partial ROM's remaining bits)
    const caseReg = (name: string, values: number[], width: number, signed: boolean, registered: boolean): Expr => {
      if (values.every((v) => v === values[0])) return constant(values[0]!, width, signed);
      const w = m.wire(name, width, { signed });
      const c = registered ? m.wire(`${name}_next`, width, { signed }) : w;
      m.Switch(foldIn!, (sw) => {
        values.forEach((v, f) => sw.Case(f, () => c.set(constant(v, width, signed))));
        sw.Default(() => c.set(constant(values[0]!, width, signed)));
      });
      if (!registered) return w;
      const r = m.reg(`${name}_q`, width, ceIn ? { signed, reset: null, enable: ceIn } : { signed, reset: null });
      r.set(c);
      w.set(r);
      return w;
    };
    const param = (name: string, values: number[], width: number, signed: boolean): Expr => {
      if (values.every((v) => v === values[0])) return constant(values[0]!, width, signed);
      if (!useRom) return caseReg(name, values, width, signed, useReg);
      const k = Math.min(width, romLeft);
      if (k === 0) return caseReg(name, values, width, signed, true);
      romLeft -= k;
      const w = m.wire(name, width, { signed });
      if (k === width) {
        romFields.push({ wire: w, values, width });
        return w;
      }
      // partial: the low k bits from the ROM, the rest from the registered case statement
      const low = m.wire(`${name}_lo`, k);
      romFields.push({ wire: low, values, width: k });
      const highs = values.map((v) => Number(BigInt.asUintN(width, BigInt(v)) >> BigInt(k)));
      const high = caseReg(`${name}_hi`, highs, width - k, false, true);
      const joined = cat(high, low);
      w.set(signed ? joined.asSigned() : joined);
      return w;
    };
    // A fold-dependent bound is stored as the addend of one W + 1-bit addition whose sign bit
    // is the comparison: a >= lo is ~sign(a + (-lo)), a <= hi is sign(a + ~hi) (a - hi - 1).
    // Both sums fit: lo is clamped to [minA, maxA + 1] and hi to [minA - 1, maxA], so a - lo
    // and a - hi - 1 lie in [-2^W, 2^W - 1]. The carry chain then takes the accumulator and
    // the parameter bits as they are, and only the sign bit costs a LUT (the carry into it,
    // XOR both top bits); Yosys's signed comparator against a variable costs about a LUT4 per
    // bit besides (yosys 0.23 synth_ice40, aami5's conv5 unit at the smallest folding, ROM
    // parameters: 2 LUT4 against 35; registered case statement, conv4: see estimate.ts).
    const sumSign = (addend: Expr): Expr => a.add(addend).trunc(P).bit(P - 1);
    // (a count's empty slot, lo = 2^W, does not fit P signed bits: the comparison is false)
    const geLo = (name: string, los: number[]): Expr =>
      los.every((v) => v === los[0])
        ? counts && los[0]! > maxA
          ? constant(0, 1)
          : a.ge(constant(los[0]!, P, true))
        : sumSign(param(name, los.map(loParam), P, true)).not();
    const leHi = (name: string, his: number[]): Expr =>
      his.every((v) => v === his[0]) ? a.le(constant(his[0]!, P, true)) : sumSign(param(name, his.map(hiParam), P, true));
    let any: Expr | null = null;
    const gs: Expr[] = [];
    const ls: Expr[] = [];
    for (let k = 0; k < slots; k++) {
      const los = lo.map((x) => x[k]!);
      const his = hi.map((x) => x[k]!);
      const g = los.every((v) => v === minA) ? constant(1, 1) : geLo(`lane${l}_lo${k}`, los);
      const le = his.every((v) => v === maxA) ? constant(1, 1) : leHi(`lane${l}_hi${k}`, his);
      gs.push(g);
      ls.push(le);
      const terms = [g, le].filter((t) => !(t.node.op === 'const'));
      const inside = terms.length === 0 ? constant(1, 1) : terms.length === 1 ? terms[0]! : terms[0]!.and(terms[1]!);
      any = any ? any.or(inside) : inside;
    }
    if (opts.split) {
      // lane word: G_0..G_{S-1} then L_0..L_{S-1} (LSB first)
      splitBits.push(m.let(`cmp${l}`, cat(...[...gs, ...ls].reverse())));
      continue;
    }
    let bit: Expr = any ?? constant(0, 1);
    const invE = param(`lane${l}_inv`, inv, 1, false);
    bit = bit.xor(invE);
    bits.push(m.let(`bit${l}`, bit));
  }
  if (useRom && romFields.length > 0) {
    const romWidth = romFields.reduce((t, f) => t + f.width, 0);
    const words = Array.from({ length: folds }, (_, f) => {
      let word = 0n;
      let at = 0;
      for (const fld of romFields) {
        word |= BigInt.asUintN(fld.width, BigInt(fld.values[f]!)) << BigInt(at);
        at += fld.width;
      }
      return word;
    });
    let data: Expr;
    if (reads) {
      // part j of fold f's word at {f, groups - reads + j}; the other groups' words are unused
      const R = reads.reads;
      const partW = Math.ceil(romWidth / R);
      const span = 2 ** counterBits(reads.groups);
      const mask = (1n << BigInt(partW)) - 1n;
      const parts: bigint[] = [];
      for (let f = 0; f < folds; f++) {
        for (let g = 0; g < span; g++) {
          const j = g - (reads.groups - R);
          parts.push(j >= 0 && j < R ? (words[f]! >> BigInt(j * partW)) & mask : 0n);
        }
      }
      const rom = m.rom('params', { width: partW, data: parts, style: 'block' });
      const addr = cat(foldIn!, groupIn!);
      const last = rom.read(addr.width === rom.addrWidth ? addr : addr.zext(rom.addrWidth), { enable: ceIn! });
      // parts 0..R-2 in a chain loaded on the same enable (the oldest, part 0, at the bottom)
      const chain: Signal[] = Array.from({ length: R - 1 }, (_, j) => m.reg(`params_part${j}`, partW, { reset: null, enable: ceIn! }));
      chain.forEach((r, j) => r.set(j === R - 2 ? last : chain[j + 1]!));
      data = cat(last, ...chain.slice().reverse());
    } else {
      const rom = m.rom('params', { width: romWidth, data: words, style: 'block' });
      data = ceIn ? rom.read(foldIn!, { enable: ceIn }) : rom.read(foldIn!);
    }
    let at = 0;
    for (const fld of romFields) {
      const v = data.slice(at + fld.width - 1, at);
      fld.wire.set(fld.wire.signed ? v.asSigned() : v);
      at += fld.width;
    }
  }
  if (opts.split) {
    m.output('cmp', pe * 2 * layerSlots).set(pe === 1 ? splitBits[0]! : cat(...splitBits.slice().reverse()));
    return m;
  }
  m.output('bits', pe).set(pe === 1 ? bits[0]! : cat(...bits.slice().reverse()));
  return m;
}
