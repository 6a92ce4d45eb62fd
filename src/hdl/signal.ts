import { Expr, type ExprNode } from './expr.ts';
import type { Module } from './module.ts';

export type SignalKind = 'input' | 'output' | 'wire' | 'reg';

/** A Verilog `parameter` shown in the emitted module header; usable as a port width. */
export class Param {
  constructor(
    readonly name: string,
    readonly value: number,
  ) {}
}

export interface SignalInit {
  name: string;
  width: number;
  signed: boolean;
  kind: SignalKind;
  module: Module;
  /** registers: value loaded while `rst` is high; null = no reset */
  reset?: bigint | null;
  /** registers: the register only loads when this 1-bit expression is high */
  enable?: Expr;
  /** combinational signals: value before any conditional assignment (avoids latches) */
  defaultValue?: bigint;
  /** width written as `[PARAM-1:0]` in declarations */
  widthParam?: Param;
  /** for an output port: driven by a register (`output reg`) */
  registered?: boolean;
}

/**
 * A named signal: port, wire or register. Registers are assigned in the clock domain
 * (`clk` rising edge, synchronous active-high `rst`); everything else is combinational.
 */
export class Signal extends Expr {
  readonly name: string;
  readonly kind: SignalKind;
  readonly module: Module;
  readonly reset: bigint | null;
  readonly enable: Expr | undefined;
  readonly defaultValue: bigint;
  readonly widthParam: Param | undefined;
  /** true for `reg` signals and registered outputs */
  readonly registered: boolean;

  constructor(init: SignalInit) {
    const node = { op: 'sig' } as unknown as Extract<ExprNode, { op: 'sig' }>;
    super(init.width, init.signed, node);
    node.sig = this;
    this.name = init.name;
    this.kind = init.kind;
    this.module = init.module;
    this.registered = init.kind === 'reg' || init.registered === true;
    this.reset = this.registered ? (init.reset === undefined ? 0n : init.reset) : null;
    this.enable = init.enable;
    this.defaultValue = init.defaultValue ?? 0n;
    this.widthParam = init.widthParam;
  }

  /** Assigns a value in the module's current block (same as `module.assign(this, value)`). */
  set(value: Expr | number | bigint | boolean): void {
    this.module.assign(this, value);
  }

  get isPort(): boolean {
    return this.kind === 'input' || this.kind === 'output';
  }
}
