/**
 * The multiply expression `a.mul(b)`: width and signedness rules, the emitted Verilog, lint
 * under `verilator --lint-only -Wall`, Verilator simulation against bigint products over
 * random vectors (signed and unsigned, up to 32 x 32 bits), and Yosys mapping to SB_MAC16.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constant, emitDesign, emitDesignFiles, HdlError, Module } from '../../src/hdl/index.ts';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import { resolveTool, runTool } from '../../src/tools/index.ts';

/** p = a * b (comb), q = low half of the product, r = a * 3 (constant operand), all outputs. */
function multiplier(wa: number, wb: number, signed: boolean): Module {
  const m = new Module(`mul_${wa}x${wb}_${signed ? 's' : 'u'}`, { description: 'multiply test design' });
  const a = m.input('a', wa, { signed });
  const b = m.input('b', wb, { signed });
  m.output('p', wa + wb, { signed }).set(a.mul(b));
  const lowBits = Math.max(1, Math.min(wa, wb));
  m.output('q', lowBits, { signed }).set(a.mul(b).trunc(lowBits));
  m.output('r', wa + 3, { signed }).set(a.mul(constant(3, 3, signed)));
  return m;
}

const wrap = (v: bigint, w: number, signed: boolean): bigint => (signed ? BigInt.asIntN(w, v) : BigInt.asUintN(w, v));

function randomValue(rng: ReturnType<typeof makeRng>, w: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < w; i += 16) v = (v << 16n) | BigInt(rng.int(1 << 16));
  return wrap(v, w, signed);
}

describe('mul expression', () => {
  it('has width wa + wb, signed iff both operands are, and rejects mixed signedness', () => {
    const m = new Module('mul_rules');
    const u8 = m.input('u8', 8);
    const u5 = m.input('u5', 5);
    const s6 = m.input('s6', 6, { signed: true });
    const s9 = m.input('s9', 9, { signed: true });
    expect(u8.mul(u5).width).toBe(13);
    expect(u8.mul(u5).signed).toBe(false);
    expect(s6.mul(s9).width).toBe(15);
    expect(s6.mul(s9).signed).toBe(true);
    expect(() => s6.mul(u5)).toThrow(HdlError);
    expect(() => u8.mul(s6)).toThrow(/mul: .* is unsigned but .* is signed/);
    // the documented way to multiply signed by unsigned: one bit wider, signed
    const mixed = s6.mul(u5.zext(6).asSigned());
    expect(mixed.width).toBe(12);
    expect(mixed.signed).toBe(true);
    // number operands take the other operand's width and must fit
    expect(u5.mul(31).width).toBe(10);
    expect(() => u5.mul(32)).toThrow(HdlError);
  });

  it('emits `*` over operands already extended to the product width', () => {
    const text = emitDesignFiles(multiplier(8, 5, true)).find((f) => f.name.endsWith('.v'))!.text;
    expect(text).toMatch(/assign p = \$signed\(\{\{5\{a\[7\]\}\}, a\}\) \* \$signed\(\{\{8\{b\[4\]\}\}, b\}\);/);
    // truncation is pushed into the operands: a 5-bit product of 5-bit slices, no unused bits
    expect(text).toMatch(/assign q = a\[4:0\] \* \$unsigned\(b\);/);
    const unsigned = emitDesignFiles(multiplier(8, 5, false)).find((f) => f.name.endsWith('.v'))!.text;
    expect(unsigned).toMatch(/assign p = \{5'd0, a\} \* \{8'd0, b\};/);
  });

  const shapes: [number, number, boolean][] = [
    [1, 1, false],
    [2, 2, true],
    [8, 5, false],
    [8, 5, true],
    [12, 12, false],
    [13, 16, true],
    [16, 16, false],
    [17, 9, true],
    [32, 32, false],
    [32, 32, true],
  ];

  it('is lint-clean under verilator -Wall', async () => {
    const verilator = await resolveTool('verilator', 'linting the multiply test designs');
    const dir = mkdtempSync(join(tmpdir(), 'bitbeat-mul-'));
    try {
      for (const [wa, wb, signed] of shapes) {
        const m = multiplier(wa, wb, signed);
        const files = emitDesign(m, dir).filter((f) => f.endsWith('.v')).map((f) => basename(f));
        const lint = await runTool(verilator, ['--lint-only', '-Wall', '--top-module', m.name, ...files], { cwd: dir, check: false });
        expect(lint.stderr + lint.stdout, m.name).toBe('');
        expect(lint.code).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [wa, wb, signed] of shapes) {
    it(`simulates ${wa} x ${wb} ${signed ? 'signed' : 'unsigned'} bit-exactly against bigint`, async () => {
      const sim = await Simulator.build(multiplier(wa, wb, signed));
      const rng = makeRng(wa * 100 + wb + (signed ? 7 : 0));
      const lo = (w: number) => (signed ? -(1n << BigInt(w - 1)) : 0n);
      const hi = (w: number) => (signed ? (1n << BigInt(w - 1)) - 1n : (1n << BigInt(w)) - 1n);
      const cycles: { a: bigint; b: bigint }[] = [];
      // the corners, then random vectors
      for (const a of [lo(wa), hi(wa), 0n]) for (const b of [lo(wb), hi(wb), 0n]) cycles.push({ a, b });
      for (let i = 0; i < 2000; i++) cycles.push({ a: randomValue(rng, wa, signed), b: randomValue(rng, wb, signed) });
      const got = sim.run(cycles, { resetCycles: 0 });
      const lowBits = Math.max(1, Math.min(wa, wb));
      const want = cycles.map(({ a, b }) => ({ p: a * b, q: wrap(a * b, lowBits, signed), r: a * 3n }));
      expect(got.map((o) => ({ p: o.p, q: o.q, r: o.r }))).toEqual(want);
    });
  }

  for (const signed of [false, true]) it(`maps a 16 x 16 ${signed ? 'signed' : 'unsigned'} product to one SB_MAC16 with synth_ice40 -dsp`, async () => {
    const m = new Module('mul_dsp', { description: 'registered 16 x 16 product' });
    const a = m.input('a', 16, { signed });
    const b = m.input('b', 16, { signed });
    const p = m.output('p', 32, { signed, reg: true });
    p.set(a.mul(b));
    const dir = mkdtempSync(join(tmpdir(), 'bitbeat-mul-'));
    try {
      const files = emitDesign(m, dir).filter((f) => f.endsWith('.v')).map((f) => basename(f));
      const yosys = await resolveTool('yosys', 'mapping the multiply test design');
      const synth = await runTool(yosys, ['-p', `read_verilog ${files.join(' ')}; synth_ice40 -dsp -top mul_dsp; stat`], { cwd: dir, check: false });
      expect(synth.code, synth.stdout.slice(-2000)).toBe(0);
      const stat = synth.stdout.slice(synth.stdout.lastIndexOf('Number of cells'));
      expect(stat).toMatch(/SB_MAC16\s+1\b/);
      expect(stat).not.toMatch(/SB_LUT4/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
