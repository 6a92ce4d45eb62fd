import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { emitDesign, type Module } from '../../src/hdl/index.ts';
import { resolveTool, runTool } from '../../src/tools/index.ts';
import { registerLevels, xnorPopcount, xnorPopcountModel } from '../../hdl-gen/blocks/popcount.ts';
import { compressorPlan } from '../../hdl-gen/blocks/adder-tree.ts';
import { adderTreeLuts, popcountLuts } from '../../hdl-gen/estimate.ts';
import { lintAndCheck } from './tools.ts';

function randBits(rng: () => number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) if (rng() < 0.5) v |= 1n << BigInt(i);
  return v;
}

describe('XNOR + popcount block', () => {
  it('places pipeline registers evenly over the tree levels', () => {
    expect(registerLevels(3, 0)).toEqual([]);
    expect(registerLevels(4, 1)).toEqual([2]);
    expect(registerLevels(6, 2)).toEqual([2, 4]);
  });

  it('ECP5 compressor plan: full adders until two rows, one bit eliminated per full adder', () => {
    expect(compressorPlan(1)).toEqual({ rounds: 0, fullAdders: 0, rowWidth: 1 });
    expect(compressorPlan(2)).toEqual({ rounds: 0, fullAdders: 0, rowWidth: 1 });
    expect(compressorPlan(3)).toEqual({ rounds: 1, fullAdders: 1, rowWidth: 2 });
    expect(compressorPlan(112)).toEqual({ rounds: 8, fullAdders: 103, rowWidth: 6 });
    for (const n of [8, 16, 56, 224]) {
      const p = compressorPlan(n);
      // n bits in, at most two per column of rowWidth out, and the two rows can hold n
      expect(n - p.fullAdders).toBeLessThanOrEqual(2 * p.rowWidth);
      expect(2 * (2 ** p.rowWidth - 1)).toBeGreaterThanOrEqual(n);
    }
  });

  it('popcountLuts: the iCE40 pairing tree, the ECP5 compressor tree', () => {
    expect(popcountLuts(112, 'ice40')).toBe(adderTreeLuts(112, 1));
    // 112 XNORs, 103 full adders, a 6-bit final adder in 4 CCU2C
    expect(popcountLuts(112, 'ecp5')).toBe(112 + 206 + 8);
    expect(popcountLuts(112, 'ecp5', false)).toBe(206 + 8);
  });

  for (const family of [undefined, 'ecp5'] as const) {
    const tag = family === 'ecp5' ? ' (ECP5 full-adder tree)' : '';
    it(`simd 4 with mask, combinational: exhaustive over x, w, mask${tag}`, async () => {
      const sim = await Simulator.build(xnorPopcount({ simd: 4, mask: true, family }));
      const cycles = [];
      for (let x = 0; x < 16; x++) for (let w = 0; w < 16; w++) for (let k = 0; k < 16; k++) cycles.push({ x, w, mask: k });
      const got = sim.run(cycles);
      cycles.forEach((c, t) => expect(got[t]!.count, `x=${c.x} w=${c.w} mask=${c.mask}`).toBe(BigInt(xnorPopcountModel(BigInt(c.x), BigInt(c.w), BigInt(c.mask), 4))));
    });

    for (const [simd, stages] of [[37, 2], [64, 1], [7, 4], ...(family === 'ecp5' ? ([[224, 3], [112, 1], [2, 1]] as const) : [])] as const) {
      it(`simd ${simd}, ${stages} pipeline stages, with clock-enable stalls: random${tag}`, async () => {
        const sim = await Simulator.build(xnorPopcount({ simd, stages, family }));
        const rng = makeRng(simd);
        const all = (1n << BigInt(simd)) - 1n;
        const cycles = Array.from({ length: 3000 }, (_, i) => {
          // biased draws reach the extremes (all agree / none agree)
          const x = i % 50 === 0 ? all : randBits(rng, simd);
          const w = i % 77 === 0 ? x ^ all : i % 50 === 0 ? all : randBits(rng, simd);
          return { x, w, ce: rng() < 0.7 ? 1 : 0 };
        });
        const got = sim.run(cycles);
        // model: a pipeline of `stages` registers that load when ce is high
        const pipe: number[] = Array.from({ length: stages }, () => -1);
        let checked = 0;
        cycles.forEach((c, t) => {
          const comb = xnorPopcountModel(c.x, c.w, all, simd);
          const want = (stages as number) === 0 ? comb : pipe[stages - 1]!;
          if (want >= 0) {
            expect(got[t]!.count, `cycle ${t}`).toBe(BigInt(want));
            checked++;
          }
          if (c.ce) {
            for (let s = stages - 1; s > 0; s--) pipe[s] = pipe[s - 1]!;
            if (stages > 0) pipe[0] = comb;
          }
        });
        expect(checked).toBeGreaterThan(2900);
        expect(got.some((o) => o.count === BigInt(simd))).toBe(true);
        expect(got.some((o) => o.count === 0n)).toBe(true);
      });
    }

    it(`constant weights (fully parallel engine): exhaustive over x for simd 9${tag}`, async () => {
      const weights = 0b101100111n;
      const sim = await Simulator.build(xnorPopcount({ simd: 9, weights, mask: true, family }));
      const rng = makeRng(9);
      const cycles = Array.from({ length: 512 }, (_, x) => ({ x, mask: rng.int(512) }));
      const got = sim.run(cycles);
      cycles.forEach((c, t) => expect(got[t]!.count).toBe(BigInt(xnorPopcountModel(BigInt(c.x), weights, BigInt(c.mask), 9))));
    });

    it(`constant weights without a mask: exhaustive over x for simd 3 and 5${tag}`, async () => {
      // (ECP5: Verilator 5.006 -O3 got every x of these wrong while the full adder's sum was
      // written a ^ b ^ c)
      for (const [simd, weights] of [[3, 5n], [5, 25n]] as const) {
        const sim = await Simulator.build(xnorPopcount({ simd, weights, family, name: `pc_const_${simd}${family ?? ''}` }));
        const cycles = Array.from({ length: 2 ** simd }, (_, x) => ({ x }));
        const got = sim.run(cycles);
        cycles.forEach((c, t) => expect(got[t]!.count, `x=${c.x}`).toBe(BigInt(xnorPopcountModel(BigInt(c.x), weights, (1n << BigInt(simd)) - 1n, simd))));
      }
    });

    it(`is lint-clean and passes yosys check -assert${tag}`, async () => {
      await lintAndCheck(xnorPopcount({ simd: 37, stages: 2, mask: true, family }));
      await lintAndCheck(xnorPopcount({ simd: 16, weights: 0xbeefn, family }));
    });
  }

  it('ECP5: synth_ecp5 maps the full-adder tree to what popcountLuts counts (LUT4 + 2 per CCU2C), about half the pairing tree', async () => {
    const tree = await ecp5Cells(xnorPopcount({ simd: 112, family: 'ecp5' }));
    expect(tree.lut4 + 2 * tree.ccu2c).toBe(popcountLuts(112, 'ecp5'));
    const pairing = await ecp5Cells(xnorPopcount({ simd: 112 }));
    // 318 + 4 CCU2C against 615 + 4 (Yosys 0.23)
    expect(tree.lut4 + 2 * tree.ccu2c).toBeLessThan(0.6 * (pairing.lut4 + 2 * pairing.ccu2c));
  });
});

/** LUT4 and CCU2C cells of a block after synth_ecp5 with the hierarchy kept, as `bitbeat synth` runs it. */
async function ecp5Cells(m: Module): Promise<{ lut4: number; ccu2c: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bitbeat-pc-'));
  try {
    const files = emitDesign(m, dir).filter((f) => f.endsWith('.v')).map((f) => basename(f));
    const yosys = await resolveTool('yosys', 'synthesizing the popcount');
    const r = await runTool(yosys, ['-p', `read_verilog ${files.join(' ')}; synth_ecp5 -noflatten -top ${m.name}; stat`], { cwd: dir, check: false });
    expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
    // the totals over the hierarchy (without submodules, the only module's own statistics)
    const stat = r.stdout.slice(r.stdout.lastIndexOf('==='));
    const count = (cell: string) => Number(new RegExp(`^\\s+${cell}\\s+(\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
    return { lut4: count('LUT4'), ccu2c: count('CCU2C') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
