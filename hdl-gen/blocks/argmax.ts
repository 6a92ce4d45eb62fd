/**
 * Argmax over a stream of `classes` signed logits in channel order: the index of the
 * largest, ties to the lowest index (a later value must be strictly greater to win). The
 * index goes out as a one-word stream after the last logit.
 */
import { Module } from '../../src/hdl/index.ts';
import { counterBits } from '../widths.ts';

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
  const best = m.reg('best', o.width, { signed: true, reset: null });
  const bestIdx = m.reg('best_idx', cb, { reset: null });
  const accept = m.let('accept', out.valid.not().or(out.ready));
  inp.ready.set(accept);
  const fire = m.let('fire', inp.valid.and(accept));
  const wins = m.let('wins', idx.eq(0).or(inp.payload.gt(best)));
  m.If(out.valid.and(out.ready), () => out.valid.set(0));
  m.If(fire, () => {
    m.If(wins, () => {
      best.set(inp.payload);
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
