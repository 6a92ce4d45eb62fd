import { Expr, type Operand } from './expr.ts';
import { HdlError } from './errors.ts';
import type { Module } from './module.ts';
import { Signal } from './signal.ts';
import { Stream } from './stream.ts';

/**
 * An instance of a child module inside a parent. Input ports are bound to parent
 * expressions, output ports to parent wires; `clk` and `rst` are connected implicitly.
 * Port widths must match exactly (no silent extension across a module boundary).
 */
export class Instance {
  /** input port name -> parent expression */
  readonly inputs = new Map<string, Expr>();
  /** output port name -> parent signal driven by the instance */
  readonly outputs = new Map<string, Signal>();

  constructor(
    readonly parent: Module,
    readonly name: string,
    readonly child: Module,
  ) {}

  /** The child's port called `portName`; unknown names are an error listing the ports. */
  port(portName: string): Signal {
    const p = this.child.ports.find((s) => s.name === portName);
    if (!p) {
      const names = this.child.ports.map((s) => s.name).join(', ');
      throw new HdlError(`instance ${this.name} of ${this.child.name}: unknown port '${portName}' (ports: ${names})`);
    }
    return p;
  }

  /** Binds a port: an input to a parent expression (or constant), an output to a parent wire. */
  bind(portName: string, value: Operand): this {
    const p = this.port(portName);
    const where = `instance ${this.name} of ${this.child.name}`;
    if (this.inputs.has(portName) || this.outputs.has(portName)) throw new HdlError(`${where}: port '${portName}' is bound twice`);
    if (p.kind === 'input') {
      const e = value instanceof Expr ? value : this.parent.constantFor(value, p.width, `port ${portName} of ${where}`, p.signed);
      if (e.width !== p.width) {
        throw new HdlError(`${where}: input port '${portName}' is ${p.width} bits but is bound to ${e.describe()} (${e.width} bits)`);
      }
      this.parent.checkOwnExpr(e, `${where}, port ${portName}`);
      this.inputs.set(portName, e);
    } else {
      if (!(value instanceof Signal) || value.module !== this.parent) {
        throw new HdlError(`${where}: output port '${portName}' must be bound to a wire of ${this.parent.name}`);
      }
      if (value.width !== p.width) {
        throw new HdlError(`${where}: output port '${portName}' is ${p.width} bits but is bound to ${value.name} (${value.width} bits)`);
      }
      this.parent.claimDriver(value, 'instance', `output ${portName} of instance ${this.name}`);
      this.outputs.set(portName, value);
    }
    return this;
  }

  /** A parent wire `<instance>_<port>` bound to an input port; drive it with assign/set. */
  in(portName: string): Signal {
    const p = this.port(portName);
    if (p.kind !== 'input') throw new HdlError(`instance ${this.name}: '${portName}' is an output port; use out('${portName}')`);
    const existing = this.inputs.get(portName);
    if (existing instanceof Signal && existing.name === `${this.name}_${portName}`) return existing;
    const w = this.parent.declareInstanceWire(this, p);
    this.bind(portName, w);
    return w;
  }

  /** The parent wire driven by an output port (created as `<instance>_<port>` on first use). */
  out(portName: string): Signal {
    const p = this.port(portName);
    if (p.kind !== 'output') throw new HdlError(`instance ${this.name}: '${portName}' is an input port; use in('${portName}') or bind()`);
    const existing = this.outputs.get(portName);
    if (existing) return existing;
    const w = this.parent.declareInstanceWire(this, p);
    this.bind(portName, w);
    return w;
  }

  /** The child's stream `name` seen from the parent: a sink for an input stream, a source for an output. */
  stream(name: string): Stream {
    const dir = this.child.streamDirections.get(name);
    if (!dir) throw new HdlError(`instance ${this.name} of ${this.child.name}: no stream '${name}'`);
    if (dir === 'in') return new Stream(`${this.name}_${name}`, this.in(`${name}_payload`), this.in(`${name}_valid`), this.out(`${name}_ready`));
    return new Stream(`${this.name}_${name}`, this.out(`${name}_payload`), this.out(`${name}_valid`), this.in(`${name}_ready`));
  }

  /** Input ports that are still unbound (an error at elaboration). */
  unboundInputs(): string[] {
    return this.child.ports.filter((p) => p.kind === 'input' && !this.inputs.has(p.name)).map((p) => p.name);
  }
}
