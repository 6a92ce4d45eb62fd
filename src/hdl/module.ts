import { constant, Expr, type Operand } from './expr.ts';
import { HdlError } from './errors.ts';
import { Instance } from './instance.ts';
import { Memory, type RamStyle, type RomStyle } from './memory.ts';
import { Param, Signal, type SignalKind } from './signal.ts';
import { Stream, type StreamDirection } from './stream.ts';
import { checkIdentifier } from './names.ts';
import { forEachNode } from './walk.ts';

/** A statement of a module body. Registers and combinational signals share the same tree. */
export type Stmt =
  | { kind: 'assign'; target: Signal; value: Expr }
  | { kind: 'if'; branches: { cond: Expr; body: Stmt[] }[]; orelse: Stmt[] | null }
  | { kind: 'switch'; sel: Expr; cases: { values: bigint[]; body: Stmt[] }[]; fallback: Stmt[] | null };

export type IfStmt = Extract<Stmt, { kind: 'if' }>;
export type SwitchStmt = Extract<Stmt, { kind: 'switch' }>;

/** Who drives a signal; a signal has exactly one driver. */
export type Driver = 'comb' | 'sync' | 'instance' | 'memory';

export interface ModuleOptions {
  /** one line for the header comment: what the module is */
  description?: string;
  /** where the design comes from (model file, generator script) for the header comment */
  source?: string;
  /** TypeScript generation parameters, listed in the header comment */
  params?: Record<string, string | number | boolean>;
  /**
   * Verilog that synthesis reads instead of the module's own description (a vendor primitive,
   * e.g. an iCE40 SB_MAC16 the synthesis tool would not infer): emitted as the `ifdef SYNTHESIS
   * branch (Yosys defines SYNTHESIS), with the module's own body as the `else branch, which
   * simulators and lint read. The two must be equivalent; the block that sets this tests it.
   */
  synthesisBody?: string;
}

export interface SignalOptions {
  signed?: boolean;
}

export interface RegOptions extends SignalOptions {
  /** value while `rst` is high (default 0); null: no reset (datapath registers) */
  reset?: number | bigint | null;
  /** clock enable: the register only loads when this 1-bit expression is high */
  enable?: Expr;
}

export interface WireOptions extends SignalOptions {
  /** value when no conditional assignment applies (default 0) */
  default?: number | bigint;
}

export interface OutputOptions extends SignalOptions {
  /** a registered output (`output reg`, assigned in the clock domain) */
  reg?: boolean;
  reset?: number | bigint | null;
  enable?: Expr;
  default?: number | bigint;
}

/** Builder returned by `If`, for `.Elif(...)` and `.Else(...)`. */
export class IfBuilder {
  constructor(
    private readonly module: Module,
    private readonly stmt: IfStmt,
  ) {}

  Elif(cond: Expr, body: () => void): IfBuilder {
    if (this.stmt.orelse) throw new HdlError('Elif after Else');
    this.stmt.branches.push({ cond: this.module.checkCondition(cond, 'Elif'), body: this.module.collect(body) });
    return this;
  }

  Else(body: () => void): void {
    if (this.stmt.orelse) throw new HdlError('Else given twice');
    this.stmt.orelse = this.module.collect(body);
  }
}

/** Builder passed to the body of `Switch`. */
export class SwitchBuilder {
  private readonly seen = new Set<bigint>();
  constructor(
    private readonly module: Module,
    private readonly stmt: SwitchStmt,
  ) {}

  /** A case for one value or several values. */
  Case(values: number | bigint | Array<number | bigint>, body: () => void): void {
    if (this.stmt.fallback) throw new HdlError('Switch: Case after Default');
    const list = Array.isArray(values) ? values : [values];
    if (list.length === 0) throw new HdlError('Switch: Case needs at least one value');
    const bits = list.map((v) => {
      const c = constant(v, this.stmt.sel.width, this.stmt.sel.signed, `case value of ${this.stmt.sel.describe()}`);
      const value = (c.node as { value: bigint }).value;
      if (this.seen.has(value)) throw new HdlError(`Switch on ${this.stmt.sel.describe()}: case value ${v} appears twice`);
      this.seen.add(value);
      return value;
    });
    this.stmt.cases.push({ values: bits, body: this.module.collect(body) });
  }

  Default(body: () => void): void {
    if (this.stmt.fallback) throw new HdlError('Switch: Default given twice');
    this.stmt.fallback = this.module.collect(body);
  }
}

/**
 * A hardware module. Declare ports, wires and registers, then describe behaviour with
 * `assign`/`Signal.set`, `If`/`Elif`/`Else` and `Switch`/`Case`. Registers update at the rising
 * edge of the implicit `clk`; registers with a reset value load it while the implicit `rst`
 * is high (synchronous, active high). `clk` and `rst` become ports only when used.
 */
export class Module {
  readonly description: string;
  readonly source: string | undefined;
  readonly generationParams: Record<string, string | number | boolean>;
  /** see ModuleOptions.synthesisBody */
  readonly synthesisBody: string | undefined;
  /** every named signal in declaration order (ports and internal) */
  readonly signals: Signal[] = [];
  readonly params: Param[] = [];
  readonly memories: Memory[] = [];
  readonly instances: Instance[] = [];
  readonly body: Stmt[] = [];
  readonly drivers = new Map<Signal, Driver>();
  readonly streamDirections = new Map<string, StreamDirection>();
  /** implicit clock (rising edge) */
  readonly clk: Signal;
  /** implicit synchronous active-high reset */
  readonly rst: Signal;

  private readonly names = new Map<string, string>();
  private readonly blockStack: Stmt[][] = [this.body];
  private readonly prefixes: string[] = [];

  constructor(
    readonly name: string,
    opts: ModuleOptions = {},
  ) {
    checkIdentifier(name, 'module name');
    this.description = opts.description ?? '';
    this.source = opts.source;
    this.generationParams = opts.params ?? {};
    this.synthesisBody = opts.synthesisBody;
    this.clk = new Signal({ name: 'clk', width: 1, signed: false, kind: 'input', module: this });
    this.rst = new Signal({ name: 'rst', width: 1, signed: false, kind: 'input', module: this });
    this.names.set('clk', 'the clock');
    this.names.set('rst', 'the reset');
  }

  /** User-declared ports (without the implicit clk/rst), in declaration order. */
  get ports(): Signal[] {
    return this.signals.filter((s) => s.isPort);
  }

  // ---- declarations ----------------------------------------------------------------------

  /** A Verilog `parameter` shown in the module header; pass it as a port width to use it. */
  param(name: string, value: number): Param {
    if (!Number.isInteger(value)) throw new HdlError(`parameter ${name} must be an integer, got ${value}`);
    this.reserve(name, 'a parameter');
    const p = new Param(name, value);
    this.params.push(p);
    return p;
  }

  input(name: string, width: number | Param, opts: SignalOptions = {}): Signal {
    return this.declare(this.prefixed(name), width, 'input', { signed: opts.signed });
  }

  output(name: string, width: number | Param, opts: OutputOptions = {}): Signal {
    return this.declare(this.prefixed(name), width, 'output', {
      signed: opts.signed,
      registered: opts.reg,
      reset: opts.reg ? opts.reset : undefined,
      enable: opts.enable,
      defaultValue: opts.default,
    });
  }

  wire(name: string, width: number | Param, opts: WireOptions = {}): Signal {
    return this.declare(this.prefixed(name), width, 'wire', { signed: opts.signed, defaultValue: opts.default });
  }

  reg(name: string, width: number | Param, opts: RegOptions = {}): Signal {
    return this.declare(this.prefixed(name), width, 'reg', { signed: opts.signed, reset: opts.reset, enable: opts.enable });
  }

  /** A wire driven by `value` (a named intermediate: keeps the Verilog readable). */
  let(name: string, value: Expr): Signal {
    const w = this.wire(name, value.width, { signed: value.signed });
    this.assign(w, value);
    return w;
  }

  /**
   * A balanced reduction tree whose every node is a named wire `<name>_l<level>_<i>`, so a
   * large tree (popcount, adder tree) reads level by level in the Verilog. Returns the root.
   */
  tree(name: string, items: Expr[], combine: (a: Expr, b: Expr) => Expr): Expr {
    if (items.length === 0) throw new HdlError(`tree ${name}: needs at least one item`);
    let level = items;
    for (let depth = 1; level.length > 1; depth++) {
      const next: Expr[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(this.let(`${name}_l${depth}_${i / 2}`, combine(level[i]!, level[i + 1]!)));
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      level = next;
    }
    return level[0]!;
  }

  /** A stream this module consumes: inputs `<name>_payload`, `<name>_valid`; output `<name>_ready`. */
  streamIn(name: string, width: number, opts: SignalOptions = {}): Stream {
    return this.declareStream(name, width, 'in', opts);
  }

  /** A stream this module produces: outputs `<name>_payload`, `<name>_valid`; input `<name>_ready`. */
  streamOut(name: string, width: number, opts: SignalOptions & { reg?: boolean } = {}): Stream {
    return this.declareStream(name, width, 'out', opts);
  }

  /** A stream of internal wires, to join blocks inside this module. */
  stream(name: string, width: number, opts: SignalOptions = {}): Stream {
    const n = this.prefixed(name);
    return new Stream(n, this.wire(`${name}_payload`, width, opts), this.wire(`${name}_valid`, 1), this.wire(`${name}_ready`, 1));
  }

  /** source -> sink: sink.payload = source.payload, sink.valid = source.valid, source.ready = sink.ready. */
  connect(source: Stream, sink: Stream): void {
    if (source.width !== sink.width) {
      throw new HdlError(`connect ${source.name} -> ${sink.name}: payload widths differ (${source.width} vs ${sink.width} bits)`);
    }
    this.assign(sink.payload, source.payload);
    this.assign(sink.valid, source.valid);
    this.assign(source.ready, sink.ready);
  }

  /** A ROM holding `data` (one word per entry; depth defaults to data.length). */
  rom(name: string, opts: { width: number; data: ReadonlyArray<number | bigint>; depth?: number; style?: RomStyle }): Memory {
    const depth = opts.depth ?? opts.data.length;
    if (opts.data.length > depth) throw new HdlError(`rom ${name}: ${opts.data.length} words do not fit in depth ${depth}`);
    const words = opts.data.map((v, i) => {
      const c = constant(v, opts.width, typeof v === 'bigint' ? v < 0n : v < 0, `word ${i} of rom ${name}`);
      return (c.node as { value: bigint }).value;
    });
    while (words.length < depth) words.push(0n);
    return this.declareMemory(name, 'rom', opts.width, depth, words, opts.style ?? 'block');
  }

  /**
   * A RAM with one write port and registered reads (infers block RAM; SPRAM with style 'huge').
   * `disjointReadWrite`: see Memory.disjointReadWrite; `init`: see Memory.init.
   */
  ram(name: string, opts: { width: number; depth: number; style?: RamStyle; disjointReadWrite?: boolean; init?: ReadonlyArray<readonly [number, number | bigint]> }): Memory {
    const mem = this.declareMemory(name, 'ram', opts.width, opts.depth, undefined, opts.style);
    mem.disjointReadWrite = !!opts.disjointReadWrite;
    mem.init = (opts.init ?? []).map(([a, v]) => {
      if (!Number.isInteger(a) || a < 0 || a >= opts.depth) throw new HdlError(`ram ${name}: initial word address ${a} is outside 0..${opts.depth - 1}`);
      return [a, (constant(v, opts.width, typeof v === 'bigint' ? v < 0n : v < 0, `initial word ${a} of ram ${name}`).node as { value: bigint }).value] as const;
    });
    return mem;
  }

  /** An instance of `child`; `connections` binds ports now (more with `bind`, `in`, `out`). */
  instance(name: string, child: Module, connections: Record<string, Operand> = {}): Instance {
    if (child === this) throw new HdlError(`module ${this.name} cannot instantiate itself`);
    const n = this.prefixed(name);
    this.reserve(n, `an instance of ${child.name}`);
    const inst = new Instance(this, n, child);
    this.instances.push(inst);
    for (const [port, value] of Object.entries(connections)) inst.bind(port, value);
    return inst;
  }

  /** Runs `body` with names declared inside prefixed by `<prefix>_` (a SpinalHDL Area). */
  area<T>(prefix: string, body: () => T): T {
    checkIdentifier(prefix, 'area prefix');
    this.prefixes.push(prefix);
    try {
      return body();
    } finally {
      this.prefixes.pop();
    }
  }

  // ---- behaviour -------------------------------------------------------------------------

  /**
   * target = value in the current block. Registers take the value at the next clock edge,
   * everything else immediately. A narrower value is extended by its signedness; a wider one
   * is an error (use `.trunc(w)`).
   */
  assign(target: Signal, value: Operand): void {
    if (!(target instanceof Signal)) throw new HdlError('assign: the target must be a signal');
    if (target.module !== this) throw new HdlError(`assign: ${target.name} belongs to module ${target.module.name}, not ${this.name}`);
    if (target.kind === 'input') throw new HdlError(`assign: ${target.name} is an input of ${this.name} and cannot be assigned`);
    const v = value instanceof Expr ? value : this.constantFor(value, target.width, `assignment to ${target.name}`, target.signed);
    if (v.width > target.width) {
      throw new HdlError(
        `width mismatch: assigning ${v.describe()} (${v.width} bits) to ${target.name} (${target.width} bits); use .trunc(${target.width}) to drop the high bits explicitly`,
      );
    }
    this.checkOwnExpr(v, `assignment to ${target.name}`);
    this.claimDriver(target, target.registered ? 'sync' : 'comb', 'assignments');
    this.currentBlock().push({ kind: 'assign', target, value: v.extend(target.width) });
  }

  If(cond: Expr, body: () => void): IfBuilder {
    const stmt: IfStmt = { kind: 'if', branches: [], orelse: null };
    const c = this.checkCondition(cond, 'If');
    this.currentBlock().push(stmt);
    stmt.branches.push({ cond: c, body: this.collect(body) });
    return new IfBuilder(this, stmt);
  }

  Switch(sel: Expr, body: (sw: SwitchBuilder) => void): void {
    this.checkOwnExpr(sel, 'Switch');
    const stmt: SwitchStmt = { kind: 'switch', sel, cases: [], fallback: null };
    this.currentBlock().push(stmt);
    body(new SwitchBuilder(this, stmt));
  }

  // ---- helpers used by the other parts of the library --------------------------------------

  /** @internal runs body collecting its statements into a new block */
  collect(body: () => void): Stmt[] {
    const block: Stmt[] = [];
    this.blockStack.push(block);
    try {
      body();
    } finally {
      this.blockStack.pop();
    }
    return block;
  }

  /** @internal */
  checkCondition(cond: Expr, what: string): Expr {
    if (!(cond instanceof Expr)) throw new HdlError(`${what}: the condition must be an expression`);
    if (cond.width !== 1) throw new HdlError(`${what}: condition ${cond.describe()} must be 1 bit, has ${cond.width}`);
    this.checkOwnExpr(cond, what);
    return cond;
  }

  /** @internal a number operand as a constant of the given width */
  constantFor(value: number | bigint | boolean, width: number, context: string, signed = false): Expr {
    return constant(value, width, signed, context);
  }

  /** @internal every signal in `e` must belong to this module */
  checkOwnExpr(e: Expr, context: string): void {
    forEachNode(e, (n) => {
      if (n.op === 'sig' && n.sig.module !== this) {
        throw new HdlError(`${context}: ${n.sig.name} belongs to module ${n.sig.module.name}, not ${this.name}; pass it through a port`);
      }
      if (n.op === 'memread' && n.mem.module !== this) {
        throw new HdlError(`${context}: memory ${n.mem.name} belongs to module ${n.mem.module.name}`);
      }
    });
  }

  /** @internal records the single driver of a signal */
  claimDriver(sig: Signal, driver: Driver, what: string): void {
    const existing = this.drivers.get(sig);
    if (existing && existing !== driver) {
      throw new HdlError(`${sig.name} in ${this.name} has two drivers: ${existing} logic and ${what}`);
    }
    if (existing === 'instance' || existing === 'memory') throw new HdlError(`${sig.name} in ${this.name} is already driven by ${existing === 'instance' ? 'an instance output' : 'a memory'}`);
    this.drivers.set(sig, driver);
  }

  /** @internal */
  declareInstanceWire(inst: Instance, port: Signal): Signal {
    return this.declare(`${inst.name}_${port.name}`, port.width, 'wire', { signed: port.signed });
  }

  /** @internal */
  declareMemoryData(mem: Memory, suffix: string): Signal {
    const s = this.declare(`${mem.name}_${suffix}`, mem.width, 'reg', { reset: null });
    this.drivers.set(s, 'memory');
    return s;
  }

  private declareStream(name: string, width: number, dir: StreamDirection, opts: SignalOptions & { reg?: boolean }): Stream {
    const n = this.prefixed(name);
    if (this.streamDirections.has(n)) throw new HdlError(`duplicate name '${n}' in module ${this.name}: already a stream`);
    const [fwd, back] = dir === 'in' ? (['input', 'output'] as const) : (['output', 'input'] as const);
    const payload = this.declare(`${n}_payload`, width, fwd, { signed: opts.signed, registered: opts.reg });
    const valid = this.declare(`${n}_valid`, 1, fwd, { registered: opts.reg });
    const ready = this.declare(`${n}_ready`, 1, back, {});
    this.streamDirections.set(n, dir);
    return new Stream(n, payload, valid, ready);
  }

  private declareMemory(name: string, kind: 'rom' | 'ram', width: number, depth: number, data: bigint[] | undefined, style: RomStyle | RamStyle | undefined): Memory {
    const n = this.prefixed(name);
    this.reserve(n, `a ${kind}`);
    const mem = new Memory(this, n, kind, width, depth, data, style);
    this.memories.push(mem);
    return mem;
  }

  private declare(
    name: string,
    width: number | Param,
    kind: SignalKind,
    opts: { signed?: boolean; registered?: boolean; reset?: number | bigint | null; enable?: Expr; defaultValue?: number | bigint },
  ): Signal {
    const what = kind === 'reg' ? 'a register' : kind === 'wire' ? 'a wire' : `an ${kind} port`;
    this.reserve(name, what);
    const widthParam = width instanceof Param ? width : undefined;
    if (widthParam && !this.params.includes(widthParam)) throw new HdlError(`${name}: parameter ${widthParam.name} belongs to another module`);
    const w = widthParam ? widthParam.value : (width as number);
    const signed = opts.signed ?? false;
    const bits = (v: number | bigint | null | undefined, what: string): bigint | null | undefined => {
      if (v === null || v === undefined) return v;
      return (constant(v, w, signed || v < 0, `${what} of ${name}`).node as { value: bigint }).value;
    };
    if (opts.enable) {
      if (opts.enable.width !== 1) throw new HdlError(`${name}: clock enable ${opts.enable.describe()} must be 1 bit`);
      this.checkOwnExpr(opts.enable, `clock enable of ${name}`);
    }
    const sig = new Signal({
      name,
      width: w,
      signed,
      kind,
      module: this,
      registered: opts.registered,
      reset: bits(opts.reset, 'reset value'),
      enable: opts.enable,
      defaultValue: bits(opts.defaultValue, 'default value') ?? 0n,
      widthParam,
    });
    this.signals.push(sig);
    return sig;
  }

  private reserve(name: string, what: string): void {
    checkIdentifier(name, `name of ${what}`);
    const existing = this.names.get(name);
    if (existing) throw new HdlError(`duplicate name '${name}' in module ${this.name}: already used by ${existing}`);
    this.names.set(name, what);
  }

  /** @internal true if `name` is taken (the emitter picks fresh names for temporaries) */
  hasName(name: string): boolean {
    return this.names.has(name);
  }

  private prefixed(name: string): string {
    return this.prefixes.length === 0 ? name : `${this.prefixes.join('_')}_${name}`;
  }

  private currentBlock(): Stmt[] {
    return this.blockStack[this.blockStack.length - 1]!;
  }
}
