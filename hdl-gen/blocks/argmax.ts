/**
 * Argmax over a stream of `classes` signed logits in channel order: the index of the
 * largest, ties to the lowest index (a later value must be strictly greater to win). The
 * index goes out as a one-word stream after the last logit.
 *
 * The best value is kept as ~(best ^ 2^(w-1)) (sign bit flipped: the signed order becomes the
 * unsigned one; then inverted), so that "x > best" is the carry out of one addition instead of
 * Yosys's subtracting comparator (blocks/const-compare.ts: 1 LUT4 instead of 2 per bit; the
 * inversion costs one LUT4 per bit on the way into the register, the comparison none).
 *
 * With `bestAsOutput` the output payload is the best-index register itself, not a register
 * loaded with (wins ? idx : best_idx): after the last logit best_idx already holds the answer,
 * and it cannot change before the output is taken (a logit is accepted only while the output
 * is empty or leaving in that cycle). Same cycles; aami5's (5 classes, 28-bit logits) yosys
 * 0.23 synth_ice40: 42 -> 37 LUT4, 38 -> 35 FF.
 */
import { cat, Module } from '../../src/hdl/index.ts';
import { counterBits } from '../widths.ts';
import { carryAdd } from './const-compare.ts';

export interface ArgmaxOptions {
  classes: number;
  width: number;
  /** output best_idx itself (see the file comment; default: an output register) */
  bestAsOutput?: boolean;
  name?: string;
}

export function argmaxUnit(o: ArgmaxOptions): Module {
  const m = new Module(o.name ?? `argmax_${o.classes}x${o.width}${o.bestAsOutput ? '_b' : ''}`, {
    description: 'streaming argmax, ties to the lowest index',
    params: { classes: o.classes, width: o.width },
  });
  const cb = counterBits(o.classes);
  const inp = m.streamIn('in', o.width, { signed: true });
  const out = m.streamOut('out', cb, { reg: !o.bestAsOutput });
  const idx = m.reg('idx', cb);
  const w = o.width;
  const bestInv = m.reg('best_inv', w, { reset: null });
  const bestIdx = m.reg('best_idx', cb, { reset: null });
  // bestAsOutput: the stream's valid from its own register, the payload best_idx
  const outValid = o.bestAsOutput ? m.reg('out_full', 1) : out.valid;
  if (o.bestAsOutput) {
    out.valid.set(outValid);
    out.payload.set(bestIdx);
  }
  const accept = m.let('accept', outValid.not().or(out.ready));
  inp.ready.set(accept);
  const fire = m.let('fire', inp.valid.and(accept));
  const x = inp.payload.asUnsigned();
  const xOrder = w > 1 ? cat(x.bit(w - 1).not(), x.slice(w - 2, 0)) : x.not();
  const greater = carryAdd(xOrder, bestInv, 0).bit(w);
  const wins = m.let('wins', idx.eq(0).or(greater));
  m.If(outValid.and(out.ready), () => outValid.set(0));
  m.If(fire, () => {
    m.If(wins, () => {
      bestInv.set(xOrder.not());
      bestIdx.set(idx);
    });
    m.If(idx.eq(o.classes - 1), () => {
      idx.set(0);
      outValid.set(1);
      if (!o.bestAsOutput) out.payload.set(wins.select(idx, bestIdx));
    }).Else(() => idx.set(idx.add(1).trunc(cb)));
  });
  return m;
}
