/**
 * Logit unit (qmodel LogitOutput): per output channel c and (pooled) position value a,
 *   v = (a >= 0 ? pos_c * a : neg_c * a) + bias_c, logit_c = sum of v over the positions.
 * Being linear on each side of zero, the sum is pos_c * Spos_c + neg_c * Sneg_c + P * bias_c
 * with Spos = sum of the non-negative a and Sneg = sum of the negative a, so the unit only
 * accumulates two sums per channel as positions arrive (all channels of a position in one
 * word) and, after the image's P-th position, multiplies by the constants (shift-add trees:
 * the constants are fixed at generation time) and streams the C logits out in channel order.
 * Logits are integers in units of 2^-fracBits, exactly the reference's values.
 */
import { constant, Module, tree, type Expr } from '../../src/hdl/index.ts';
import type { LogitOutput } from '../../src/model/qmodel.ts';
import { counterBits, signedBits } from '../widths.ts';

export interface LogitOptions {
  fns: LogitOutput['fns'];
  /** width of each signed input value */
  accWidth: number;
  /** positions per image */
  positions: number;
  name?: string;
}

/** Width of the logits: bounds every value the unit can produce. */
export function logitWidth(o: Pick<LogitOptions, 'fns' | 'accWidth' | 'positions'>): number {
  const amax = 2 ** (o.accWidth - 1);
  let b = 0;
  for (const f of o.fns) b = Math.max(b, o.positions * amax * (Math.abs(f.pos) + Math.abs(f.neg)) + o.positions * Math.abs(f.bias));
  return signedBits(-b, b);
}

/** e * k for a constant k, as a shift-add tree, `width` bits signed. */
export function mulConst(e: Expr, k: number, width: number): Expr {
  const mag = Math.abs(k);
  if (mag === 0) return constant(0, width, true);
  const terms: Expr[] = [];
  for (let bit = 0; 2 ** bit <= mag; bit++) if (Math.floor(mag / 2 ** bit) % 2 === 1) terms.push(e.sext(width).shl(bit).trunc(width));
  const sum = tree(terms, (a, b) => a.add(b).trunc(width));
  return k < 0 ? sum.neg().trunc(width) : sum;
}

export function logitUnit(o: LogitOptions): Module {
  const C = o.fns.length;
  const W = o.accWidth;
  const LW = logitWidth(o);
  const SW = signedBits(-o.positions * 2 ** (W - 1), o.positions * 2 ** (W - 1));
  const m = new Module(o.name ?? `logits_${C}ch_a${W}_n${o.positions}`, {
    description: 'logits: sums of positive and negative parts, constant multiply, channel-order stream',
    params: { channels: C, accWidth: W, positions: o.positions, logitWidth: LW },
  });
  const inp = m.streamIn('in', C * W);
  const out = m.streamOut('out', LW, { signed: true, reg: true });
  const pos = m.reg('pos', counterBits(o.positions));
  const emitting = m.reg('emitting', 1);
  const ch = m.reg('ch', counterBits(C));
  const spos = o.fns.map((_, c) => m.reg(`spos${c}`, SW, { signed: true, reset: null }));
  const sneg = o.fns.map((_, c) => m.reg(`sneg${c}`, SW, { signed: true, reset: null }));
  inp.ready.set(emitting.not());
  const fire = m.let('fire', inp.valid.and(emitting.not()));
  const first = pos.eq(0);
  m.If(fire, () => {
    for (let c = 0; c < C; c++) {
      const a = inp.payload.slice(c * W + W - 1, c * W).asSigned().sext(SW);
      const neg = a.lt(constant(0, SW, true));
      spos[c]!.set(first.select(neg.select(constant(0, SW, true), a), neg.select(spos[c]!, spos[c]!.add(a).trunc(SW))));
      sneg[c]!.set(first.select(neg.select(a, constant(0, SW, true)), neg.select(sneg[c]!.add(a).trunc(SW), sneg[c]!)));
    }
    m.If(pos.eq(o.positions - 1), () => {
      pos.set(0);
      emitting.set(1);
    }).Else(() => pos.set(pos.add(1).trunc(pos.width)));
  });
  const logits = o.fns.map((f, c) =>
    m.let(`logit${c}`, mulConst(spos[c]!, f.pos, LW).add(mulConst(sneg[c]!, f.neg, LW)).trunc(LW).add(constant(o.positions * f.bias, LW, true)).trunc(LW)),
  );
  const canLoad = out.valid.not().or(out.ready);
  m.If(out.valid.and(out.ready), () => out.valid.set(0));
  m.If(emitting.and(canLoad), () => {
    out.valid.set(1);
    m.Switch(ch, (sw) => logits.forEach((l, c) => sw.Case(c, () => out.payload.set(l))));
    m.If(ch.eq(C - 1), () => {
      ch.set(0);
      emitting.set(0);
    }).Else(() => ch.set(ch.add(1).trunc(ch.width)));
  });
  return m;
}

/** TypeScript model: the logits of one image given its positions' values (position-major). */
export function logitModel(fns: LogitOutput['fns'], values: number[][]): number[] {
  return fns.map((f, c) => values.reduce((s, row) => s + (row[c]! >= 0 ? f.pos * row[c]! : f.neg * row[c]!) + f.bias, 0));
}
