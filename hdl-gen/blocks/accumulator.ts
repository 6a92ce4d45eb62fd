/**
 * Folded accumulator: PE lanes each summing one partial result per cycle over the
 * taps/SIMD groups of a fold. `sum` is the complete value including this cycle's input
 * (combinational: (first ? 0 : acc) + in), valid on the fold's last group; `acc` keeps the
 * running value. Loads only when `ce` is high (pipeline stall).
 */
import { Module } from '../../src/hdl/index.ts';

export interface AccumulatorOptions {
  pe: number;
  /** width of each lane's signed input */
  inWidth: number;
  /** width of each lane's signed sum (bounds every partial sum) */
  accWidth: number;
  name?: string;
}

export function foldedAccumulator(o: AccumulatorOptions): Module {
  const m = new Module(o.name ?? `accumulator_pe${o.pe}_i${o.inWidth}_a${o.accWidth}`, {
    description: 'folded accumulator: per lane sum = (first ? 0 : acc) + in',
    params: { pe: o.pe, inWidth: o.inWidth, accWidth: o.accWidth },
  });
  const ce = m.input('ce', 1);
  const first = m.input('first', 1);
  for (let l = 0; l < o.pe; l++) {
    const x = m.input(`in${l}`, o.inWidth, { signed: true });
    const acc = m.reg(`acc${l}`, o.accWidth, { signed: true, reset: null, enable: ce });
    const base = first.select(0, acc);
    const sum = m.let(`sum${l}_full`, base.add(x.sext(o.accWidth)));
    const s = m.output(`sum${l}`, o.accWidth, { signed: true });
    s.set(sum.trunc(o.accWidth));
    acc.set(s);
  }
  return m;
}
