import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { argmax as referenceArgmax } from '../../src/reference/output.ts';
import { foldedAccumulator } from '../../hdl-gen/blocks/accumulator.ts';
import { argmaxUnit } from '../../hdl-gen/blocks/argmax.ts';
import { intDot, intDotModel, intDotWidth } from '../../hdl-gen/blocks/intdot.ts';
import { driveStream, packLanes } from './streams.ts';
import { lintAndCheck } from './tools.ts';

describe('folded accumulator', () => {
  it('PE 3: sums over groups, restarts on first, holds while ce is low (random)', async () => {
    const sim = await Simulator.build(foldedAccumulator({ pe: 3, inWidth: 5, accWidth: 9 }));
    const rng = makeRng(80);
    const cycles = Array.from({ length: 3000 }, () => ({ ce: rng() < 0.8 ? 1 : 0, first: rng() < 0.2 ? 1 : 0, in0: -16 + rng.int(32), in1: -16 + rng.int(32), in2: rng() < 0.5 ? -16 : 15 }));
    const got = sim.run(cycles);
    const acc = [0, 0, 0];
    let started = false;
    cycles.forEach((c, t) => {
      const ins = [c.in0, c.in1, c.in2];
      if (started || c.first) {
        for (let l = 0; l < 3; l++) {
          const sum = (c.first ? 0 : acc[l]!) + ins[l]!;
          // the test keeps runs short enough that 9 bits never wrap (at most ~16 * 15)
          expect(got[t]![`sum${l}`], `cycle ${t} lane ${l}`).toBe(BigInt(((sum + 256) % 512 + 512) % 512 - 256));
        }
      }
      if (c.ce) {
        if (c.first) started = true;
        for (let l = 0; l < 3; l++) acc[l] = (c.first ? 0 : acc[l]!) + ins[l]!;
        for (let l = 0; l < 3; l++) acc[l] = ((acc[l]! + 256) % 512 + 512) % 512 - 256;
      }
    });
  });
});

describe('folded accumulator, registered output', () => {
  it('PE 2: total is the register, one enabled cycle behind the sum, held while ce is low (random)', async () => {
    const sim = await Simulator.build(foldedAccumulator({ pe: 2, inWidth: 5, accWidth: 9, registered: true }));
    const rng = makeRng(81);
    const cycles = Array.from({ length: 3000 }, () => ({ ce: rng() < 0.7 ? 1 : 0, first: rng() < 0.2 ? 1 : 0, in0: -16 + rng.int(32), in1: rng() < 0.5 ? -16 : 15 }));
    const got = sim.run(cycles);
    const acc = [0, 0];
    let started = false;
    let checked = 0;
    cycles.forEach((c, t) => {
      if (started) {
        for (let l = 0; l < 2; l++) expect(got[t]![`total${l}`], `cycle ${t} lane ${l}`).toBe(BigInt(acc[l]!));
        checked++;
      }
      if (c.ce) {
        if (c.first) started = true;
        const ins = [c.in0, c.in1];
        for (let l = 0; l < 2; l++) acc[l] = ((((c.first ? 0 : acc[l]!) + ins[l]! + 256) % 512) + 512) % 512 - 256;
      }
    });
    expect(checked).toBeGreaterThan(2900);
  });

  it('PE 2, unsigned (raw popcounts): sums of counts up to the full width, held while ce is low (random)', async () => {
    const sim = await Simulator.build(foldedAccumulator({ pe: 2, inWidth: 5, accWidth: 7, registered: true, unsigned: true }));
    const rng = makeRng(82);
    // counts 0..16 (a SIMD 16 popcount), first every 4..8 groups: sums reach 7-bit values >= 64
    const cycles = Array.from({ length: 3000 }, () => ({ ce: rng() < 0.7 ? 1 : 0, first: rng() < 0.15 ? 1 : 0, in0: rng.int(17), in1: rng() < 0.5 ? 16 : rng.int(17) }));
    const got = sim.run(cycles);
    const acc = [0, 0];
    let started = false;
    let checked = 0;
    let high = 0;
    cycles.forEach((c, t) => {
      if (started) {
        for (let l = 0; l < 2; l++) expect(got[t]![`total${l}`], `cycle ${t} lane ${l}`).toBe(BigInt(acc[l]!));
        if (acc[1]! >= 64) high++;
        checked++;
      }
      if (c.ce) {
        if (c.first) started = true;
        const ins = [c.in0, c.in1];
        for (let l = 0; l < 2; l++) acc[l] = ((c.first ? 0 : acc[l]!) + ins[l]!) % 128;
      }
    });
    expect(checked).toBeGreaterThan(2900);
    expect(high).toBeGreaterThan(100);
  });
});

describe('layer-1 add/subtract tree', () => {
  it('simd 3 x 4 bits: exhaustive over x and w', async () => {
    const sim = await Simulator.build(intDot({ simd: 3, bits: 4 }));
    const cycles: { x: bigint; w: number; xs: number[] }[] = [];
    for (let w = 0; w < 8; w++) for (let a = -8; a < 8; a++) for (let b = -8; b < 8; b++) for (let c = -8; c < 8; c++) cycles.push({ x: packLanes([a, b, c], 4), w, xs: [a, b, c] });
    const got = sim.run(cycles.map(({ x, w }) => ({ x, w })));
    cycles.forEach((c, t) => expect(got[t]!.sum, `x=${c.xs} w=${c.w}`).toBe(BigInt(intDotModel(c.xs, BigInt(c.w)))));
    expect(intDotWidth(3, 4)).toBe(6);
  });

  it('simd 1 and 4 (weights from memory): exhaustive over w, extremes and random x', async () => {
    for (const simd of [1, 4]) {
      const sim = await Simulator.build(intDot({ simd, bits: 8 }));
      const rng = makeRng(70 + simd);
      const cycles: { x: bigint; w: number; xs: number[] }[] = [];
      for (let w = 0; w < 2 ** simd; w++)
        for (let t = 0; t < 200; t++) {
          const xs = Array.from({ length: simd }, () => (t === 0 ? -128 : t === 1 ? 127 : -128 + rng.int(256)));
          cycles.push({ x: packLanes(xs, 8), w, xs });
        }
      const got = sim.run(cycles.map(({ x, w }) => ({ x, w })));
      cycles.forEach((c, t) => expect(got[t]!.sum, `simd ${simd} x=${c.xs} w=${c.w}`).toBe(BigInt(intDotModel(c.xs, BigInt(c.w)))));
    }
  });

  it('simd 16 x 8 bits, constant weights: random and extremes', async () => {
    const weights = 0xa5c3n;
    const sim = await Simulator.build(intDot({ simd: 16, bits: 8, weights }));
    const rng = makeRng(81);
    const xs = Array.from({ length: 2000 }, (_, t) => Array.from({ length: 16 }, (_, i) => (t === 0 ? -128 : t === 1 ? 127 : t === 2 ? (((weights >> BigInt(i)) & 1n) ? 127 : -128) : -128 + rng.int(256))));
    const got = sim.run(xs.map((x) => ({ x: packLanes(x, 8) })));
    xs.forEach((x, t) => expect(got[t]!.sum).toBe(BigInt(intDotModel(x, weights))));
    expect(got[2]!.sum).toBe(BigInt(16 * 127 + 8)); // each weight's favoured extreme
  });
});

describe('layer-1 add/subtract tree, pipelined', () => {
  // constant weights: mixed, all plus (no minus tree), all minus (no plus tree)
  for (const [simd, stages, constW] of [[7, 1, null], [7, 2, null], [16, 3, 0xb38dn], [5, 2, 0b11111n], [6, 1, 0n], [1, 1, 0n]] as const) {
    it(`simd ${simd} x 9 bits, ${stages} stage(s)${constW !== null ? `, constant weights ${constW.toString(2)}` : ''}, with clock-enable stalls`, async () => {
      const weights = constW ?? undefined;
      const sim = await Simulator.build(intDot({ simd, bits: 9, stages, weights }));
      const rng = makeRng(90 + simd + stages);
      const cycles = Array.from({ length: 2000 }, (_, t) => {
        const xs = Array.from({ length: simd }, () => (t % 40 === 0 ? -256 : t % 40 === 1 ? 255 : -256 + rng.int(512)));
        const w = constW !== null ? undefined : rng.int(2 ** simd);
        return { xs, w, ce: rng() < 0.7 ? 1 : 0 };
      });
      const got = sim.run(cycles.map((c) => ({ x: packLanes(c.xs, 9), ...(c.w === undefined ? {} : { w: c.w }), ce: c.ce })));
      // model: `stages` registers that load when ce is high
      const pipe: (number | null)[] = Array.from({ length: stages }, () => null);
      let checked = 0;
      cycles.forEach((c, t) => {
        const want = pipe[stages - 1];
        if (want !== null && want !== undefined) {
          expect(got[t]!.sum, `cycle ${t}`).toBe(BigInt(want));
          checked++;
        }
        if (c.ce) {
          for (let s = stages - 1; s > 0; s--) pipe[s] = pipe[s - 1]!;
          pipe[0] = intDotModel(c.xs, weights ?? BigInt(c.w!));
        }
      });
      expect(checked).toBeGreaterThan(1900);
    });
  }
});

describe('argmax', () => {
  for (const bestAsOutput of [false, true]) {
    it(`5 classes: ties to the lowest index, random valid/ready${bestAsOutput ? ' (best_idx as the output payload)' : ''}`, async () => {
      const sim = await Simulator.build(argmaxUnit({ classes: 5, width: 7, bestAsOutput }));
      const rng = makeRng(82);
      const sets = Array.from({ length: 300 }, (_, i) => Array.from({ length: 5 }, () => (i % 3 === 0 ? -2 + rng.int(4) : -64 + rng.int(128))));
      sets.push([-64, -64, -64, -64, -64], [63, 63, 0, 63, 63], [-1, -1, -1, -1, 0]);
      const words = sets.flat().map((v) => BigInt.asUintN(7, BigInt(v)));
      const r = await driveStream(sim, words, { rng, expectOutputs: sets.length });
      expect(r.outputs.map(Number)).toEqual(sets.map((s) => referenceArgmax(s)));
      expect(sets.filter((s) => new Set(s).size < 5).length).toBeGreaterThan(50); // ties exercised
    });
  }
});

describe('small blocks pass the tools', () => {
  it('lint-clean and yosys check -assert', async () => {
    await lintAndCheck(foldedAccumulator({ pe: 2, inWidth: 6, accWidth: 10 }));
    await lintAndCheck(foldedAccumulator({ pe: 2, inWidth: 6, accWidth: 10, registered: true }));
    await lintAndCheck(foldedAccumulator({ pe: 2, inWidth: 5, accWidth: 7, registered: true, unsigned: true }));
    await lintAndCheck(intDot({ simd: 5, bits: 8 }));
    await lintAndCheck(intDot({ simd: 4, bits: 6, weights: 0b1010n }));
    await lintAndCheck(intDot({ simd: 7, bits: 9, stages: 2 }));
    await lintAndCheck(argmaxUnit({ classes: 17, width: 20 }));
    await lintAndCheck(argmaxUnit({ classes: 17, width: 20, bestAsOutput: true }));
  });
});
