/**
 * Test designs built with the HDL library, each with the TypeScript model the simulation
 * tests compare it against. Shared by the simulation, lint, synthesis and determinism tests.
 */
import { cat, constant, Module, mux, tree, type Expr } from '../../src/hdl/index.ts';
import { queue, streamFifo } from '../../src/hdl/lib/fifo.ts';

/** 8-bit counter with synchronous clear (priority) and enable; `wrap` is high on 255 & en. */
export function counter(width = 8): Module {
  const m = new Module(`counter_w${width}`, { description: 'counter with enable and clear', params: { width } });
  const W = m.param('WIDTH', width);
  const en = m.input('en', 1);
  const clear = m.input('clear', 1);
  const count = m.output('count', W, { reg: true, reset: 0 });
  m.If(clear, () => count.set(0)).Elif(en, () => count.set(count.add(1).trunc(width)));
  m.output('wrap', 1).set(count.eq((1 << width) - 1).and(en));
  return m;
}

/** Model of `counter`: outputs sampled before each rising edge. */
export function counterModel(width: number, cycles: Array<{ en: number; clear: number }>): Array<{ count: bigint; wrap: bigint }> {
  let count = 0;
  const max = (1 << width) - 1;
  return cycles.map(({ en, clear }) => {
    const out = { count: BigInt(count), wrap: BigInt(count === max && en ? 1 : 0) };
    if (clear) count = 0;
    else if (en) count = (count + 1) & max;
    return out;
  });
}

/**
 * Adder tree over n inputs of `width` bits, with a registered sum and valid: the result of
 * inputs presented in cycle i appears in cycle i + 1.
 */
export function adderTree(n: number, width: number, signed: boolean): Module {
  const m = new Module(`adder_tree_n${n}_w${width}_${signed ? 's' : 'u'}`, {
    description: 'balanced adder tree with a registered output',
    params: { n, width, signed },
  });
  const xs = Array.from({ length: n }, (_, i) => m.input(`x${i}`, width, { signed }));
  const inValid = m.input('in_valid', 1);
  const sumWidth = width + Math.ceil(Math.log2(n));
  const sum = m.area('tree', () => m.let('sum', tree(xs, (a, b) => a.add(b))));
  const out = m.output('sum', sumWidth, { signed, reg: true, reset: null });
  const outValid = m.output('out_valid', 1, { reg: true, reset: 0 });
  out.set(sum);
  outValid.set(inValid);
  return m;
}

/** The library's stream FIFO (src/hdl/lib/fifo.ts). */
export function fifo(depth: number, width: number): Module {
  return streamFifo(depth, width);
}

/** Cycle model of `fifo`: outputs before the edge, then the transfers at the edge. */
export class FifoModel {
  readonly queue: bigint[] = [];
  constructor(readonly depth: number) {}
  outputs(): { push_ready: bigint; pop_valid: bigint; pop_payload: bigint | undefined } {
    return {
      push_ready: this.queue.length < this.depth ? 1n : 0n,
      pop_valid: this.queue.length > 0 ? 1n : 0n,
      pop_payload: this.queue[0],
    };
  }
  clock(pushValid: boolean, payload: bigint, popReady: boolean): void {
    const o = this.outputs();
    const popFire = popReady && o.pop_valid === 1n;
    const pushFire = pushValid && o.push_ready === 1n;
    if (popFire) this.queue.shift();
    if (pushFire) this.queue.push(payload);
  }
}

/** Two FIFOs in series: `queue` for the first, instance streams and `connect` for the second. */
export function fifoChain(depth: number, width: number): Module {
  const m = new Module(`fifo_chain_d${depth}_w${width}`, { description: 'two FIFOs in series' });
  const input = m.streamIn('push', width);
  const output = m.streamOut('pop', width);
  const afterFirst = queue(m, 'u_first', input, depth);
  const second = m.instance('u_second', streamFifo(depth, width));
  const mid = m.stream('mid', width); // an internal stream between the two
  m.connect(afterFirst, mid);
  m.connect(mid, second.stream('push'));
  m.connect(second.stream('pop'), output);
  return m;
}

/**
 * ROM reads: a block-style ROM with a registered, enabled read and a LUT-style ROM read
 * combinationally. Contents come from `blockData` / `lutData`.
 */
export function romReader(blockData: number[], lutData: number[]): Module {
  const m = new Module('rom_reader', { description: 'block ROM (registered read) and LUT ROM (combinational read)' });
  const addr = m.input('addr', 8);
  const en = m.input('en', 1);
  const lutAddr = m.input('lut_addr', 5);
  const block = m.rom('coef', { width: 12, data: blockData, depth: 256, style: 'block' });
  const lut = m.rom('gain', { width: 5, data: lutData, depth: 32, style: 'lut' });
  m.output('data', 12).set(block.read(addr, { enable: en }));
  m.output('lut_data', 5).set(lut.readAsync(lutAddr));
  return m;
}

/**
 * Delay line in a RAM (block RAM inference: registered read, one write port): while `en` is
 * high each cycle reads the word written `depth` enabled cycles ago, then overwrites it.
 */
export function ramDelay(depth: number, width: number): Module {
  const m = new Module(`ram_delay_d${depth}_w${width}`, { description: 'circular delay line in RAM', params: { depth, width } });
  const x = m.input('x', width);
  const en = m.input('en', 1);
  const ram = m.ram('line', { width, depth });
  const ptr = m.reg('ptr', Math.log2(depth));
  m.output('y', width).set(ram.read(ptr, { enable: en }));
  ram.write(ptr, x, en);
  m.If(en, () => ptr.set(ptr.add(1).trunc(ptr.width)));
  return m;
}

/** Binary dot product kernel: popcount(xnor(x, w)) over a wide (> 64 bit) vector. */
export function xnorPopcount(bits: number): Module {
  const m = new Module(`xnor_popcount_${bits}`, { description: 'XNOR-popcount of a wide binary vector', params: { bits } });
  const x = m.input('x', bits);
  const w = m.input('w', bits);
  const agree = m.let('agree', x.xnor(w));
  const count = m.tree(
    'pop',
    Array.from({ length: bits }, (_, i) => agree.bit(i)),
    (a, b) => a.add(b),
  );
  // The tree grows one bit per level; the count itself is at most `bits`, so the low bits hold it.
  const countWidth = Math.ceil(Math.log2(bits + 1));
  m.output('count', countWidth).set(count.trunc(countWidth));
  m.output('agree_out', bits).set(agree);
  return m;
}

/** One combinational module exercising every expression operator and both control forms. */
export function operators(): Module {
  const m = new Module('operators', { description: 'every expression operator, for semantic tests' });
  const a = m.input('a', 8, { signed: true });
  const b = m.input('b', 8, { signed: true });
  const ua = m.input('ua', 8);
  const ub = m.input('ub', 8);
  const sh = m.input('sh', 3);
  const out = (name: string, e: Expr) => m.output(name, e.width, { signed: e.signed }).set(e);
  out('add_s', a.add(b));
  out('sub_u', ua.sub(ub));
  out('neg_s', a.neg());
  out('lt_s', a.lt(b));
  out('le_s', a.le(b));
  out('gt_s', a.gt(b));
  out('ge_s', a.ge(-3));
  out('lt_u', ua.lt(ub));
  out('ge_u', ua.ge(ub));
  out('eq', ua.eq(ub));
  // comparisons that are constant by range fold to constants (no CMPCONST/UNSIGNED lint)
  out('const_cmp', cat(ua.le(255), ua.ge(0), ua.lt(0), ua.gt(255), constant(0, 8).le(ua), a.ge(-128), a.lt(-128), a.le(127), a.gt(127)));
  out('ne', a.ne(b));
  out('and_u', ua.and(ub));
  out('or_u', ua.or(ub));
  out('xor_u', ua.xor(ub));
  out('xnor_u', ua.xnor(ub));
  out('not_u', ua.not());
  out('shl_dyn', ua.shl(sh));
  out('shr_dyn', ua.shr(sh));
  out('ashr_dyn', a.ashr(sh));
  out('shl_3', ua.shl(3));
  out('shr_3', ua.shr(3));
  out('ashr_3', a.ashr(3));
  out('slice', ua.slice(6, 2));
  out('cat', cat(ua.slice(3, 0), ub.bit(7), constant(2, 2)));
  out('repl', ub.slice(1, 0).replicate(3));
  out('zext', ua.slice(3, 0).zext(7));
  out('sext', ua.slice(3, 0).sext(7));
  out('mux', mux(sh.bit(0), a, b));
  out('red', cat(ua.reduceAnd(), ua.reduceOr(), ua.reduceXor()));
  out('trunc_sum', ua.add(ub).trunc(8));
  out('sum_top', a.add(b).slice(8, 5));
  // Each output is assigned in one branch only: its always block keeps an empty branch.
  const pickA = m.output('pick_a', 8);
  const pickB = m.output('pick_b', 8);
  m.If(sh.bit(1), () => pickA.set(ua)).Else(() => pickB.set(ub));
  const ctrl = m.output('ctrl', 8);
  m.If(sh.eq(0), () => ctrl.set(ua))
    .Elif(sh.eq(1), () => ctrl.set(ub))
    .Else(() => {
      m.Switch(sh, (sw) => {
        sw.Case(2, () => ctrl.set(ua.and(ub)));
        sw.Case([3, 4], () => ctrl.set(ua.or(ub)));
        sw.Default(() => ctrl.set(ua.xor(ub)));
      });
    });
  return m;
}

/** Model of `operators` on numbers (signed inputs as signed integers). */
export function operatorsModel(i: { a: number; b: number; ua: number; ub: number; sh: number }): Record<string, bigint> {
  const { a, b, ua, ub, sh } = i;
  const u8 = (v: number) => v & 0xff;
  const s = (v: number, w: number) => {
    const m = v & ((1 << w) - 1);
    return m >= 1 << (w - 1) ? m - (1 << w) : m;
  };
  const bit = (c: boolean) => (c ? 1 : 0);
  const popParity = (v: number) => v.toString(2).split('').filter((c) => c === '1').length & 1;
  let ctrl: number;
  if (sh === 0) ctrl = ua;
  else if (sh === 1) ctrl = ub;
  else if (sh === 2) ctrl = ua & ub;
  else if (sh === 3 || sh === 4) ctrl = ua | ub;
  else ctrl = ua ^ ub;
  const r: Record<string, number> = {
    add_s: a + b,
    sub_u: ua - ub,
    neg_s: -a,
    lt_s: bit(a < b),
    le_s: bit(a <= b),
    gt_s: bit(a > b),
    ge_s: bit(a >= -3),
    lt_u: bit(ua < ub),
    ge_u: bit(ua >= ub),
    eq: bit(ua === ub),
    const_cmp: 0b110011010,
    ne: bit(a !== b),
    and_u: ua & ub,
    or_u: ua | ub,
    xor_u: ua ^ ub,
    xnor_u: u8(~(ua ^ ub)),
    not_u: u8(~ua),
    shl_dyn: u8(ua << sh),
    shr_dyn: ua >> sh,
    ashr_dyn: a >> sh,
    shl_3: ua << 3,
    shr_3: ua >> 3,
    ashr_3: a >> 3,
    slice: (ua >> 2) & 0x1f,
    cat: ((ua & 0xf) << 3) | ((ub >> 7) << 2) | 2,
    repl: (ub & 3) * 0b010101,
    zext: ua & 0xf,
    sext: s(ua & 0xf, 4),
    mux: sh & 1 ? a : b,
    red: (bit(ua === 0xff) << 2) | (bit(ua !== 0) << 1) | popParity(ua),
    trunc_sum: u8(ua + ub),
    sum_top: ((a + b) >> 5) & 0xf,
    pick_a: sh & 2 ? ua : 0,
    pick_b: sh & 2 ? 0 : ub,
    ctrl,
  };
  // Unsigned view of signed-looking results is handled by the simulator (signed ports read back signed).
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, BigInt(v)]));
}

/**
 * Register and port features together: an accumulator with clock enable and load, a
 * registered output with a non-zero reset value and its own enable, a wire with a default
 * assigned under one Switch case, and a child output bound straight to a parent output.
 */
export function registerFeatures(): Module {
  const child = new Module('parity_child', { description: 'parity of a byte' });
  child.output('p', 1).set(child.input('v', 8).reduceXor());

  const m = new Module('register_features', { description: 'enables, reset values, defaults, direct output binding' });
  const en = m.input('en', 1);
  const load = m.input('load', 1);
  const d = m.input('d', 8);
  const sel = m.input('sel', 2);
  const acc = m.area('acc', () => m.reg('value', 8, { enable: en }));
  m.If(load, () => acc.set(d)).Else(() => acc.set(acc.add(d).trunc(8)));
  m.output('acc', 8).set(acc);
  const q = m.output('q', 8, { reg: true, reset: 5, enable: en.not() });
  q.set(d);
  const y = m.wire('y', 8, { default: 0xaa });
  m.Switch(sel, (sw) => sw.Case(1, () => y.set(d.not())));
  m.output('y_out', 8).set(y);
  m.instance('u_parity', child, { v: acc }).bind('p', m.output('parity', 1));
  return m;
}

export function registerFeaturesModel(cycles: Array<{ en: number; load: number; d: number; sel: number }>): Array<Record<string, bigint>> {
  let acc = 0;
  let q = 5;
  return cycles.map((c) => {
    const parity = acc.toString(2).split('').filter((x) => x === '1').length & 1;
    const out = { acc: BigInt(acc), q: BigInt(q), y_out: BigInt(c.sel === 1 ? ~c.d & 0xff : 0xaa), parity: BigInt(parity) };
    if (c.en) acc = c.load ? c.d : (acc + c.d) & 0xff;
    if (!c.en) q = c.d;
    return out;
  });
}

/** Ports at the C++ type boundaries of the Verilator model (8/16/32/64 bits and wide words). */
export const BOUNDARY_WIDTHS = [1, 8, 9, 16, 17, 32, 33, 63, 64, 65, 96, 97, 128];
export function boundaryWidths(): Module {
  const m = new Module('boundary_widths', { description: 'inverts inputs of every C++ boundary width' });
  m.param('UNUSED_INFO', 3); // an unused parameter must not make lint noisy
  for (const w of BOUNDARY_WIDTHS) m.output(`y${w}`, w).set(m.input(`x${w}`, w).not());
  return m;
}

/**
 * An expression DAG: `d` is used three times per level, twelve levels deep. Inlined, the
 * Verilog would hold 3^12 copies; the emitter names each shared node once instead.
 */
export function sharedAbs(levels = 12): Module {
  const m = new Module('shared_abs', { description: 'repeated absolute value of a - b (expression sharing)' });
  let d = m.input('a', 8, { signed: true }).sub(m.input('b', 8, { signed: true }));
  for (let i = 0; i < levels; i++) d = mux(d.lt(0), d.neg().trunc(d.width), d);
  m.output('y', d.width, { signed: true }).set(d);
  return m;
}

/** Every design the lint, synthesis and determinism tests cover. */
export function allDesigns(): Module[] {
  const data = Array.from({ length: 256 }, (_, i) => (i * 2654435761) % 4096);
  const lut = Array.from({ length: 32 }, (_, i) => (i * 7 + 3) % 32);
  return [counter(8), adderTree(5, 6, true), adderTree(8, 4, false), fifo(4, 8), fifoChain(4, 8), romReader(data, lut), ramDelay(16, 8), xnorPopcount(100), operators(), registerFeatures(), boundaryWidths(), sharedAbs()];
}
