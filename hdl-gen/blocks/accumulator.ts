/**
 * Folded accumulator: PE lanes each summing one partial result per cycle over the
 * taps/SIMD groups of a fold. Loads only when `ce` is high (pipeline stall).
 *
 * Two ways to read the result:
 * - default: `sum` is the complete value including this cycle's input (combinational:
 *   (first ? 0 : acc) + in), valid on the fold's last group; `acc` keeps the running value;
 * - `registered`: `total` is the accumulator register itself, which holds the complete value
 *   one enabled cycle after the fold's last group (until the next enabled input). The engine
 *   reads it there, so the adder tree + accumulator adder and the output function behind it
 *   are two clock periods instead of one, at no flip-flop cost (the register exists anyway;
 *   only with one group per fold, where it was unused, does it become a pipeline register).
 */
import { Module } from '../../src/hdl/index.ts';

export interface AccumulatorOptions {
  pe: number;
  /** width of each lane's signed input */
  inWidth: number;
  /** width of each lane's signed sum (bounds every partial sum) */
  accWidth: number;
  /** output the register (`total<l>`) instead of the combinational sum (`sum<l>`) */
  registered?: boolean;
  /** unsigned inputs and sums (the engine's raw popcounts, see estimate.ts's countAccumulation) */
  unsigned?: boolean;
  /**
   * one group per fold (`registered` only): every input is a fold's first, so the register
   * just loads it and there is no `first` input (see below)
   */
  single?: boolean;
  name?: string;
}

export function foldedAccumulator(o: AccumulatorOptions): Module {
  const sg = !o.unsigned;
  const m = new Module(o.name ?? `accumulator_pe${o.pe}_i${o.inWidth}_a${o.accWidth}${o.registered ? '_r' : ''}${sg ? '' : '_u'}`, {
    description: o.single ? 'accumulator of one group per fold: per lane acc <= in, total = acc' : o.registered ? 'folded accumulator: per lane acc <= (first ? 0 : acc) + in, total = acc' : 'folded accumulator: per lane sum = (first ? 0 : acc) + in',
    params: { pe: o.pe, inWidth: o.inWidth, accWidth: o.accWidth, registered: !!o.registered, ...(sg ? {} : { unsigned: true }), ...(o.single ? { single: true } : {}) },
  });
  if (o.single && !o.registered) throw new Error('foldedAccumulator: single needs registered');
  const ce = m.input('ce', 1);
  // One group per fold (the engine passes it on iCE40): `first` is always 1, but across the
  // module boundary (synth -noflatten) Yosys kept the adder and the choice, a LUT4 per sum bit
  // (the 1 ms UP5K design's conv1, SIMD 7 = its whole kernel: 11 LUT4 -> 0)
  const first = o.single ? null : m.input('first', 1);
  for (let l = 0; l < o.pe; l++) {
    const x = m.input(`in${l}`, o.inWidth, { signed: sg });
    const acc = m.reg(`acc${l}`, o.accWidth, { signed: sg, reset: null, enable: ce });
    // first ? in : acc + in rather than (first ? 0 : acc) + in: the choice comes after the
    // addition, so it merges into each sum bit's LUT4 (first, acc, in, carry in) and the carry
    // chain takes acc and in as they are; gating acc before the addition cost a LUT4 per bit
    // more (yosys 0.23 synth_ice40, aami5 smallest folding: conv1/conv2/conv6 21/13/19 -> 11/7/10
    // LUT4, one per sum bit)
    const xs = sg ? x.sext(o.accWidth) : x.zext(o.accWidth);
    if (!first) {
      acc.set(xs);
      m.output(`total${l}`, o.accWidth, { signed: sg }).set(acc);
      continue;
    }
    const sum = m.let(`sum${l}_full`, first.select(xs, acc.add(xs).trunc(o.accWidth)));
    if (o.registered) {
      acc.set(sum.trunc(o.accWidth));
      m.output(`total${l}`, o.accWidth, { signed: sg }).set(acc);
      continue;
    }
    const s = m.output(`sum${l}`, o.accWidth, { signed: sg });
    s.set(sum.trunc(o.accWidth));
    acc.set(s);
  }
  return m;
}
