/**
 * Pool unit: max-pooling over conv positions, on a stream of positions (all channels of a
 * position in one word, channel c in bits [c*w, (c+1)*w)).
 *
 * Each window of one image reads `(outputs - 1) * stride + size` positions ('valid' pooling,
 * positions no window reads are never computed by the engine). A position belongs to at most
 * m = ceil(size / stride) windows, so m running partial results per channel suffice: window j
 * uses slot j mod m, which window j - m has left by then (m * stride >= size).
 * Modes:
 *   'bits': one bit per channel; channel c combines with OR (its function increases: ge,
 *           const) or AND (it decreases: le), as the reference's bit pooling does;
 *   'max':  signed integers of `width` bits, maximum.
 * At most one window ends per position; the result goes to a one-word output register,
 * and the input is accepted whenever that register is free or being emptied. Which window
 * starts or ends where: `poolWindowTracker` (below), shared with blocks/fold-pool.ts.
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

/** Pooling windows open at once: slots of running partial results per channel. */
export function poolSlots(o: Pick<PoolOptions, 'size' | 'stride'>): number {
  return Math.ceil(o.size / o.stride);
}

/**
 * Where the pooling windows of an image start and end, shared by this unit and the
 * fold-serial one (blocks/fold-pool.ts). Window j reads positions jS .. jS + K - 1 (K = size,
 * S = stride), so whether a window starts or ends at position p depends only on p:
 *   starts: p mod S = 0 and p <= (outputs - 1) S   (`open` is cleared after the last start)
 *   ends:   p mod S = (K - 1) mod S and p >= K - 1  (`warm` is set from position K - 1 on)
 * Window j lives in slot j mod m (m = ceil(K / S)); starts and ends each come in window
 * order, so a start-slot and an end-slot counter (mod m) name the slots, and no per-slot
 * state (such as a count of positions fed) is needed. `advance` moves to the next position.
 * The flags turn on equality tests of the position counter, not magnitude comparisons.
 */
export interface PoolWindowTracker {
  /** a window starts at this position */
  starts: Expr;
  /** a window ends at this position (at most one does) */
  ends: Expr;
  /** slot of the window starting here (null with one slot) */
  startSlot: Signal | null;
  /** slot of the window ending here (null with one slot) */
  endSlot: Signal | null;
  slots: number;
}

export function poolWindowTracker(m: Module, o: Pick<PoolOptions, 'size' | 'stride' | 'outputs'>, advance: Expr): PoolWindowTracker {
  const K = o.size;
  const S = o.stride;
  const nIn = poolInputs(o);
  const slots = poolSlots(o);
  const lastStart = (o.outputs - 1) * S;
  const pos = m.reg('pos', counterBits(nIn));
  const phase = S > 1 ? m.reg('phase', counterBits(S)) : null;
  const phaseIs = (v: number): Expr => (phase ? phase.eq(v) : constant(1, 1));
  // no start after the last one (then K - 1 positions remain); none before when K = 1
  const open = lastStart < nIn - 1 ? m.reg('open', 1, { reset: 1 }) : null;
  const warm = K > 1 ? m.reg('warm', 1, { reset: 0 }) : null;
  const starts = m.let('starts_here', open ? phaseIs(0).and(open) : phaseIs(0));
  const ends = m.let('window_ends', warm ? phaseIs((K - 1) % S).and(warm) : phaseIs((K - 1) % S));
  const startSlot = slots > 1 ? m.reg('start_slot', counterBits(slots)) : null;
  const endSlot = slots > 1 ? m.reg('end_slot', counterBits(slots)) : null;
  const wrap = (r: Signal, n: number): Expr => r.eq(n - 1).select(constant(0, r.width), r.add(1).trunc(r.width));
  m.If(advance, () => {
    if (phase) phase.set(wrap(phase, S));
    if (startSlot) m.If(starts, () => startSlot.set(wrap(startSlot, slots)));
    if (endSlot) m.If(ends, () => endSlot.set(wrap(endSlot, slots)));
    if (open) m.If(pos.eq(lastStart), () => open.set(0));
    if (warm) m.If(pos.eq(K - 2), () => warm.set(1));
    m.If(pos.eq(nIn - 1), () => {
      pos.set(0);
      if (phase) phase.set(0);
      if (open) open.set(1);
      if (warm) warm.set(0);
      if (startSlot) startSlot.set(0);
      if (endSlot) endSlot.set(0);
    }).Else(() => pos.set(pos.add(1).trunc(pos.width)));
  });
  return { starts, ends, startSlot, endSlot, slots };
}

/** Register bits of poolWindowTracker (for the resource models). */
export function poolTrackerBits(o: Pick<PoolOptions, 'size' | 'stride' | 'outputs'>): number {
  const slots = poolSlots(o);
  return counterBits(poolInputs(o)) + counterBits(o.stride) + (o.size > 1 ? 2 : 0) + (slots > 1 ? 2 * counterBits(slots) : 0);
}

/** `values[slot]` chosen by a slot register (the single value with one slot). */
export function bySlot(slot: Signal | null, values: Expr[]): Expr {
  if (!slot || values.length === 1) return values[0]!;
  let r = values[values.length - 1]!;
  for (let s = values.length - 2; s >= 0; s--) r = slot.eq(s).select(values[s]!, r);
  return r;
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
  // Every slot takes every position: a slot no window uses holds a value nobody reads until a
  // window starts there and overwrites it, so no per-slot enable is needed.
  const acc: Signal[] = o.size > 1 ? Array.from({ length: slots }, (_, s) => m.reg(`acc${s}`, C * w, { reset: null })) : [];
  // the ending window's partial is chosen first (registers only), then combined with x
  const result: Expr = o.size > 1 ? combine(m.let('ending', bySlot(t.endSlot, acc)), x) : x;

  m.If(out.ready.and(out.valid), () => out.valid.set(0));
  m.If(fire, () => {
    m.If(t.ends, () => {
      out.valid.set(1);
      out.payload.set(result);
    });
    acc.forEach((a, s) => a.set((t.startSlot ? t.starts.and(t.startSlot.eq(s)) : t.starts).select(x, combine(a, x))));
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
