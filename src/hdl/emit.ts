/**
 * Verilog-2005 emitter: one file per module, deterministic (output depends only on the
 * design, in declaration order), lint-clean under `verilator --lint-only -Wall` by
 * construction:
 * - every operator's operands already have the operator's width (see expr.ts), every
 *   constant has an explicit width, so there are no WIDTH warnings;
 * - each combinational signal gets its own `always @*` block that assigns its default
 *   first (no latches), or a continuous `assign` when it has one unconditional value;
 * - registers are grouped by (has reset, clock enable) into `always @(posedge clk)` blocks;
 * - signals whose bits are not all read are declared between lint_off/lint_on UNUSEDSIGNAL
 *   comments that say which bits are unused (an intentional, visible choice).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BITBEAT_VERSION } from '../version.ts';
import { elaborate, type Elaboration } from './elaborate.ts';
import { HdlError } from './errors.ts';
import { binarySymbol, compareSymbol, type Expr, reduceSymbol } from './expr.ts';
import type { Memory } from './memory.ts';
import type { Module, Stmt } from './module.ts';
import type { Signal } from './signal.ts';

export interface EmittedFile {
  /** file name (no directory) */
  name: string;
  text: string;
}

const INDENT = '  ';

/** Verilog literal of exactly `width` bits for the bit pattern `value`. */
export function literal(value: bigint, width: number): string {
  if (width === 1) return `1'b${value}`;
  if (width <= 64) return `${width}'d${value.toString(10)}`;
  return `${width}'h${value.toString(16)}`;
}

class ModuleEmitter {
  /** bits of each signal read somewhere in the emitted text */
  private readonly reads = new Map<Signal, Uint8Array>();
  private readonly temps = new Map<Expr, { name: string; width: number; text: string; bits: Uint8Array }>();
  private readonly tempDecls: string[] = [];
  private readonly localNames = new Set<string>();
  private hint = 'expr';

  /** compound expressions referenced more than once: emitted once, as a named wire */
  private readonly shared: Set<Expr>;

  constructor(
    private readonly m: Module,
    private readonly el: Elaboration,
  ) {
    this.shared = sharedExpressions(m);
  }

  emit(): EmittedFile[] {
    const m = this.m;
    const el = this.el;
    const body: string[] = [];

    // Combinational signals: continuous assignment or one always block each.
    const alwaysComb = new Set<Signal>();
    for (const s of el.combSignals) {
      this.hint = s.name;
      const stmts = el.index.project(new Set([s]));
      const only = stmts[0];
      if (stmts.length === 1 && only!.kind === 'assign') {
        body.push(`assign ${s.name} = ${this.expr(only.value, true)};`);
        continue;
      }
      alwaysComb.add(s);
      const lines = [`always @* begin`];
      if (only?.kind !== 'assign') lines.push(`${INDENT}${s.name} = ${literal(s.defaultValue, s.width)};`);
      this.stmts(stmts, 1, '=', lines);
      lines.push('end');
      body.push(lines.join('\n'));
    }

    // Registers, grouped by reset presence and clock enable (in order of first appearance).
    const groups: { reset: boolean; enable: Expr | undefined; regs: Signal[] }[] = [];
    for (const r of el.syncSignals) {
      const reset = r.reset !== null;
      let g = groups.find((x) => x.reset === reset && x.enable === r.enable);
      if (!g) groups.push((g = { reset, enable: r.enable, regs: [] }));
      g.regs.push(r);
    }
    for (const g of groups) {
      this.hint = g.regs[0]!.name;
      const stmts = el.index.project(new Set(g.regs));
      const lines = ['always @(posedge clk) begin'];
      let depth = 1;
      if (g.reset) {
        lines.push(`${INDENT}if (rst) begin`);
        for (const r of g.regs) lines.push(`${INDENT.repeat(2)}${r.name} <= ${literal(r.reset!, r.width)};`);
        lines.push(g.enable ? `${INDENT}end else if (${this.expr(g.enable, true)}) begin` : `${INDENT}end else begin`);
        depth = 2;
      } else if (g.enable) {
        lines.push(`${INDENT}if (${this.expr(g.enable, true)}) begin`);
        depth = 2;
      }
      this.stmts(stmts, depth, '<=', lines);
      if (depth === 2) lines.push(`${INDENT}end`);
      lines.push('end');
      body.push(lines.join('\n'));
    }

    const memDecls: string[] = [];
    const hexFiles: EmittedFile[] = [];
    for (const mem of m.memories) body.push(this.memory(mem, memDecls, hexFiles));

    for (const inst of m.instances) {
      this.hint = inst.name;
      const conns: string[] = [];
      const childEl = elaborate(inst.child, this.cache);
      if (childEl.needsClk) conns.push('.clk(clk)');
      if (childEl.needsRst) conns.push('.rst(rst)');
      for (const p of inst.child.ports) {
        if (p.kind === 'input') conns.push(`.${p.name}(${this.expr(inst.inputs.get(p.name)!, true)})`);
        else {
          let target = inst.outputs.get(p.name)?.name;
          if (!target) {
            // Unused output: a named wire, marked unused, instead of an empty connection.
            target = this.fresh(`${inst.name}_${p.name}`);
            this.tempDecls.push(
              `/* verilator lint_off UNUSEDSIGNAL */\nwire ${range(p.width, p.signed)}${target}; // output ${p.name} of ${inst.name}, not used\n/* verilator lint_on UNUSEDSIGNAL */`,
            );
          }
          conns.push(`.${p.name}(${target})`);
        }
      }
      body.push(`${inst.child.name} ${inst.name} (\n${conns.map((c) => INDENT + c).join(',\n')}\n);`);
    }

    // Declarations come last in the emitter (they need to know what was read) but first in the file.
    const ports: string[] = [];
    if (el.needsClk) ports.push('input wire clk');
    if (el.needsRst) ports.push('input wire rst');
    const decls: string[] = [];
    for (const s of m.signals) {
      const driver = m.drivers.get(s);
      const isReg = s.registered || alwaysComb.has(s) || driver === 'memory';
      const type = s.kind === 'input' ? 'wire' : isReg ? 'reg' : 'wire';
      const r = s.widthParam ? `${s.signed ? 'signed ' : ''}[${s.widthParam.name}-1:0] ` : range(s.width, s.signed);
      const unused = s.kind === 'output' ? '' : this.unusedBits(s);
      if (s.isPort) {
        const decl = `${s.kind} ${type} ${r}${s.name}`;
        ports.push(unused ? `/* verilator lint_off UNUSEDSIGNAL */ ${decl} /* ${unused} */ /* verilator lint_on UNUSEDSIGNAL */` : decl);
      } else {
        const decl = `${type} ${r}${s.name};`;
        decls.push(unused ? `/* verilator lint_off UNUSEDSIGNAL */\n${decl} // ${unused}\n/* verilator lint_on UNUSEDSIGNAL */` : decl);
      }
    }
    if (ports.length === 0) throw new HdlError(`module ${m.name} has no ports`);

    const out: string[] = [];
    out.push(...this.header());
    out.push('`default_nettype none');
    out.push('');
    if (m.params.length > 0) {
      const used = new Set(m.signals.map((s) => s.widthParam).filter((p) => p !== undefined));
      const plist = m.params.map((p) => {
        const d = `parameter integer ${p.name} = ${p.value}`;
        return used.has(p) ? d : `/* verilator lint_off UNUSEDPARAM */ ${d} /* verilator lint_on UNUSEDPARAM */`;
      });
      out.push(`module ${m.name} #(`);
      out.push(`${INDENT}// fixed at generation time: regenerate rather than override`);
      out.push(plist.map((p) => INDENT + p).join(',\n'));
      out.push(') (');
    } else {
      out.push(`module ${m.name} (`);
    }
    out.push(ports.map((p) => INDENT + p).join(',\n'));
    out.push(');');
    for (const t of this.temps.values()) {
      const decl = `wire ${range(t.width, false)}${t.name} = ${t.text};`;
      const unused = describeUnused(t.bits);
      decls.push(unused ? `/* verilator lint_off UNUSEDSIGNAL */\n${decl} // ${unused}\n/* verilator lint_on UNUSEDSIGNAL */` : decl);
    }
    const sections = [decls.concat(memDecls, this.tempDecls).join('\n'), ...body].filter((x) => x.length > 0);
    if (m.synthesisBody !== undefined) {
      out.push('');
      out.push('`ifdef SYNTHESIS');
      out.push(m.synthesisBody.trimEnd());
      out.push('`else');
    }
    for (const sec of sections) {
      out.push('');
      out.push(sec);
    }
    out.push('');
    if (m.synthesisBody !== undefined) {
      out.push('`endif');
      out.push('');
    }
    out.push('endmodule');
    out.push('');
    out.push('`default_nettype wire');
    out.push('');
    return [{ name: `${m.name}.v`, text: out.join('\n') }, ...hexFiles];
  }

  cache = new Map<Module, Elaboration>();

  private header(): string[] {
    const m = this.m;
    const lines = [
      '// ' + '-'.repeat(94),
      `// ${m.name}${m.description ? `: ${m.description}` : ''}`,
      `// Generated by bitbeat ${BITBEAT_VERSION}; do not edit, regenerate instead.`,
    ];
    if (m.source) lines.push(`// Source: ${m.source}`);
    const gp = Object.entries(m.generationParams);
    if (gp.length > 0) lines.push(`// Generation parameters: ${gp.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    if (this.el.needsClk) {
      lines.push(`// Clock: clk, rising edge.${this.el.needsRst ? ' Reset: rst, synchronous, active high.' : ''}`);
    }
    lines.push('// ' + '-'.repeat(94));
    return lines.map((l) => l.replace(/[^\x20-\x7e]/g, '?'));
  }

  private memory(mem: Memory, decls: string[], hexFiles: EmittedFile[]): string {
    const lines: string[] = [];
    const arr = `[0:${mem.depth - 1}]`;
    if (mem.kind === 'rom') {
      const style = mem.style === 'lut' ? 'logic' : 'block';
      decls.push(`// ROM ${mem.name}: ${mem.depth} x ${mem.width} bits, contents in ${mem.hexFileName}`);
      decls.push(`(* rom_style = "${style}" *)`);
      decls.push(`reg ${range(mem.width, false)}${mem.name} ${arr};`);
      lines.push(`initial $readmemh("${mem.hexFileName}", ${mem.name});`);
      const digits = Math.ceil(mem.width / 4);
      hexFiles.push({ name: mem.hexFileName, text: mem.data!.map((w) => w.toString(16).padStart(digits, '0')).join('\n') + '\n' });
    } else {
      decls.push(`// RAM ${mem.name}: ${mem.depth} x ${mem.width} bits, registered read${mem.style === 'huge' ? ', in SPRAM' : ''}`);
      const attrs = [...(mem.style ? [`ram_style = "${mem.style}"`] : []), ...(mem.disjointReadWrite ? ['no_rw_check'] : [])];
      if (attrs.length) decls.push(`(* ${attrs.join(', ')} *)`);
      decls.push(`reg ${range(mem.width, false)}${mem.name} ${arr};`);
      if (mem.init.length > 0) {
        lines.push('initial begin');
        for (const [a, v] of mem.init) lines.push(`${INDENT}${mem.name}[${a}] = ${mem.width}'h${v.toString(16)};`);
        lines.push('end');
      }
    }
    for (const w of mem.writePorts) {
      this.hint = mem.name;
      lines.push('always @(posedge clk) begin');
      lines.push(`${INDENT}if (${this.expr(w.enable, true)}) begin`);
      lines.push(`${INDENT.repeat(2)}${mem.name}[${this.expr(w.addr, true)}] <= ${this.expr(w.data, true)};`);
      lines.push(`${INDENT}end`);
      lines.push('end');
    }
    for (const r of mem.readPorts) {
      this.hint = r.data.name;
      lines.push('always @(posedge clk) begin');
      const read = `${r.data.name} <= ${mem.name}[${this.expr(r.addr, true)}];`;
      if (r.enable) {
        lines.push(`${INDENT}if (${this.expr(r.enable, true)}) begin`);
        lines.push(`${INDENT.repeat(2)}${read}`);
        lines.push(`${INDENT}end`);
      } else lines.push(`${INDENT}${read}`);
      lines.push('end');
    }
    return lines.join('\n');
  }

  private stmts(stmts: Stmt[], depth: number, op: '=' | '<=', lines: string[]): void {
    const ind = INDENT.repeat(depth);
    for (const st of stmts) {
      if (st.kind === 'assign') {
        lines.push(`${ind}${st.target.name} ${op} ${this.expr(st.value, true)};`);
      } else if (st.kind === 'if') {
        st.branches.forEach((b, i) => {
          const head = `if (${this.expr(b.cond, true)}) begin`;
          lines.push(i === 0 ? `${ind}${head}` : `${ind}end else ${head}`);
          this.stmts(b.body, depth + 1, op, lines);
        });
        if (st.orelse) {
          lines.push(`${ind}end else begin`);
          this.stmts(st.orelse, depth + 1, op, lines);
        }
        lines.push(`${ind}end`);
      } else {
        lines.push(`${ind}case (${this.expr(st.sel, true)})`);
        for (const c of st.cases) {
          lines.push(`${ind}${INDENT}${c.values.map((v) => literal(v, st.sel.width)).join(', ')}: begin`);
          this.stmts(c.body, depth + 2, op, lines);
          lines.push(`${ind}${INDENT}end`);
        }
        if (st.fallback) {
          lines.push(`${ind}${INDENT}default: begin`);
          this.stmts(st.fallback, depth + 2, op, lines);
          lines.push(`${ind}${INDENT}end`);
        } else {
          lines.push(`${ind}${INDENT}default: begin`);
          lines.push(`${ind}${INDENT}end`);
        }
        lines.push(`${ind}endcase`);
      }
    }
  }

  /** Verilog text of `e`; `top` = no enclosing parentheses needed. */
  private expr(e: Expr, top = false): string {
    const t = this.temps.get(e) ?? (this.shared.has(e) ? this.temp(e) : undefined);
    if (t) {
      t.bits.fill(1);
      return t.name;
    }
    return this.exprNode(e, top);
  }

  /** Verilog text of the node itself (no temporary lookup for `e`, only for its operands). */
  private exprNode(e: Expr, top: boolean): string {
    const n = e.node;
    const p = (s: string) => (top ? s : `(${s})`);
    switch (n.op) {
      case 'sig':
        this.markRead(n.sig, 0, n.sig.width - 1);
        return n.sig.name;
      case 'const':
        return literal(n.value, e.width);
      case 'binary':
        if (n.kind === 'xnor') return p(`${this.expr(n.a)} ~^ ${this.expr(n.b)}`);
        // A signed product is emitted as a signed Verilog multiply of its (sign-extended)
        // operands: the low bits are the same either way, but Yosys only narrows a $mul's
        // sign-extended inputs back to their real width (and fits it into one DSP cell) when
        // the multiply is signed.
        if (n.kind === 'mul') return p(`${this.ordered(n.a, e.signed)} * ${this.ordered(n.b, e.signed)}`);
        return p(`${this.expr(n.a)} ${binarySymbol[n.kind]} ${this.expr(n.b)}`);
      case 'not':
        // parenthesised: `^~x` would lex as the xnor-reduction operator
        return p(`~${this.expr(n.a)}`);
      case 'compare': {
        if (n.kind === 'eq' || n.kind === 'ne') return p(`${this.expr(n.a)} ${compareSymbol[n.kind]} ${this.expr(n.b)}`);
        return p(`${this.ordered(n.a, n.signed)} ${compareSymbol[n.kind]} ${this.ordered(n.b, n.signed)}`);
      }
      case 'slice': {
        let base: string;
        if (n.a.node.op === 'sig') {
          base = n.a.node.sig.name;
          this.markRead(n.a.node.sig, n.lo, n.hi);
        } else {
          const t = this.temp(n.a);
          base = t.name;
          t.bits.fill(1, n.lo, n.hi + 1);
        }
        return n.hi === n.lo ? `${base}[${n.hi}]` : `${base}[${n.hi}:${n.lo}]`;
      }
      case 'concat':
        return `{${n.parts.map((x) => this.expr(x, true)).join(', ')}}`;
      case 'repl':
        return `{${n.n}{${this.expr(n.a)}}}`;
      case 'mux':
        return p(`${this.expr(n.sel)} ? ${this.expr(n.a)} : ${this.expr(n.b)}`);
      case 'reduce':
        return p(`${reduceSymbol[n.kind]}${this.expr(n.a)}`);
      case 'shift':
        if (n.kind === 'ashr') return p(`$signed(${this.expr(n.a, true)}) >>> ${this.expr(n.amount)}`);
        return p(`${this.expr(n.a)} ${n.kind === 'shl' ? '<<' : '>>'} ${this.expr(n.amount)}`);
      case 'cast':
        return this.expr(n.a, top);
      case 'memread':
        return `${n.mem.name}[${this.expr(n.addr, true)}]`;
    }
  }

  /** Operand of an ordering comparison, with the signedness Verilog must use. */
  private ordered(e: Expr, signed: boolean): string {
    if (signed) return `$signed(${this.expr(e, true)})`;
    return verilogSigned(e) ? `$unsigned(${this.expr(e, true)})` : this.expr(e);
  }

  /** A named wire for an expression that Verilog-2005 cannot index directly. */
  private temp(e: Expr): { name: string; width: number; text: string; bits: Uint8Array } {
    const existing = this.temps.get(e);
    if (existing) return existing;
    const name = this.fresh(`${this.hint}_part`);
    const text = this.exprNode(e, true); // before registering: the text is the expression itself
    const t = { name, width: e.width, text, bits: new Uint8Array(e.width) };
    this.temps.set(e, t);
    return t;
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.m.hasName(name) || this.localNames.has(name); i++) name = `${base}${i}`;
    this.localNames.add(name);
    return name;
  }

  private markRead(s: Signal, lo: number, hi: number): void {
    let bits = this.reads.get(s);
    if (!bits) this.reads.set(s, (bits = new Uint8Array(s.width)));
    bits.fill(1, lo, hi + 1);
  }

  /** '' when every bit of `s` is read, else a description of the unread bits. */
  private unusedBits(s: Signal): string {
    const bits = this.reads.get(s);
    if (!bits) return 'not read';
    return describeUnused(bits);
  }
}

/** '' when every bit is set, else which bits are unread, e.g. 'bits [8], [3:0] not read'. */
function describeUnused(bits: Uint8Array): string {
  {
    if (!bits.includes(1)) return 'not read';
    const ranges: string[] = [];
    for (let i = bits.length - 1; i >= 0; ) {
      if (bits[i]) {
        i--;
        continue;
      }
      let j = i;
      while (j - 1 >= 0 && !bits[j - 1]) j--;
      ranges.push(i === j ? `[${i}]` : `[${i}:${j}]`);
      i = j - 1;
    }
    return ranges.length === 0 ? '' : `bits ${ranges.join(', ')} not read`;
  }
}

/**
 * Compound expression objects used in more than one place of a module (as an operand of
 * several nodes, or by several statements). Inlining them at each use repeats the text, and
 * an expression DAG (`d` used twice in `mux(d.lt(0), d.neg(), d)`, nested) grows exponentially.
 */
function sharedExpressions(m: Module): Set<Expr> {
  const uses = new Map<Expr, number>();
  const visit = (e: Expr): void => {
    const n = uses.get(e) ?? 0;
    uses.set(e, n + 1);
    if (n > 0) return; // children already counted once for this node
    const x = e.node;
    switch (x.op) {
      case 'sig':
      case 'const':
        return;
      case 'binary':
      case 'compare':
        visit(x.a);
        visit(x.b);
        return;
      case 'not':
      case 'slice':
      case 'repl':
      case 'reduce':
      case 'cast':
        visit(x.a);
        return;
      case 'concat':
        x.parts.forEach(visit);
        return;
      case 'mux':
        visit(x.sel);
        visit(x.a);
        visit(x.b);
        return;
      case 'shift':
        visit(x.a);
        visit(x.amount);
        return;
      case 'memread':
        visit(x.addr);
        return;
    }
  };
  const stmts = (list: Stmt[]): void => {
    for (const st of list) {
      if (st.kind === 'assign') visit(st.value);
      else if (st.kind === 'if') {
        for (const b of st.branches) {
          visit(b.cond);
          stmts(b.body);
        }
        if (st.orelse) stmts(st.orelse);
      } else {
        visit(st.sel);
        for (const c of st.cases) stmts(c.body);
        if (st.fallback) stmts(st.fallback);
      }
    }
  };
  stmts(m.body);
  for (const mem of m.memories) {
    for (const r of mem.readPorts) {
      visit(r.addr);
      if (r.enable) visit(r.enable);
    }
    for (const w of mem.writePorts) {
      visit(w.addr);
      visit(w.data);
      visit(w.enable);
    }
  }
  for (const inst of m.instances) for (const e of inst.inputs.values()) visit(e);
  for (const s of m.signals) if (s.enable) visit(s.enable);
  const shared = new Set<Expr>();
  for (const [e, n] of uses) if (n > 1 && !isCheap(e)) shared.add(e);
  return shared;
}

/** Cheap enough to repeat: a name, a constant, or a bit range / reinterpretation of a name. */
function isCheap(e: Expr): boolean {
  const n = e.node;
  if (n.op === 'sig' || n.op === 'const') return true;
  if (n.op === 'slice' || n.op === 'cast') return n.a.node.op === 'sig';
  return false;
}

/** Whether Verilog itself treats `e` as signed (only matters for ordering comparisons). */
function verilogSigned(e: Expr): boolean {
  const n = e.node;
  switch (n.op) {
    case 'sig':
      return n.sig.signed;
    case 'binary':
      if (n.kind === 'mul') return e.signed; // emitted with $signed operands when signed
      return verilogSigned(n.a) && verilogSigned(n.b);
    case 'not':
    case 'cast':
      return verilogSigned(n.a);
    case 'mux':
      return verilogSigned(n.a) && verilogSigned(n.b);
    case 'shift':
      return n.kind === 'ashr' || verilogSigned(n.a);
    default:
      return false;
  }
}

function range(width: number, signed: boolean): string {
  return `${signed ? 'signed ' : ''}${width > 1 ? `[${width - 1}:0] ` : ''}`;
}

/** All modules of a design, children before parents, each once (by name). */
export function collectModules(top: Module): Module[] {
  const order: Module[] = [];
  const byName = new Map<string, Module>();
  const visit = (m: Module) => {
    const seen = byName.get(m.name);
    if (seen === m) return;
    if (seen) {
      // Two generated modules may share a name only if they are the same hardware.
      if (emitModule(seen).map((f) => f.text).join() !== emitModule(m).map((f) => f.text).join()) {
        throw new HdlError(`two different modules are both named ${m.name}; give each variant its own name (e.g. with its parameters)`);
      }
      return;
    }
    byName.set(m.name, m);
    for (const inst of m.instances) visit(inst.child);
    order.push(m);
  };
  visit(top);
  return order;
}

/** The files of one module: `<name>.v` and the .hex files of its ROMs. */
export function emitModule(m: Module, cache = new Map<Module, Elaboration>()): EmittedFile[] {
  const el = elaborate(m, cache);
  const emitter = new ModuleEmitter(m, el);
  emitter.cache = cache;
  return emitter.emit();
}

/** The files of a whole design (children first), in memory. */
export function emitDesignFiles(top: Module): EmittedFile[] {
  const cache = new Map<Module, Elaboration>();
  const files: EmittedFile[] = [];
  for (const m of collectModules(top)) files.push(...emitModule(m, cache));
  return files;
}

/**
 * Writes every module file and ROM .hex file of the design into `outDir` and returns their
 * paths (Verilog files first, children before parents). Each file is written to a temporary
 * name and renamed, so an error never leaves a half-written file. `$readmemh` paths are
 * relative: run simulators and synthesis with `outDir` as the working directory.
 */
export function emitDesign(top: Module, outDir: string): string[] {
  const files = emitDesignFiles(top);
  mkdirSync(outDir, { recursive: true });
  const ordered = [...files.filter((f) => f.name.endsWith('.v')), ...files.filter((f) => !f.name.endsWith('.v'))];
  const paths: string[] = [];
  for (const f of ordered) {
    const path = join(outDir, f.name);
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, f.text);
    renameSync(tmp, path);
    paths.push(path);
  }
  return paths;
}
