/**
 * Each test design simulated under Verilator and compared, cycle by cycle, with its
 * TypeScript model over many random vectors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Module, streamFifo } from '../../src/hdl/index.ts';
import { makeRng } from '../../src/data/rng.ts';
import { Simulator } from '../../sim/index.ts';
import {
  adderTree,
  counter,
  counterModel,
  fifo,
  fifoChain,
  FifoModel,
  operators,
  operatorsModel,
  ramDelay,
  sharedAbs,
  boundaryWidths,
  BOUNDARY_WIDTHS,
  registerFeatures,
  registerFeaturesModel,
  romReader,
  xnorPopcount,
} from './designs.ts';

describe('Verilator simulation against TypeScript models', () => {
  it('counter with enable and clear', async () => {
    const sim = await Simulator.build(counter(8));
    const rng = makeRng(1);
    // Mostly enabled, rarely cleared, so the counter wraps several times.
    const cycles = Array.from({ length: 5000 }, () => ({ en: rng() < 0.8 ? 1 : 0, clear: rng() < 0.002 ? 1 : 0 }));
    const got = sim.run(cycles);
    const want = counterModel(8, cycles);
    expect(want.filter((o) => o.wrap === 1n).length).toBeGreaterThan(3);
    expect(got).toEqual(want);
  });

  for (const [n, width, signed] of [
    [5, 6, true],
    [8, 4, false],
  ] as const) {
    it(`adder tree n=${n} width=${width} ${signed ? 'signed' : 'unsigned'}`, async () => {
      const sim = await Simulator.build(adderTree(n, width, signed));
      const rng = makeRng(2 + n);
      const lo = signed ? -(1 << (width - 1)) : 0;
      const cycles = Array.from({ length: 4000 }, () => {
        const c: Record<string, number> = { in_valid: rng() < 0.7 ? 1 : 0 };
        for (let i = 0; i < n; i++) c[`x${i}`] = lo + rng.int(1 << width);
        return c;
      });
      // Extremes too: all minimum, all maximum.
      cycles.push(Object.fromEntries([['in_valid', 1], ...Array.from({ length: n }, (_, i) => [`x${i}`, lo])]));
      cycles.push(Object.fromEntries([['in_valid', 1], ...Array.from({ length: n }, (_, i) => [`x${i}`, lo + (1 << width) - 1])]));
      cycles.push({ in_valid: 0 });
      const got = sim.run(cycles);
      for (let t = 1; t < cycles.length; t++) {
        const prev = cycles[t - 1]!;
        const sum = Array.from({ length: n }, (_, i) => prev[`x${i}`]!).reduce((a, b) => a + b, 0);
        expect(got[t]!.out_valid, `cycle ${t}`).toBe(BigInt(prev.in_valid!));
        expect(got[t]!.sum, `cycle ${t}`).toBe(BigInt(sum));
      }
    });
  }

  it('FIFO with valid/ready under random push/pop, against a queue model', async () => {
    const depth = 4;
    const sim = await Simulator.build(fifo(depth, 8));
    const rng = makeRng(3);
    const cycles: Array<{ push_valid: number; push_payload: number; pop_ready: number }> = [];
    // Phases with different push/pop rates drive the FIFO full and empty many times.
    for (let phase = 0; phase < 40; phase++) {
      const pPush = phase % 2 === 0 ? 0.8 : 0.3;
      const pPop = phase % 2 === 0 ? 0.3 : 0.8;
      for (let i = 0; i < 200; i++) cycles.push({ push_valid: rng() < pPush ? 1 : 0, push_payload: rng.int(256), pop_ready: rng() < pPop ? 1 : 0 });
    }
    const got = sim.run(cycles);
    const model = new FifoModel(depth);
    let pops = 0;
    let fullCycles = 0;
    cycles.forEach((c, t) => {
      const want = model.outputs();
      const o = got[t]!;
      expect(o.push_ready, `cycle ${t} push_ready`).toBe(want.push_ready);
      expect(o.pop_valid, `cycle ${t} pop_valid`).toBe(want.pop_valid);
      if (want.pop_valid === 1n) expect(o.pop_payload, `cycle ${t} pop_payload`).toBe(want.pop_payload);
      if (want.pop_valid === 1n && c.pop_ready) pops++;
      if (want.push_ready === 0n) fullCycles++;
      model.clock(c.push_valid === 1, BigInt(c.push_payload), c.pop_ready === 1);
    });
    expect(pops).toBeGreaterThan(2000);
    expect(fullCycles).toBeGreaterThan(100);
  });

  it('two FIFOs chained through instance streams and connect()', async () => {
    const sim = await Simulator.build(fifoChain(4, 8));
    const rng = makeRng(4);
    const cycles = Array.from({ length: 6000 }, (_, t) => ({
      push_valid: rng() < (t % 1000 < 500 ? 0.9 : 0.2) ? 1 : 0,
      push_payload: rng.int(256),
      pop_ready: rng() < (t % 1000 < 500 ? 0.2 : 0.9) ? 1 : 0,
    }));
    const got = sim.run(cycles);
    const first = new FifoModel(4);
    const second = new FifoModel(4);
    cycles.forEach((c, t) => {
      const a = first.outputs();
      const b = second.outputs();
      expect(got[t]!.push_ready, `cycle ${t}`).toBe(a.push_ready);
      expect(got[t]!.pop_valid, `cycle ${t}`).toBe(b.pop_valid);
      if (b.pop_valid === 1n) expect(got[t]!.pop_payload, `cycle ${t}`).toBe(b.pop_payload);
      // first -> second transfer uses the pre-edge outputs of both
      const moveValid = a.pop_valid === 1n;
      const moveReady = b.push_ready === 1n;
      first.clock(c.push_valid === 1, BigInt(c.push_payload), moveReady);
      second.clock(moveValid, a.pop_payload ?? 0n, c.pop_ready === 1);
    });
  });

  it('ROM reads: block ROM registered with enable, LUT ROM combinational', async () => {
    const rng = makeRng(5);
    const blockData = Array.from({ length: 256 }, () => rng.int(4096));
    const lutData = Array.from({ length: 32 }, () => rng.int(32));
    const sim = await Simulator.build(romReader(blockData, lutData));
    const cycles = Array.from({ length: 3000 }, () => ({ addr: rng.int(256), en: rng() < 0.7 ? 1 : 0, lut_addr: rng.int(32) }));
    const got = sim.run(cycles);
    let held = 0;
    cycles.forEach((c, t) => {
      expect(got[t]!.data, `cycle ${t}`).toBe(BigInt(held));
      expect(got[t]!.lut_data, `cycle ${t}`).toBe(BigInt(lutData[c.lut_addr]!));
      if (c.en) held = blockData[c.addr]!;
    });
  });

  it('RAM delay line (registered read, write port) against an array model', async () => {
    const depth = 16;
    const sim = await Simulator.build(ramDelay(depth, 8));
    const rng = makeRng(8);
    const cycles = Array.from({ length: 4000 }, () => ({ x: rng.int(256), en: rng() < 0.75 ? 1 : 0 }));
    const got = sim.run(cycles);
    const mem = new Array<number>(depth).fill(0); // the simulator starts memories at zero
    let ptr = 0;
    let y = 0;
    cycles.forEach((c, t) => {
      expect(got[t]!.y, `cycle ${t}`).toBe(BigInt(y));
      if (c.en) {
        y = mem[ptr]!;
        mem[ptr] = c.x;
        ptr = (ptr + 1) % depth;
      }
    });
  });

  it('XNOR-popcount over 100-bit ports (wide values as bigint)', async () => {
    const bits = 100;
    const sim = await Simulator.build(xnorPopcount(bits));
    const rng = makeRng(6);
    const rand = () => Array.from({ length: bits }, (_, i) => (rng() < 0.5 ? 1n << BigInt(i) : 0n)).reduce((a, b) => a | b, 0n);
    const all = (1n << BigInt(bits)) - 1n;
    const cycles = Array.from({ length: 2000 }, () => ({ x: rand(), w: rand() }));
    cycles.push({ x: all, w: all }, { x: 0n, w: all });
    const got = sim.run(cycles);
    cycles.forEach((c, t) => {
      const agree = ~(c.x ^ c.w) & all;
      expect(got[t]!.agree_out, `cycle ${t}`).toBe(agree);
      expect(got[t]!.count, `cycle ${t}`).toBe(BigInt(agree.toString(2).split('').filter((d) => d === '1').length));
    });
    expect(got[cycles.length - 2]!.count).toBe(100n);
  });

  it('every expression operator and If/Elif/Else/Switch, over random and edge inputs', async () => {
    const sim = await Simulator.build(operators());
    const rng = makeRng(7);
    const edge = [-128, -127, -1, 0, 1, 127];
    const cycles = Array.from({ length: 5000 }, (_, t) => {
      const pick = (signed: boolean) => (t % 5 === 0 ? edge[rng.int(edge.length)]! + (signed ? 0 : 128) : signed ? rng.int(256) - 128 : rng.int(256));
      return { a: pick(true), b: pick(true), ua: pick(false), ub: pick(false), sh: rng.int(8) };
    });
    const got = sim.run(cycles);
    cycles.forEach((c, t) => expect(got[t], `cycle ${t}: ${JSON.stringify(c)}`).toEqual(operatorsModel(c)));
  });

  it('clock enables, reset values, wire defaults, child output bound to a parent output', async () => {
    const sim = await Simulator.build(registerFeatures());
    const rng = makeRng(9);
    const cycles = Array.from({ length: 3000 }, () => ({ en: rng() < 0.6 ? 1 : 0, load: rng() < 0.1 ? 1 : 0, d: rng.int(256), sel: rng.int(4) }));
    expect(sim.run(cycles)).toEqual(registerFeaturesModel(cycles));
    // reset really loads the reset values, also after activity (two runs would not show it)
    const withReset = sim.run([{ en: 1, d: 7 }, { en: 0, d: 9 }, { rst: 1 }, { rst: 0, en: 0, d: 1 }]);
    expect(withReset.map((o) => o.q)).toEqual([5n, 5n, 9n, 5n]);
    expect(withReset.map((o) => o.acc)).toEqual([0n, 7n, 7n, 0n]);
  });

  it('ports at every C++ width boundary round-trip exactly', async () => {
    const sim = await Simulator.build(boundaryWidths());
    const rng = makeRng(10);
    const rand = (w: number) => Array.from({ length: w }, (_, i) => (rng() < 0.5 ? 1n << BigInt(i) : 0n)).reduce((a, b) => a | b, 0n);
    const cycles = Array.from({ length: 500 }, (_, t) =>
      Object.fromEntries(BOUNDARY_WIDTHS.map((w) => [`x${w}`, t === 0 ? 0n : t === 1 ? (1n << BigInt(w)) - 1n : rand(w)])),
    );
    const got = sim.run(cycles);
    cycles.forEach((c, t) => {
      for (const w of BOUNDARY_WIDTHS) expect(got[t]![`y${w}`], `cycle ${t} width ${w}`).toBe(~c[`x${w}`]! & ((1n << BigInt(w)) - 1n));
    });
    expect(() => sim.run([{ x8: 256 }])).toThrow(/value 256 does not fit input x8 \(8 bits\)/);
    expect(() => sim.run([{ nope: 1 }])).toThrow(/'nope' is not an input/);
  });

  it('random initial values: the FIFO does not depend on power-on state; an unreset register does', async () => {
    const sim = await Simulator.build(fifo(4, 8), { randomInit: true });
    for (const seed of [1, 2, 3]) {
      const rng = makeRng(100 + seed);
      const cycles = Array.from({ length: 1000 }, () => ({ push_valid: rng() < 0.6 ? 1 : 0, push_payload: rng.int(256), pop_ready: rng() < 0.5 ? 1 : 0 }));
      const got = sim.run(cycles, { seed });
      const model = new FifoModel(4);
      cycles.forEach((c, t) => {
        const want = model.outputs();
        expect([got[t]!.push_ready, got[t]!.pop_valid], `seed ${seed} cycle ${t}`).toEqual([want.push_ready, want.pop_valid]);
        if (want.pop_valid === 1n) expect(got[t]!.pop_payload, `seed ${seed} cycle ${t}`).toBe(want.pop_payload);
        model.clock(c.push_valid === 1, BigInt(c.push_payload), c.pop_ready === 1);
      });
    }
    const m = new Module('unreset_register');
    const r = m.reg('r', 32, { reset: null });
    r.set(m.input('d', 32));
    m.output('q', 32).set(r);
    const loose = await Simulator.build(m, { randomInit: true });
    const first = [1, 2, 3].map((seed) => loose.run([{ d: 5 }, { d: 6 }], { seed }));
    expect(new Set(first.map((rows) => rows[0]!.q)).size).toBe(3); // power-on value differs by seed
    for (const rows of first) expect(rows[1]!.q).toBe(5n);
  });

  it('VCD waveform of a run', async () => {
    const sim = await Simulator.build(counter(8), { trace: true });
    const dir = mkdtempSync(join(tmpdir(), 'bitbeat-vcd-'));
    try {
      const vcd = join(dir, 'counter.vcd');
      const rows = sim.run(Array.from({ length: 20 }, () => ({ en: 1 })), { vcd });
      expect(rows[19]!.count).toBe(19n);
      expect(existsSync(vcd)).toBe(true);
      const text = readFileSync(vcd, 'utf8');
      expect(text).toMatch(/\$var wire\s+8 \S+ count \[7:0\] \$end/);
      expect(text).toContain('#205'); // the rising edge of cycle 20 (one reset cycle + 20)
      expect(() => sim.run([{}], { vcd: join(dir, 'x.vcd') })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const plain = await Simulator.build(counter(8));
    expect(() => plain.run([{}], { vcd: '/tmp/never.vcd' })).toThrow(/needs Simulator.build\(module, \{ trace: true \}\)/);
  });

  it('stream mode: words through two FIFOs under random valid/ready, all in the harness', async () => {
    const sim = await Simulator.build(fifoChain(4, 8));
    const rng = makeRng(11);
    const words = Array.from({ length: 20000 }, () => BigInt(rng.int(256)));
    const fast = sim.runStreams({ inputs: { push: words }, expect: { pop: words.length }, pValid: 0.9, pReady: 0.9, seed: 1 });
    expect(fast.outputs.pop).toEqual(words);
    expect(fast.fires.push).toHaveLength(words.length);
    expect(fast.fires.pop).toHaveLength(words.length);
    // a word leaves after it entered (two FIFO stages: at least 2 cycles later)
    fast.fires.pop!.forEach((c, i) => expect(c, `word ${i}`).toBeGreaterThanOrEqual(fast.fires.push![i]! + 2));
    const slow = sim.runStreams({ inputs: { push: words }, expect: { pop: words.length }, pValid: 0.3, pReady: 0.2, seed: 2 });
    expect(slow.outputs.pop).toEqual(words);
    expect(slow.cycles).toBeGreaterThan(fast.cycles * 2); // back-pressure really throttles it
    // same seed, same run
    expect(sim.runStreams({ inputs: { push: words.slice(0, 100) }, expect: { pop: 100 }, seed: 5 }).fires).toEqual(
      sim.runStreams({ inputs: { push: words.slice(0, 100) }, expect: { pop: 100 }, seed: 5 }).fires,
    );
  });

  it('stream mode: wide payloads, and the watchdog names what is stuck', async () => {
    const wide = await Simulator.build(streamFifo(2, 100));
    const rng = makeRng(12);
    const words = Array.from({ length: 500 }, () => (BigInt(rng.int(2 ** 32)) << 68n) | BigInt(rng.int(2 ** 32)));
    expect(wide.runStreams({ inputs: { push: words }, expect: { pop: words.length } }).outputs.pop).toEqual(words);

    const m = new Module('stuck_stream');
    const input = m.streamIn('in', 4);
    const output = m.streamOut('out', 4);
    const seen = m.reg('seen', 4, { enable: input.valid });
    seen.set(input.payload);
    input.ready.set(0);
    output.valid.set(0);
    output.payload.set(seen);
    const stuck = await Simulator.build(m);
    expect(() => stuck.runStreams({ inputs: { in: [1, 2, 3] }, expect: { out: 3 }, watchdog: 100 })).toThrow(
      /stuck_stream stopped: nothing moved for 100 cycles \(received out 0\/3; sent in 0\/3\)/,
    );
  });

  it('shared subexpressions (an expression DAG) compute |a - b|', async () => {
    const sim = await Simulator.build(sharedAbs());
    const cycles: Array<{ a: number; b: number }> = [];
    for (let a = -128; a < 128; a += 3) for (let b = -128; b < 128; b += 5) cycles.push({ a, b });
    const got = sim.run(cycles);
    cycles.forEach((c, t) => expect(got[t]!.y, JSON.stringify(c)).toBe(BigInt(Math.abs(c.a - c.b))));
  });

  it('interactive session: a reactive testbench drains the FIFO only when it is full', async () => {
    const sim = await Simulator.build(fifo(4, 8));
    const session = await sim.open();
    try {
      const model = new FifoModel(4);
      let next = 0;
      let draining = false;
      for (let t = 0; t < 300; t++) {
        const o0 = model.outputs();
        if (o0.push_ready === 0n) draining = true;
        if (o0.pop_valid === 0n) draining = false;
        const inputs = { push_valid: draining ? 0 : 1, push_payload: next & 0xff, pop_ready: draining ? 1 : 0 };
        const o = await session.step(inputs);
        expect(o.push_ready).toBe(o0.push_ready);
        expect(o.pop_valid).toBe(o0.pop_valid);
        if (o0.pop_valid === 1n) expect(o.pop_payload).toBe(o0.pop_payload);
        if (inputs.push_valid && o0.push_ready === 1n) next++;
        model.clock(inputs.push_valid === 1, BigInt(inputs.push_payload), inputs.pop_ready === 1);
      }
      expect(next).toBeGreaterThan(100);
    } finally {
      session.close();
    }
  });
});
