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
 * and the input is accepted whenever that register is free or being emptied.
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

export function poolUnit(o: PoolOptions): Module {
  const C = o.channels;
  const w = o.mode.kind === 'bits' ? 1 : o.mode.width;
  const nIn = poolInputs(o);
  const slots = Math.ceil(o.size / o.stride);
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

  const pos = m.reg('pos', counterBits(nIn));
  const phase = m.reg('phase', counterBits(o.stride));
  const started = m.reg('started', counterBits(o.outputs + 1));
  const startSlot = m.reg('start_slot', counterBits(slots));
  const acc: Signal[] = Array.from({ length: slots }, (_, s) => m.reg(`acc${s}`, C * w, { reset: null }));
  // fed[s]: positions already combined into slot s (0 = idle)
  const fed: Signal[] = Array.from({ length: slots }, (_, s) => m.reg(`fed${s}`, counterBits(o.size + 1)));

  const accept = m.let('accept', out.valid.not().or(out.ready));
  inp.ready.set(accept);
  const fire = m.let('fire', inp.valid.and(accept));
  const x = inp.payload;
  const startsHere = m.let('starts_here', phase.eq(0).and(started.lt(o.outputs)));

  // the window ending at this position: an active slot that has seen size-1 positions, or a
  // window of size 1 starting here
  const endsTerms: Expr[] = o.size === 1 ? [startsHere] : fed.map((f) => f.eq(o.size - 1));
  let result: Expr = x;
  if (o.size > 1) {
    // priority does not matter: exactly one slot ends when any does
    for (let s = slots - 1; s >= 0; s--) result = fed[s]!.eq(o.size - 1).select(combine(acc[s]!, x), result);
  }
  const anyEnds = m.let('window_ends', endsTerms.reduce((a, b) => a.or(b)));

  m.If(out.ready.and(out.valid), () => out.valid.set(0));
  m.If(fire, () => {
    m.If(anyEnds, () => {
      out.valid.set(1);
      out.payload.set(result);
    });
    for (let s = 0; s < slots; s++) {
      m.If(fed[s]!.ne(0), () => {
        acc[s]!.set(combine(acc[s]!, x));
        m.If(fed[s]!.eq(o.size - 1), () => fed[s]!.set(0)).Else(() => fed[s]!.set(fed[s]!.add(1).trunc(fed[s]!.width)));
      });
    }
    if (o.size > 1) {
      m.If(startsHere, () => {
        m.Switch(startSlot, (sw) => {
          for (let s = 0; s < slots; s++) {
            sw.Case(s, () => {
              acc[s]!.set(x);
              fed[s]!.set(1);
            });
          }
        });
      });
    }
    m.If(startsHere, () => {
      started.set(started.add(1).trunc(started.width));
      if (slots > 1) startSlot.set(startSlot.eq(slots - 1).select(constant(0, startSlot.width), startSlot.add(1).trunc(startSlot.width)));
    });
    phase.set(phase.eq(o.stride - 1).select(constant(0, phase.width), phase.add(1).trunc(phase.width)));
    m.If(pos.eq(nIn - 1), () => {
      pos.set(0);
      phase.set(0);
      started.set(0);
      startSlot.set(0);
    }).Else(() => pos.set(pos.add(1).trunc(pos.width)));
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
