/**
 * Pool unit: max-pooling over conv positions, on a stream of positions (all channels of a
 * position in one word, channel c in bits [c*w, (c+1)*w)).
 *
 * Each window of one image reads `(outputs - 1) * stride + size` positions ('valid' pooling,
 * positions no window reads are never computed by the engine). The running partial results
 * of the open windows are kept per channel in age order, m = ceil((size - 1) / stride) of them
 * (see poolWindowTracker), the ending window's always in slot 0.
 * Modes:
 *   'bits': one bit per channel; channel c combines with OR (its function increases: ge,
 *           const) or AND (it decreases: le), as the reference's bit pooling does;
 *   'max':  signed integers of `width` bits, maximum.
 * At most one window ends per position; the result goes to a one-word output register,
 * and the input is accepted whenever that register is free or being emptied. Where windows
 * end and how the partials move: `poolWindowTracker` (below), shared with blocks/fold-pool.ts.
 */
import { cat, constant, Module, type Expr, type Signal } from '../../src/hdl/index.ts';
import { counterBits, unsignedBits } from '../widths.ts';
import type { Family } from '../../src/design/targets.ts';

export interface PoolOptions {
  channels: number;
  size: number;
  stride: number;
  /** pooled outputs per image */
  outputs: number;
  mode: { kind: 'bits'; ops: ('or' | 'and')[] } | { kind: 'max'; width: number };
  /** the target family: 'ice40' counts positions with an LFSR (see poolWindowTracker) */
  family?: Family;
  name?: string;
}

export function poolInputs(o: Pick<PoolOptions, 'size' | 'stride' | 'outputs'>): number {
  return (o.outputs - 1) * o.stride + o.size;
}

/**
 * Partial results kept per channel (poolWindowTracker): ceil((size - 1) / stride), the windows
 * still open when a window ends, read before the move (1 for a window of one position, which
 * keeps no state).
 */
export function poolSlots(o: Pick<PoolOptions, 'size' | 'stride'>): number {
  return o.size > 1 ? Math.ceil((o.size - 1) / o.stride) : 1;
}

/**
 * Where the pooling windows of an image end and when the partial results move, shared by this
 * unit and the fold-serial one (blocks/fold-pool.ts). Window j reads positions jS .. jS + K - 1
 * (K = size, S = stride), so:
 *   a window starts at p when p mod S = 0 (and p <= (outputs - 1) S),
 *   a window ends at p when p mod S = (K - 1) mod S and p >= K - 1 (`warm` from K - 1 on).
 * The m = ceil((K - 1) / S) partial results are kept in age order: at every position with
 * p mod S = 0 (`shift`) they move down one slot (slot 0 drops out) and the position's value
 * enters the top slot m - 1, whether or not a window starts there; the ending window is read
 * before the move. Between its start and its end a window sees the moves at the multiples of
 * S in (jS, jS + K - 1), m - 1 of them, so the window ending at a position is always in
 * slot 0: no slot counters and no m:1 choice of the ending partial (which also keeps the
 * lanes' path to the result one LUT deep), and one slot fewer than ceil(K / S) when S divides
 * K - 1 (pool 7/2: 3 instead of 4). A top slot with no window behind it (after the last
 * start) reaches slot 0 only after the image's last end, so nobody reads it.
 */
export interface PoolWindowTracker {
  /** the partials move down one slot, the value enters slot m - 1 */
  shift: Expr;
  /** a window ends at this position (the one in slot 0) */
  ends: Expr;
  slots: number;
}

/**
 * What both trackers derive from the phase (p mod S) and the warm-up flag, whatever counts the
 * positions: the move and window-end decodes, and the phase's step (wrapping at S - 1).
 */
function windowDecodes(m: Module, o: Pick<PoolOptions, 'size' | 'stride'>, phase: Signal | null, warm: Expr | null): { shift: Expr; ends: Expr; stepPhase: () => void } {
  const phaseIs = (v: number): Expr => (phase ? phase.eq(v) : constant(1, 1));
  const endPhase = phaseIs((o.size - 1) % o.stride);
  return {
    shift: m.let('shift', phaseIs(0)),
    ends: m.let('window_ends', warm ? endPhase.and(warm) : endPhase),
    stepPhase: () => {
      if (phase) phase.set(phase.eq(o.stride - 1).select(constant(0, phase.width), phase.add(1).trunc(phase.width)));
    },
  };
}

export function poolWindowTracker(m: Module, o: Pick<PoolOptions, 'size' | 'stride' | 'outputs' | 'family'>, advance: Expr): PoolWindowTracker {
  const K = o.size;
  const S = o.stride;
  const nIn = poolInputs(o);
  const lfsr = positionLfsr(o);
  if (lfsr) return lfsrTracker(m, o, advance, lfsr);
  const pos = m.reg('pos', counterBits(nIn));
  const phase = S > 1 ? m.reg('phase', counterBits(S)) : null;
  const warm = K > 1 ? m.reg('warm', 1, { reset: 0 }) : null;
  const { shift, ends, stepPhase } = windowDecodes(m, o, phase, warm);
  m.If(advance, () => {
    stepPhase();
    if (warm) m.If(pos.eq(K - 2), () => warm.set(1));
    m.If(pos.eq(nIn - 1), () => {
      pos.set(0);
      if (phase) phase.set(0);
      if (warm) warm.set(0);
    }).Else(() => pos.set(pos.add(1).trunc(pos.width)));
  });
  return { shift, ends, slots: poolSlots(o) };
}

/**
 * The iCE40 tracker (positionLfsr): the same windows, with the position counter an LFSR and
 * the warm-up a fill register of K - 1 bits (ones shifted in from the bottom, so bit K - 2 is
 * set from position K - 1 on; up to WARM_FILL_MAX bits, else the flag set by a compare). The
 * registers have no reset of their own: the reset and the image's wrap are one synchronous
 * clear under one enable (advance or reset), so the flip-flops' SR input does the clearing
 * and the LFSR's and the fill register's bits take the bit below them with no LUT4 (with a
 * separate reset Yosys kept a LUT4 per bit for the wrap's clear).
 */
function lfsrTracker(m: Module, o: Pick<PoolOptions, 'size' | 'stride' | 'outputs'>, advance: Expr, lfsr: { bits: number; taps: number[]; states: number[] }): PoolWindowTracker {
  const K = o.size;
  const S = o.stride;
  const nIn = poolInputs(o);
  const pos = m.reg('pos', lfsr.bits, { reset: null });
  const phase = S > 1 ? m.reg('phase', counterBits(S), { reset: null }) : null;
  const fill = K > 1 && K - 1 <= WARM_FILL_MAX ? m.reg('warm_fill', K - 1, { reset: null }) : null;
  const flag = K > 1 && !fill ? m.reg('warm', 1, { reset: null }) : null;
  const { shift, ends, stepPhase } = windowDecodes(m, o, phase, fill ? fill.bit(K - 2) : flag);
  m.If(advance.or(m.rst), () => {
    m.If(m.rst.or(pos.eq(lfsr.states[nIn - 1]!)), () => {
      pos.set(0);
      if (phase) phase.set(0);
      if (fill) fill.set(0);
      if (flag) flag.set(0);
    }).Else(() => {
      pos.set(lfsrStep(pos, lfsr.taps));
      stepPhase();
      if (fill) fill.set(K - 1 > 1 ? cat(fill.slice(K - 3, 0), constant(1, 1)) : constant(1, 1));
      if (flag) m.If(pos.eq(lfsr.states[K - 2]!), () => flag.set(1));
    });
  });
  return { shift, ends, slots: poolSlots(o) };
}
/** LUT4s of the LFSR tracker beside its wrap compare and phase (fitted, see poolTrackerLuts). */
export const TRACKER_LFSR_LUTS = 10;
/** Longest warm-up (K - 1 positions) kept in a fill register rather than a flag and a compare. */
export const WARM_FILL_MAX = 8;

/**
 * Maximal-length XNOR LFSR taps (1-based bit numbers, Xilinx XAPP052's table): shifting up by
 * one, bit 1 takes the XNOR of the taps, so the all-zero reset state is in the 2^n - 1 cycle
 * (the all-ones state is the one left out). tests/gen/pool.test.ts checks every period.
 */
export const LFSR_TAPS: Record<number, number[]> = {
  2: [2, 1], 3: [3, 2], 4: [4, 3], 5: [5, 3], 6: [6, 5], 7: [7, 6], 8: [8, 6, 5, 4], 9: [9, 5],
  10: [10, 7], 11: [11, 9], 12: [12, 6, 4, 1], 13: [13, 4, 3, 1], 14: [14, 5, 3, 1], 15: [15, 14],
  16: [16, 15, 13, 4], 17: [17, 14], 18: [18, 11], 19: [19, 6, 2, 1], 20: [20, 17],
};

/** The LFSR's next state as a number (see LFSR_TAPS). */
export function lfsrNext(state: number, bits: number, taps: number[]): number {
  let fb = 1;
  for (const t of taps) fb ^= (state >> (t - 1)) & 1;
  return ((state << 1) | fb) & ((1 << bits) - 1);
}

function lfsrStep(r: Expr, taps: number[]): Expr {
  let fb: Expr = r.bit(taps[0]! - 1);
  for (const t of taps.slice(1)) fb = fb.xor(r.bit(t - 1));
  fb = fb.not();
  return r.width > 1 ? cat(r.slice(r.width - 2, 0), fb) : fb;
}

/**
 * iCE40: the position counter is an LFSR (its states listed from position 0), ECP5 and no
 * family: a binary counter (null). A binary increment costs a LUT4 per bit beside the carry
 * chain; the LFSR's step is one XNOR LUT4, and the counter is only ever compared with two
 * constants (the warm-up end and the image end), which cost the same either way (yosys 0.23
 * synth_ice40, ecgbnn-s-aami5's UP5K 1 ms folding, 7..11-bit counters: see foldPoolResources).
 * Not on ECP5: its designs stay byte-identical to the bench's place-and-route cache.
 */
export function positionLfsr(o: Pick<PoolOptions, 'size' | 'stride' | 'outputs' | 'family'>): { bits: number; taps: number[]; states: number[] } | null {
  if (o.family !== 'ice40') return null;
  const nIn = poolInputs(o);
  // the sequence has 2^n - 1 states; a position counter needs nIn of them
  const bits = Math.max(2, unsignedBits(nIn));
  const taps = LFSR_TAPS[bits];
  if (!taps) return null;
  const states = [0];
  for (let p = 1; p < nIn; p++) states.push(lfsrNext(states[p - 1]!, bits, taps));
  return { bits, taps, states };
}

/**
 * LUT4s of poolWindowTracker: 2.2 per register bit for the binary counter (fitted with the
 * fold-serial pool's fold counter, see blocks/fold-pool.ts's foldPoolResources); the iCE40
 * tracker costs its wrap compare (about n / 3 LUT4 for an n-bit LFSR), the phase, a flag's
 * compare when the warm-up is too long for a fill register, and TRACKER_LFSR_LUTS for the
 * XNOR, the clear and enable ORs and the pool's handshake around them (fitted with
 * foldPoolResources to yosys 0.23 synth_ice40 on the ecgbnn-s-aami5 UP5K 1 ms folding's six
 * fold-serial pools, 6..11-bit LFSRs, fill registers, Johnson fold counters at 4..16 folds:
 * 30/36/50/37/52/80 LUT4, estimate 32/33/50/38/50/81, FFs exact; 46/47/62/49/58/85 LUT4 with
 * the binary counters; the register pool, 64 bit channels, pool 7/2, 55 outputs: 274 -> 269).
 */
export function poolTrackerLuts(o: Pick<PoolOptions, 'size' | 'stride' | 'outputs' | 'family'>): number {
  const lfsr = positionLfsr(o);
  if (!lfsr) return 2.2 * poolTrackerBits(o);
  const flag = o.size > 1 && o.size - 1 > WARM_FILL_MAX ? Math.ceil(lfsr.bits / 3) + 1 : 0;
  return 2.2 * counterBits(o.stride) + Math.ceil(lfsr.bits / 3) + flag + TRACKER_LFSR_LUTS;
}

/** Register bits of poolWindowTracker (for the resource models). */
export function poolTrackerBits(o: Pick<PoolOptions, 'size' | 'stride' | 'outputs' | 'family'>): number {
  const lfsr = positionLfsr(o);
  const warmBits = o.size <= 1 ? 0 : lfsr && o.size - 1 <= WARM_FILL_MAX ? o.size - 1 : 1;
  return (lfsr ? lfsr.bits : counterBits(poolInputs(o))) + counterBits(o.stride) + warmBits;
}

/**
 * Next partials in age order: every slot merged with the value, then moved down one slot with
 * the value on top, or left in place; `ending` is slot 0 merged, the result of the window that
 * ends here. Merging before the move makes that result one of the merges (in 'max' pooling
 * one comparator per slot and none apart for the ending window: yosys 0.23 synth_ice40 on
 * aami5's smallest-folding conv6 pool, 10-bit max, 3 slots: 85 -> 74 LUT4, 45 -> 35 carries,
 * against choosing the slot first and merging the ending window separately).
 */
export function agedPartials(shift: Expr, olds: Expr[], x: Expr, combine: (acc: Expr, x: Expr) => Expr): { next: Expr[]; ending: Expr } {
  const merged = olds.map((old) => combine(old, x));
  const next = olds.map((_, s) => (s + 1 < olds.length ? shift.select(merged[s + 1]!, merged[s]!) : shift.select(x, merged[s]!)));
  return { next, ending: merged[0]! };
}

export function poolUnit(o: PoolOptions): Module {
  const C = o.channels;
  const w = o.mode.kind === 'bits' ? 1 : o.mode.width;
  const slots = poolSlots(o);
  const m = new Module(o.name ?? `pool_${C}ch_${o.mode.kind}_s${o.size}_${o.stride}_n${o.outputs}`, {
    description: 'max-pool over a stream of positions (OR/AND of bits, or signed max)',
    params: { channels: C, size: o.size, stride: o.stride, outputs: o.outputs, mode: o.mode.kind, width: w, slots, ...(positionLfsr(o) ? { position: 'lfsr' } : {}) },
  });
  const inp = m.streamIn('in', C * w);
  const out = m.streamOut('out', C * w, { reg: true });
  const mode = o.mode;

  const combine = (acc: Expr, x: Expr): Expr => {
    if (mode.kind === 'bits') {
      const orMask = BigInt('0b0' + mode.ops.map((op) => (op === 'or' ? '1' : '0')).reverse().join(''));
      const orM = constant(orMask, C);
      const andM = constant(((1n << BigInt(C)) - 1n) ^ orMask, C);
      return acc.or(x).and(orM).or(acc.and(x).and(andM));
    }
    const lanes: Expr[] = [];
    for (let c = C - 1; c >= 0; c--) {
      const a = acc.slice(c * w + w - 1, c * w).asSigned();
      const b = x.slice(c * w + w - 1, c * w).asSigned();
      lanes.push(a.ge(b).select(a, b).asUnsigned());
    }
    return lanes.length === 1 ? lanes[0]! : cat(...lanes);
  };

  const accept = m.let('accept', out.valid.not().or(out.ready));
  inp.ready.set(accept);
  const fire = m.let('fire', inp.valid.and(accept));
  const x = inp.payload;
  const t = poolWindowTracker(m, o, fire);
  // every slot takes every position (a slot with no window behind it holds a value nobody reads)
  const acc: Signal[] = o.size > 1 ? Array.from({ length: slots }, (_, s) => m.reg(`acc${s}`, C * w, { reset: null })) : [];
  const aged = o.size > 1 ? agedPartials(t.shift, acc, x, combine) : null;
  const result: Expr = aged ? aged.ending : x;

  m.If(out.ready.and(out.valid), () => out.valid.set(0));
  m.If(fire, () => {
    m.If(t.ends, () => {
      out.valid.set(1);
      out.payload.set(result);
    });
    acc.forEach((a, s) => a.set(aged!.next[s]!));
  });
  return m;
}

/** TypeScript model: pooled positions of one image (position-major, `channels` values each). */
export function poolModel(o: PoolOptions, image: number[][]): number[][] {
  const out: number[][] = [];
  for (let q = 0; q < o.outputs; q++) {
    const row: number[] = [];
    for (let c = 0; c < o.channels; c++) {
      const vals = Array.from({ length: o.size }, (_, k) => image[q * o.stride + k]![c]!);
      if (o.mode.kind === 'max') row.push(Math.max(...vals));
      else row.push(o.mode.ops[c] === 'or' ? (vals.some((v) => v) ? 1 : 0) : vals.every((v) => v) ? 1 : 0);
    }
    out.push(row);
  }
  return out;
}
