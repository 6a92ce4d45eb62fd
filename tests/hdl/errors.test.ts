/** Mistakes in a design are caught by the library with a message naming what is wrong. */
import { describe, expect, it } from 'vitest';
import { emitDesignFiles, HdlError, Module } from '../../src/hdl/index.ts';

/** A child whose output depends combinationally on its input. */
function passThrough(): Module {
  const m = new Module('pass_through');
  const a = m.input('a', 4);
  m.output('y', 4).set(a.xor(5));
  return m;
}

describe('HDL errors', () => {
  it('width mismatch names both signals and both widths', () => {
    const m = new Module('w');
    const wide = m.input('wide', 16);
    const narrow = m.wire('narrow', 8);
    expect(() => narrow.set(wide)).toThrow(HdlError);
    expect(() => narrow.set(wide)).toThrow(/width mismatch: assigning wide \(16 bits\) to narrow \(8 bits\); use \.trunc\(8\)/);
    const count = m.reg('count', 8);
    expect(() => count.set(count.add(1))).toThrow(/\(count \+ 8'd1\) \(9 bits\) to count \(8 bits\)/);
    // the explicit truncation is accepted
    expect(() => count.set(count.add(1).trunc(8))).not.toThrow();
  });

  it('unbound input port of an instance', () => {
    const child = new Module('adder2');
    const a = child.input('a', 4);
    const b = child.input('b', 4);
    child.output('s', 5).set(a.add(b));
    const top = new Module('top_unbound');
    const x = top.input('x', 4);
    const u = top.instance('u_add', child, { a: x });
    top.output('s', 5).set(u.out('s'));
    expect(() => emitDesignFiles(top)).toThrow(/instance u_add of adder2 in top_unbound: input port 'b' not bound/);
  });

  it('unknown port and port width mismatch', () => {
    const child = passThrough();
    const top = new Module('top_ports');
    const x = top.input('x', 3);
    expect(() => top.instance('u0', child, { b: x })).toThrow(/instance u0 of pass_through: unknown port 'b' \(ports: a, y\)/);
    expect(() => top.instance('u1', child, { a: x })).toThrow(/input port 'a' is 4 bits but is bound to x \(3 bits\)/);
  });

  it('duplicate names: signals, instances, areas, and two different modules with one name', () => {
    const m = new Module('dup');
    m.input('x', 1);
    expect(() => m.wire('x', 1)).toThrow(/duplicate name 'x' in module dup: already used by an input port/);
    m.area('stage', () => m.reg('acc', 4));
    expect(() => m.wire('stage_acc', 4)).toThrow(/duplicate name 'stage_acc'/);
    expect(() => m.wire('clk', 1)).toThrow(/duplicate name 'clk'/);
    expect(() => m.wire('wire', 1)).toThrow(/reserved word/);

    const v1 = new Module('leaf');
    v1.output('y', 2).set(1);
    const v2 = new Module('leaf');
    v2.output('y', 2).set(2);
    const top = new Module('two_leaves');
    const y1 = top.instance('u1', v1).out('y');
    const y2 = top.instance('u2', v2).out('y');
    top.output('y', 2).set(y1.xor(y2));
    expect(() => emitDesignFiles(top)).toThrow(/two different modules are both named leaf/);
  });

  it('combinational loop inside a module, with the signals in the loop', () => {
    const m = new Module('loop');
    const a = m.wire('a', 4);
    const b = m.wire('b', 4);
    const c = m.wire('c', 4);
    a.set(b.xor(1));
    b.set(c);
    m.If(m.input('sel', 1), () => c.set(a));
    m.output('y', 4).set(a);
    expect(() => emitDesignFiles(m)).toThrow(/combinational loop in module loop: (a -> c -> b -> a|b -> a -> c -> b|c -> b -> a -> c)/);
  });

  it('combinational loop through a child instance', () => {
    const top = new Module('loop_through_child');
    const u = top.instance('u_pass', passThrough());
    u.in('a').set(u.out('y'));
    top.output('y', 4).set(u.out('y'));
    expect(() => emitDesignFiles(top)).toThrow(/combinational loop in module loop_through_child: .*u_pass_a.*u_pass_y/);
  });

  it('a loop through a register is not a combinational loop', () => {
    const m = new Module('reg_feedback');
    const r = m.reg('r', 4);
    const n = m.wire('n', 4);
    n.set(r.add(1).trunc(4));
    r.set(n);
    m.output('y', 4).set(r);
    expect(() => emitDesignFiles(m)).not.toThrow();
  });

  it('undriven signals, signedness mixing, bad conditions, foreign signals', () => {
    const m = new Module('misc');
    const a = m.input('a', 4);
    const s = m.input('s', 4, { signed: true });
    m.output('never', 1);
    expect(() => emitDesignFiles(m)).toThrow(/output never of module misc is never assigned/);
    expect(() => a.add(s)).toThrow(/add: a is unsigned but s is signed/);
    expect(() => m.If(a, () => {})).toThrow(/If: condition a must be 1 bit, has 4/);
    const other = new Module('other');
    const o = other.input('o', 4);
    expect(() => m.wire('w', 4).set(o)).toThrow(/o belongs to module other, not misc/);
    expect(() => a.slice(4, 0)).toThrow(/slice \[4:0\] is out of range for a \(4 bits\)/);
    expect(() => m.wire('k', 3).set(9)).toThrow(/constant 9 does not fit in 3 unsigned bits/);

    const mem = new Module('mem_errors');
    const addr = mem.input('addr', 4);
    const ram = mem.ram('store', { width: 8, depth: 16 });
    mem.output('q', 8).set(ram.read(addr));
    expect(() => emitDesignFiles(mem)).toThrow(/RAM store of module mem_errors is never written/);
    expect(() => ram.read(mem.input('addr3', 3))).toThrow(/memory store \(16 words\): read address addr3 must be 4 bits unsigned, is 3 bits/);
    expect(() => mem.rom('coefs', { width: 4, data: [1, 2] }).readAsync(addr.slice(0, 0))).toThrow(/readAsync needs a ROM with style 'lut'/);
  });
});
