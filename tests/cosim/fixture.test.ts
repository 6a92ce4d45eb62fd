/**
 * The cosimulation harness end to end (Verilator) on the hand-written fixture design in
 * tests/fixtures/cosim/sign3: bit-exact with back-pressure, cycles, determinism, a flipped ROM
 * bit, deadlocks on either side, an output protocol violation, VCD, build cache.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCosim } from '../../sim/cosim/build.ts';
import { cosimulate } from '../../sim/cosim/cosim.ts';
import { readDesignDir } from '../../sim/cosim/design.ts';
import { CosimDeadlockError, CosimProtocolError } from '../../sim/cosim/run.ts';
import { makeRng } from '../../src/data/rng.ts';
import { randomWindows } from '../../src/model/random.ts';
import { compileReference } from '../../src/reference/compile.ts';
import { copyFixture, fixtureModel, flipHexBit, verilatorMissing } from './helpers.ts';

const skip = await verilatorMissing();
const model = fixtureModel();
const windows = randomWindows(makeRng(11), model, 60);
const input = { kind: 'windows' as const, description: 'randomWindows seed 11' };

describe.skipIf(skip)('cosim harness on the fixture design', () => {
  it('is bit-exact with back-pressure on both sides and measures the hand-derived cycles', async () => {
    const design = readDesignDir(copyFixture());
    const { result } = await cosimulate({ design, model, windows, input, backpressure: 0.4, seed: 9 });
    expect(result).toMatchObject({ windows: 60, mismatches: 0, classMismatches: 0, elementMismatches: 0, timingMismatches: 0, firstMismatch: null, classOnly: false });
    expect(result.streams.map((s) => [`${s.stream}/${s.kind}`, s.elements])).toEqual([
      ['normalizer/z', 60 * 32],
      ['conv0/preact', 60 * 3],
      ['conv0/logits', 60 * 3],
    ]);
    // cs_top.v: one sample per cycle, class register three edges after the last sample
    expect(result.cyclesPerWindow).toBe(32);
    expect(result.latencyCycles).toBe(3);
    expect(result.diffPercent).toEqual({ cyclesPerWindow: 0, latencyCycles: 0 });
    // back-pressure really stalled the stream: with p = 0.4 the input alone needs ~1/0.6 cycles per sample
    expect(result.cycles).toBeGreaterThan(60 * 32 * 1.4);
    // the windows exercise every class
    const ref = compileReference(model);
    expect(new Set(windows.map((w) => ref.classify(w))).size).toBe(3);
  });

  it('is deterministic for a seed and changes its schedule with the seed', async () => {
    const design = readDesignDir(copyFixture());
    const a = await cosimulate({ design, model, windows: windows.slice(0, 20), input, backpressure: 0.3, seed: 1 });
    const b = await cosimulate({ design, model, windows: windows.slice(0, 20), input, backpressure: 0.3, seed: 1 });
    const c = await cosimulate({ design, model, windows: windows.slice(0, 20), input, backpressure: 0.3, seed: 2 });
    expect(JSON.stringify(b.result)).toBe(JSON.stringify(a.result));
    expect(c.result.cycles).not.toBe(a.result.cycles);
    expect(c.result.mismatches).toBe(0);
  });

  it('gives the same result with one simulator process as with two (the main run in parts)', async () => {
    const design = readDesignDir(copyFixture());
    const one = await cosimulate({ design, model, windows: windows.slice(0, 40), input, backpressure: 0.3, seed: 3, processes: 1 });
    const two = await cosimulate({ design, model, windows: windows.slice(0, 40), input, backpressure: 0.3, seed: 3, processes: 2 });
    expect(one.processes).toBe(1);
    expect(two.processes).toBe(2);
    expect(one.result).toMatchObject({ windows: 40, parts: 2, mismatches: 0, timingMismatches: 0 });
    expect(two.result.streams.map((s) => s.elements)).toEqual([40 * 32, 40 * 3, 40 * 3]);
    expect(JSON.stringify(two.result)).toBe(JSON.stringify(one.result));
  });

  it('catches a flipped weight bit in the ROM file and points at the layer and channel', async () => {
    const dir = copyFixture();
    flipHexBit(join(dir, 'cs_weights.hex'), 5, 1); // tap 5, channel 1
    const design = readDesignDir(dir);
    const run = await cosimulate({ design, model, windows, input, backpressure: 0.3, seed: 4 });
    const r = run.result;
    expect(r.mismatches).toBeGreaterThan(0);
    expect(r.firstMismatch).toMatchObject({ run: 'main', stream: 'conv0', kind: 'preact', layerIndex: 0, position: 0, channel: 1 });
    // the normalizer before the broken layer is still exact
    expect(r.streams.find((s) => s.stream === 'normalizer')!.mismatches).toBe(0);
    // a different ROM file does not need a new Verilator build
    expect(run.build.cached).toBe(true);
  });

  it('stops an input deadlock with the watchdog, naming the input interface', async () => {
    const design = readDesignDir(copyFixture(1));
    const run = cosimulate({ design, model, windows: windows.slice(0, 5), input, backpressure: 0.2, seed: 1, watchdogCycles: 500 });
    await expect(run).rejects.toBeInstanceOf(CosimDeadlockError);
    await expect(run).rejects.toThrow(/deadlock: no handshake for 500 cycles .*stuck interface: input \(s_valid high, s_ready low\) at sample 0 of window 2/);
    await expect(run).rejects.toThrow(/classes delivered 2 of 5; trace normalizer\/z 64 beats/);
  });

  it('stops an output deadlock with the watchdog, naming the output interface', async () => {
    const design = readDesignDir(copyFixture(2));
    const run = cosimulate({ design, model, windows: windows.slice(0, 3), input, backpressure: 0, seed: 1, watchdogCycles: 300 });
    await expect(run).rejects.toThrow(/stuck interface: output \(m_valid low, m_ready offered\) waiting for the class of window 0 after all input was accepted/);
  });

  it('rejects an output that drops m_valid before the handshake', async () => {
    const design = readDesignDir(copyFixture(3));
    const run = cosimulate({ design, model, windows: windows.slice(0, 10), input, backpressure: 0.5, seed: 1 });
    await expect(run).rejects.toBeInstanceOf(CosimProtocolError);
    await expect(run).rejects.toThrow(/protocol: m_valid dropped at cycle \d+ before the class of window \d+ was accepted/);
  });

  it('writes a VCD of the run with the top-level and trace ports', async () => {
    const dir = copyFixture();
    const vcd = join(dir, 'run.vcd');
    const { result } = await cosimulate({ design: readDesignDir(dir), model, windows: windows.slice(0, 3), input, backpressure: 0.2, seed: 1, vcdPath: vcd });
    expect(result.mismatches).toBe(0);
    expect(existsSync(vcd)).toBe(true);
    const text = readFileSync(vcd, 'utf8');
    expect(text).toMatch(/^\$version Generated by VerilatedVcd/);
    for (const sig of ['clk', 'rst', 's_valid', 's_ready', 's_data [11:0]', 'm_valid', 'm_class [1:0]', 'trace_logits_data [71:0]']) expect(text).toContain(` ${sig} $end`);
    // one timestamp per half cycle, reset included
    expect(text.match(/^#\d+$/gm)!.length).toBeGreaterThan(2 * 3 * 32);
  });

  it('caches builds by Verilog content, not by directory', async () => {
    const a = await buildCosim(readDesignDir(copyFixture()));
    const b = await buildCosim(readDesignDir(copyFixture()));
    expect(b.cached).toBe(true);
    expect(b.key).toBe(a.key);
    expect(b.binary).toBe(a.binary);
  });
});
