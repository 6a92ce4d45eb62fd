import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { compileFns, evalFn } from '../../src/reference/fns.ts';
import type { BitFunction } from '../../src/model/qmodel.ts';
import { countIntervals, fnIntervals, splitSlots, thresholdParamColumns, thresholdUnit } from '../../hdl-gen/blocks/threshold.ts';
import { lintAndCheck } from './tools.ts';

// Every kind, bounds inside, at and beyond the 6-bit accumulator range [-32, 31].
const FNS: BitFunction[] = [
  { kind: 'ge', t: 3 },
  { kind: 'le', t: -4 },
  { kind: 'in', lo: -5, hi: 7 },
  { kind: 'out', lo: 0, hi: 2 },
  { kind: 'const', v: 1 },
  { kind: 'const', v: 0 },
  { kind: 'table', min: -32, size: 64, bits: 'f0e1d2c3b4a59687' },
  { kind: 'ge', t: 40 },
  { kind: 'le', t: -40 },
  { kind: 'in', lo: -100, hi: 100 },
  { kind: 'table', min: -32, size: 64, bits: '00ff00000f0f0001' },
  { kind: 'out', lo: 31, hi: 31 },
];

describe('threshold unit', () => {
  it('interval forms of tables merge runs across unreachable values', () => {
    const t: BitFunction = { kind: 'table', min: 0, size: 6, bits: '15' }; // bits 0,2,4 set
    expect(fnIntervals(t).parts).toEqual([[0, 0], [2, 2], [4, 4]]);
    expect(fnIntervals(t, { lo: 0, hi: 4, parts: [{ lo: 0, hi: 4, step: 2 }] }).parts).toEqual([[0, 4]]);
  });

  for (const pe of [1, 3, 12]) {
    it(`PE ${pe} (${12 / pe} folds): exhaustive over every fold and every 6-bit a`, async () => {
      const sim = await Simulator.build(thresholdUnit({ fns: FNS, pe, accWidth: 6 }));
      const folds = FNS.length / pe;
      const rng = makeRng(pe);
      const cycles: Record<string, number>[] = [];
      for (let f = 0; f < folds; f++) {
        for (let a = -32; a < 32; a++) {
          const c: Record<string, number> = folds > 1 ? { fold: f } : {};
          // lane 0 sweeps a; the others get random values, also checked
          for (let l = 0; l < pe; l++) c[`a${l}`] = l === 0 ? a : -32 + rng.int(64);
          cycles.push(c);
        }
      }
      const got = sim.run(cycles);
      const compiled = compileFns(FNS);
      cycles.forEach((c, t) => {
        const f = c.fold ?? 0;
        let want = 0n;
        for (let l = 0; l < pe; l++) want |= BigInt(evalFn(compiled, f * pe + l, c[`a${l}`]!)) << BigInt(l);
        expect(got[t]!.bits, `fold ${f} a0=${c.a0}`).toBe(want);
      });
    });
  }

  it('split outputs: G/L bits per interval; OR/AND-pooling them then combining equals f(max a)', async () => {
    const pe = 4;
    const S = splitSlots(FNS);
    const sim = await Simulator.build(thresholdUnit({ fns: FNS, pe, accWidth: 6, split: true }));
    const folds = FNS.length / pe;
    const rng = makeRng(77);
    const compiled = compileFns(FNS);
    // windows of 3 random values per lane: simulate each value, pool the bits as the pool unit
    // does, combine, and compare with the reference function of the maximum
    for (let trial = 0; trial < 60; trial++) {
      const f = trial % folds;
      const values = Array.from({ length: 3 }, () => Array.from({ length: pe }, () => -32 + rng.int(64)));
      const got = sim.run(values.map((v) => ({ fold: f, ...Object.fromEntries(v.map((a, l) => [`a${l}`, a])) })));
      const words = got.map((o) => o.cmp!);
      for (let l = 0; l < pe; l++) {
        const c = f * pe + l;
        let pooled = 0n;
        for (let k = 0; k < 2 * S; k++) {
          const bitsK = words.map((w) => (w >> BigInt(l * 2 * S + k)) & 1n);
          const p = k < S ? bitsK.reduce((a, b) => a | b) : bitsK.reduce((a, b) => a & b);
          pooled |= p << BigInt(k);
        }
        // combine as splitCombine does
        let any = 0;
        for (let k = 0; k < S; k++) any |= Number((pooled >> BigInt(k)) & (pooled >> BigInt(S + k)) & 1n);
        const bit = any ^ fnIntervals(FNS[c]!).inv;
        const max = Math.max(...values.map((v) => v[l]!));
        expect(bit, `channel ${c} values ${values.map((v) => v[l])}`).toBe(evalFn(compiled, c, max));
      }
    }
  });

  for (const [pe, split, params] of [
    [1, false, 'rom'],
    [3, false, 'rom'],
    [2, true, 'rom'],
    [1, false, 'reg'],
    [3, false, 'reg'],
    [2, true, 'reg'],
  ] as const) {
    it(`parameters from a ${params === 'rom' ? 'block-RAM ROM' : 'registered case statement'}, PE ${pe}${split ? ' split' : ''}: fold_next of one cycle selects the next cycle's parameters, random fold order`, async () => {
      const caseSim = await Simulator.build(thresholdUnit({ fns: FNS, pe, accWidth: 6, split }));
      const romSim = await Simulator.build(thresholdUnit({ fns: FNS, pe, accWidth: 6, split, params }));
      const folds = FNS.length / pe;
      const rng = makeRng(300 + pe);
      // fold_next at cycle t chooses the parameters applied at cycle t + 1 (held: repeats)
      const foldSeq = Array.from({ length: 400 }, () => rng.int(folds));
      const lanes = foldSeq.map(() => Array.from({ length: pe }, () => -32 + rng.int(64)));
      const romCycles = foldSeq.map((f, t) => ({ fold_next: f, ...Object.fromEntries(lanes[t]!.map((a, l) => [`a${l}`, a])) }));
      const caseCycles = foldSeq.map((_, t) => ({ fold: foldSeq[Math.max(0, t - 1)]!, ...Object.fromEntries(lanes[t]!.map((a, l) => [`a${l}`, a])) }));
      const port = split ? 'cmp' : 'bits';
      const got = romSim.run(romCycles).map((o) => o[port]);
      const want = caseSim.run(caseCycles).map((o) => o[port]);
      // cycle 0 has no previous read
      expect(got.slice(1)).toEqual(want.slice(1));
    });
  }

  for (const [pe, split, params, romWidth] of [
    [3, false, 'reg', undefined],
    [2, true, 'rom', undefined],
    // partial ROMs (the fields beyond the word limit, and a field split across it, in the
    // registered case statement), and whole ROMs at PE 2 and 4
    [2, false, 'rom', 16],
    [4, false, 'rom', 10],
    [4, true, 'rom', 5],
    [2, false, 'rom', undefined],
    [4, false, 'rom', undefined],
  ] as const) {
    it(`parameters with an enable (${params}${romWidth !== undefined ? ` of at most ${romWidth} bits` : ''}, PE ${pe}${split ? ' split' : ''}): fold_next loads only at an edge with ce high, held through ce low`, async () => {
      const caseSim = await Simulator.build(thresholdUnit({ fns: FNS, pe, accWidth: 6, split }));
      const unit = thresholdUnit({ fns: FNS, pe, accWidth: 6, split, params, enable: true, ...(romWidth !== undefined ? { romWidth } : {}) });
      if (romWidth !== undefined) {
        // the ROM word is the limit wide; the rest is in case statements
        const cols = thresholdParamColumns({ fns: FNS, pe, accWidth: 6, split });
        expect(cols.width).toBeGreaterThan(romWidth);
        expect(unit.generationParams.romWidth).toBe(romWidth);
      }
      const enSim = await Simulator.build(unit);
      const folds = FNS.length / pe;
      const rng = makeRng(500 + pe);
      const n = 400;
      const foldSeq = Array.from({ length: n }, () => rng.int(folds));
      const ces = Array.from({ length: n }, () => (rng() < 0.6 ? 1 : 0));
      const lanes = foldSeq.map(() => Array.from({ length: pe }, () => -32 + rng.int(64)));
      // the fold in force at cycle t: fold_next of the last cycle before t with ce high
      const inForce: (number | null)[] = [];
      let cur: number | null = null;
      for (let t = 0; t < n; t++) {
        inForce.push(cur);
        if (ces[t]) cur = foldSeq[t]!;
      }
      const port = split ? 'cmp' : 'bits';
      const got = enSim.run(foldSeq.map((f, t) => ({ fold_next: f, ce: ces[t]!, ...Object.fromEntries(lanes[t]!.map((a, l) => [`a${l}`, a])) }))).map((o) => o[port]);
      const want = caseSim.run(foldSeq.map((_, t) => ({ fold: inForce[t] ?? 0, ...Object.fromEntries(lanes[t]!.map((a, l) => [`a${l}`, a])) }))).map((o) => o[port]);
      let checked = 0;
      for (let t = 0; t < n; t++) {
        if (inForce[t] === null) continue;
        expect(got[t], `cycle ${t} fold ${inForce[t]}`).toBe(want[t]);
        checked++;
      }
      expect(checked).toBeGreaterThan(n - 10);
    });
  }

  for (const [pe, split, reads, romWidth] of [
    [2, false, 3, undefined],
    [4, true, 2, undefined],
    [2, false, 2, 10],
  ] as const) {
    it(`ROM read in ${reads} parts over a fold's last groups (PE ${pe}${split ? ' split' : ''}${romWidth !== undefined ? `, at most ${romWidth} bits` : ''}): once a fold's last group has loaded, its whole word is in force until the next enabled edge`, async () => {
      const groups = 5;
      const caseSim = await Simulator.build(thresholdUnit({ fns: FNS, pe, accWidth: 6, split }));
      const unit = thresholdUnit({ fns: FNS, pe, accWidth: 6, split, params: 'rom', enable: true, romReads: { reads, groups }, ...(romWidth !== undefined ? { romWidth } : {}) });
      expect(unit.generationParams.romReads).toBe(reads);
      const sim = await Simulator.build(unit);
      const folds = FNS.length / pe;
      const rng = makeRng(700 + pe + reads);
      const n = 600;
      // the accumulator's loads: every fold's groups in order, folds in random order
      const steps: [number, number][] = [];
      while (steps.length < n) {
        const f = rng.int(folds);
        for (let g = 0; g < groups; g++) steps.push([f, g]);
      }
      const ces = Array.from({ length: n }, () => (rng() < 0.6 ? 1 : 0));
      const lanes = Array.from({ length: n }, () => Array.from({ length: pe }, () => -32 + rng.int(64)));
      const inputs: Record<string, number>[] = [];
      const inForce: (number | null)[] = [];
      let at = 0;
      let cur: number | null = null;
      for (let t = 0; t < n; t++) {
        const [f, g] = steps[at]!;
        inputs.push({ fold_next: f, group_next: g, ce: ces[t]!, ...Object.fromEntries(lanes[t]!.map((a, l) => [`a${l}`, a])) });
        inForce.push(cur);
        if (ces[t]) {
          cur = g === groups - 1 ? f : null;
          at++;
        }
      }
      const port = split ? 'cmp' : 'bits';
      const got = sim.run(inputs).map((o) => o[port]);
      const want = caseSim.run(inputs.map((x, t) => ({ fold: inForce[t] ?? 0, ...Object.fromEntries(lanes[t]!.map((a, l) => [`a${l}`, a])) }))).map((o) => o[port]);
      let checked = 0;
      for (let t = 0; t < n; t++) {
        if (inForce[t] === null) continue;
        expect(got[t], `cycle ${t} fold ${inForce[t]}`).toBe(want[t]);
        checked++;
      }
      expect(checked).toBeGreaterThan(30);
    });
  }

  it('count intervals: u is in the transformed intervals exactly when a = 2u - K is in the originals (exhaustive on small ranges)', () => {
    const inAny = (iv: { parts: [number, number][]; inv: 0 | 1 }, x: number) => (iv.parts.some(([lo, hi]) => x >= lo && x <= hi) ? 1 : 0) ^ iv.inv;
    const bounds = [-Infinity, -7, -6, -5, -1, 0, 1, 2, 5, 6, Infinity];
    for (const K of [0, 1, 6, 7, 12]) {
      for (const lo of bounds) {
        for (const hi of bounds) {
          for (const inv of [0, 1] as const) {
            if (lo === Infinity || hi === -Infinity) continue;
            const iv = { parts: [[lo, hi]] as [number, number][], inv };
            const cv = countIntervals(iv, K);
            for (let u = -4; u <= 16; u++) expect(inAny(cv, u), `K ${K} [${lo}, ${hi}] inv ${inv} u ${u}`).toBe(inAny(iv, 2 * u - K));
          }
        }
      }
    }
    // an interval holding only values of the other parity than K maps to no u and is dropped
    expect(countIntervals({ parts: [[3, 3], [4, 9]], inv: 0 }, 6).parts).toEqual([[5, 7]]);
  });

  for (const K of [31, 32]) {
    for (const [pe, split, params] of [
      [1, false, 'case'],
      [3, false, 'reg'],
      [4, true, 'case'],
      [2, true, 'rom'],
    ] as const) {
      it(`count input (a = 2u - ${K}), PE ${pe}${split ? ' split' : ''}, ${params} parameters: exhaustive over every fold and every 5-bit u against the reference of a`, async () => {
        const countSim = await Simulator.build(thresholdUnit({ fns: FNS, pe, accWidth: 5, split, params, countOffset: K }));
        const S = splitSlots(FNS);
        const folds = FNS.length / pe;
        const rng = makeRng(900 + K + pe);
        const us: number[][] = [];
        for (let f = 0; f < folds; f++) for (let u = 0; u < 32; u++) us.push(Array.from({ length: pe }, (_, l) => (l === 0 ? u : rng.int(32))));
        const foldOf = (t: number) => Math.floor(t / 32);
        const ahead = params !== 'case' && folds > 1;
        // registered parameters: fold_next one cycle ahead (the first cycle is a dummy read)
        const countCycles = [...us, us[us.length - 1]!].map((v, t) => ({
          ...(folds > 1 ? (ahead ? { fold_next: foldOf(Math.min(t, us.length - 1)) } : { fold: foldOf(Math.min(t, us.length - 1)) }) : {}),
          ...Object.fromEntries(v.map((u, l) => [`a${l}`, ahead ? (us[t - 1] ?? v)[l]! : u])),
        }));
        const gotAll = countSim.run(countCycles);
        const got = ahead ? gotAll.slice(1) : gotAll.slice(0, us.length);
        const compiled = compileFns(FNS);
        us.forEach((v, t) => {
          for (let l = 0; l < pe; l++) {
            const c = foldOf(t) * pe + l;
            let bit: number;
            if (split) {
              // combined as splitCombine does (a window of one value; pooling: the engine tests)
              const w = got[t]!.cmp! >> BigInt(l * 2 * S);
              let any = 0;
              for (let k = 0; k < S; k++) any |= Number((w >> BigInt(k)) & (w >> BigInt(S + k)) & 1n);
              bit = any ^ fnIntervals(FNS[c]!).inv;
            } else bit = Number((got[t]!.bits! >> BigInt(l)) & 1n);
            expect(bit, `channel ${c} u ${v[l]}`).toBe(evalFn(compiled, c, 2 * v[l]! - K));
          }
        });
      });
    }
  }

  it('count input: the parameter columns are no wider than the signed form of the same functions', () => {
    const signed = thresholdParamColumns({ fns: FNS, pe: 2, accWidth: 6, split: true });
    const counts = thresholdParamColumns({ fns: FNS, pe: 2, accWidth: 5, split: true, countOffset: 32 });
    expect(counts.width).toBeLessThanOrEqual(signed.width);
    expect(counts.bounds).toBeLessThanOrEqual(signed.bounds);
  });

  it('is lint-clean and passes yosys check -assert', async () => {
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 2, accWidth: 5, split: true, params: 'reg', countOffset: 31 }));
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 3, accWidth: 5, countOffset: 32 }));
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 3, accWidth: 6, params: 'reg', enable: true }));
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 2, accWidth: 6, split: true }));
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 3, accWidth: 6 }));
    await lintAndCheck(thresholdUnit({ fns: FNS.slice(0, 1), pe: 1, accWidth: 9 }));
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 2, accWidth: 6, split: true, params: 'reg' }));
    const rom = await lintAndCheck(thresholdUnit({ fns: FNS.slice(0, 4), pe: 1, accWidth: 6, params: 'rom' }));
    expect(rom).toMatch(/SB_RAM40_4K\s+1\n/);
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 2, accWidth: 6, params: 'rom', enable: true, romReads: { reads: 3, groups: 5 } }));
    await lintAndCheck(thresholdUnit({ fns: FNS, pe: 2, accWidth: 6, params: 'rom', enable: true, romWidth: 10, romReads: { reads: 2, groups: 5 } }));
  });
});
