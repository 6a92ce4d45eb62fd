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
import { counterBits } from '../widths.ts';

export interface PoolOptions {
  channels: number;
  size: number;
  stride: number;
  /** pooled outputs per image */
  outputs: number;
  mode: { kind: 'bits'; ops: ('or' | 'and')[] } | { kind: 'max'; width: number };
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

export function poolWindowTracker(m: Module, o: Pick<PoolOptions, 'size' | 'stride' | 'outputs'>, advance: Expr): PoolWindowTracker {
  const K = o.size;
  const S = o.stride;
  const nIn = poolInputs(o);
  const pos = m.reg('pos', counterBits(nIn));
  const phase = S > 1 ? m.reg('phase', counterBits(S)) : null;
  const phaseIs = (v: number): Expr => (phase ? phase.eq(v) : constant(1, 1));
  const warm = K > 1 ? m.reg('warm', 1, { reset: 0 }) : null;
  const shift = m.let('shift', phaseIs(0));
  const ends = m.let('window_ends', warm ? phaseIs((K - 1) % S).and(warm) : phaseIs((K - 1) % S));
  m.If(advance, () => {
    if (phase) phase.set(phase.eq(S - 1).select(constant(0, phase.width), phase.add(1).trunc(phase.width)));
    if (warm) m.If(pos.eq(K - 2), () => warm.set(1));
    m.If(pos.eq(nIn - 1), () => {
      pos.set(0);
      if (phase) phase.set(0);
      if (warm) warm.set(0);
    }).Else(() => pos.set(pos.add(1).trunc(pos.width)));
  });
  return { shift, ends, slots: poolSlots(o) };
}

/** Register bits of poolWindowTracker (for the resource models). */
export function poolTrackerBits(o: Pick<PoolOptions, 'size' | 'stride' | 'outputs'>): number {
  return counterBits(poolInputs(o)) + counterBits(o.stride) + (o.size > 1 ? 1 : 0);
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
    params: { channels: C, size: o.size, stride: o.stride, outputs: o.outputs, mode: o.mode.kind, width: w, slots },
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
