/**
 * Argmax over a stream of `classes` signed logits in channel order: the index of the
 * largest, ties to the lowest index (a later value must be strictly greater to win). The
 * index goes out as a one-word stream after the last logit.
 *
 * The best value is kept as ~(best ^ 2^(w-1)) (sign bit flipped: the signed order becomes the
 * unsigned one; then inverted), so that "x > best" is the carry out of one addition instead of
 * Yosys's subtracting comparator (blocks/const-compare.ts: 1 LUT4 instead of 2 per bit; the
 * inversion costs one LUT4 per bit on the way into the register, the comparison none).
 */
import { cat, Module } from '../../src/hdl/index.ts';
import { counterBits } from '../widths.ts';
import { carryAdd } from './const-compare.ts';

export interface ArgmaxOptions {
  classes: number;
  width: number;
  name?: string;
}

export function argmaxUnit(o: ArgmaxOptions): Module {
  const m = new Module(o.name ?? `argmax_${o.classes}x${o.width}`, {
    description: 'streaming argmax, ties to the lowest index',
    params: { classes: o.classes, width: o.width },
  });
  const cb = counterBits(o.classes);
  const inp = m.streamIn('in', o.width, { signed: true });
  const out = m.streamOut('out', cb, { reg: true });
  const idx = m.reg('idx', cb);
  const w = o.width;
  const bestInv = m.reg('best_inv', w, { reset: null });
  const bestIdx = m.reg('best_idx', cb, { reset: null });
  const accept = m.let('accept', out.valid.not().or(out.ready));
  inp.ready.set(accept);
  const fire = m.let('fire', inp.valid.and(accept));
  const x = inp.payload.asUnsigned();
  const xOrder = w > 1 ? cat(x.bit(w - 1).not(), x.slice(w - 2, 0)) : x.not();
  const greater = carryAdd(xOrder, bestInv, 0).bit(w);
  const wins = m.let('wins', idx.eq(0).or(greater));
  m.If(out.valid.and(out.ready), () => out.valid.set(0));
  m.If(fire, () => {
    m.If(wins, () => {
      bestInv.set(xOrder.not());
      bestIdx.set(idx);
    });
    m.If(idx.eq(o.classes - 1), () => {
      idx.set(0);
      out.valid.set(1);
      out.payload.set(wins.select(idx, bestIdx));
    }).Else(() => idx.set(idx.add(1).trunc(cb)));
  });
  return m;
}
