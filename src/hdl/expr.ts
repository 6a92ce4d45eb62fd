/**
 * Expressions of the structural HDL.
 *
 * Every expression has a fixed width and signedness, decided when it is built. The emitter
 * relies on one invariant to make the Verilog lint-clean by construction: every binary
 * operator node holds operands of exactly its own width (the builders below extend operands
 * explicitly), so Verilog's context-dependent width rules never come into play.
 *
 * Width rules (documented in docs/ARCHITECTURE.md, "HDL library"):
 * - add: max(wa, wb) + 1 bits (never overflows); sub: max(wa, wb) + 1 bits, always signed.
 *   Use `.trunc(w)` for modular arithmetic.
 * - mul: wa + wb bits (the full product), signed iff both operands are; mixing signed and
 *   unsigned operands is an error, as for add (a signed x unsigned product is
 *   `a.mul(b.zext(wb + 1).asSigned())`, one bit wider). Both operands are extended to the
 *   product width before `*`, so the product modulo 2^(wa+wb) is the exact product.
 * - and/or/xor/xnor, mux, comparisons: operands are extended (zero or sign, by their own
 *   signedness) to the wider one; mixing signed and unsigned operands is an error.
 * - shl(n) by a constant grows the width by n; shifts by an expression keep the width.
 * - a number or bigint operand becomes a constant of the other operand's width and
 *   signedness, and must fit.
 */
import { HdlError } from './errors.ts';
import type { Signal } from './signal.ts';
import type { Memory } from './memory.ts';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'and' | 'or' | 'xor' | 'xnor';
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type ReduceOp = 'and' | 'or' | 'xor';
export type ShiftOp = 'shl' | 'shr' | 'ashr';

export type ExprNode =
  | { op: 'sig'; sig: Signal }
  | { op: 'const'; value: bigint }
  /** operands have the node's width */
  | { op: 'binary'; kind: BinaryOp; a: Expr; b: Expr }
  | { op: 'not'; a: Expr }
  /** operands have equal width; result is 1 bit */
  | { op: 'compare'; kind: CompareOp; a: Expr; b: Expr; signed: boolean }
  | { op: 'slice'; a: Expr; hi: number; lo: number }
  /** most significant part first, as in Verilog */
  | { op: 'concat'; parts: Expr[] }
  | { op: 'repl'; a: Expr; n: number }
  /** sel ? a : b; a and b have the node's width */
  | { op: 'mux'; sel: Expr; a: Expr; b: Expr }
  | { op: 'reduce'; kind: ReduceOp; a: Expr }
  /** shift by an expression; result has a's width */
  | { op: 'shift'; kind: ShiftOp; a: Expr; amount: Expr }
  /** same bits, other signedness */
  | { op: 'cast'; a: Expr }
  /** combinational (asynchronous) read of a LUT-style memory */
  | { op: 'memread'; mem: Memory; addr: Expr };

export type Operand = Expr | number | bigint | boolean;

export function mask(width: number): bigint {
  return (1n << BigInt(width)) - 1n;
}

export function checkWidth(width: number, what: string): void {
  if (!Number.isInteger(width) || width < 1) throw new HdlError(`${what}: width must be a positive integer, got ${width}`);
}

export class Expr {
  constructor(
    readonly width: number,
    readonly signed: boolean,
    readonly node: ExprNode,
  ) {
    checkWidth(width, 'expression');
  }

  /** A short human-readable description for error messages. */
  describe(): string {
    return describeExpr(this, 3);
  }

  // ---- arithmetic ------------------------------------------------------------------------

  /** a + b, max(wa, wb) + 1 bits: the sum never overflows. */
  add(other: Operand): Expr {
    const b = this.operand(other, 'add');
    sameSignedness(this, b, 'add');
    const w = Math.max(this.width, b.width) + 1;
    return new Expr(w, this.signed, { op: 'binary', kind: 'add', a: this.extend(w), b: b.extend(w) });
  }

  /** a - b, max(wa, wb) + 1 bits, always signed (unsigned a - b may be negative). */
  sub(other: Operand): Expr {
    const b = this.operand(other, 'sub');
    sameSignedness(this, b, 'sub');
    const w = Math.max(this.width, b.width) + 1;
    return new Expr(w, true, { op: 'binary', kind: 'sub', a: this.extend(w), b: b.extend(w) });
  }

  /**
   * a * b, wa + wb bits: the full product, signed when both operands are signed, unsigned when
   * both are unsigned; mixed signedness is an error (convert one explicitly). Emitted as a
   * Verilog `*` of operands already extended to the product width, which Yosys maps to DSP
   * cells (SB_MAC16 with `synth_ice40 -dsp`, MULT18X18D) when the real operand widths fit.
   */
  mul(other: Operand): Expr {
    const b = this.operand(other, 'mul');
    sameSignedness(this, b, 'mul');
    const w = this.width + b.width;
    return new Expr(w, this.signed, { op: 'binary', kind: 'mul', a: this.extend(w), b: b.extend(w) });
  }

  /** -a, width + 1 bits, signed. */
  neg(): Expr {
    const w = this.width + 1;
    return new Expr(w, true, { op: 'binary', kind: 'sub', a: constant(0, w), b: this.extend(w) });
  }

  // ---- bitwise ---------------------------------------------------------------------------

  and(other: Operand): Expr {
    return this.bitwise('and', other);
  }
  or(other: Operand): Expr {
    return this.bitwise('or', other);
  }
  xor(other: Operand): Expr {
    return this.bitwise('xor', other);
  }
  /** ~(a ^ b): 1 where the bits agree (a binary +1/-1 product). */
  xnor(other: Operand): Expr {
    return this.bitwise('xnor', other);
  }
  not(): Expr {
    return new Expr(this.width, this.signed, { op: 'not', a: this });
  }

  private bitwise(kind: BinaryOp, other: Operand): Expr {
    const b = this.operand(other, kind);
    sameSignedness(this, b, kind);
    const w = Math.max(this.width, b.width);
    return new Expr(w, this.signed, { op: 'binary', kind, a: this.extend(w), b: b.extend(w) });
  }

  // ---- shifts ----------------------------------------------------------------------------

  /** Left shift. By a constant n: lossless, width + n. By an expression: keeps the width. */
  shl(amount: number | Expr): Expr {
    if (typeof amount === 'number') {
      checkShift(amount);
      if (amount === 0) return this;
      return new Expr(this.width + amount, this.signed, { op: 'concat', parts: [this, constant(0, amount)] });
    }
    return this.shiftBy('shl', amount);
  }

  /** Logical right shift (zeros in), keeps the width. */
  shr(amount: number | Expr): Expr {
    if (typeof amount === 'number') {
      checkShift(amount);
      if (amount === 0) return this;
      if (amount >= this.width) return constant(0, this.width, this.signed);
      return cat(constant(0, amount), this.slice(this.width - 1, amount)).as(this.signed);
    }
    return this.shiftBy('shr', amount);
  }

  /** Arithmetic right shift (copies of the sign bit in), keeps the width. */
  ashr(amount: number | Expr): Expr {
    if (typeof amount === 'number') {
      checkShift(amount);
      if (amount === 0) return this;
      const n = Math.min(amount, this.width - 1);
      const msb = this.bit(this.width - 1);
      return cat(msb.replicate(n), this.slice(this.width - 1, n)).as(this.signed);
    }
    return this.shiftBy('ashr', amount);
  }

  private shiftBy(kind: ShiftOp, amount: Expr): Expr {
    if (amount.signed) throw new HdlError(`${kind}: shift amount ${amount.describe()} must be unsigned`);
    return new Expr(this.width, this.signed, { op: 'shift', kind, a: this, amount });
  }

  // ---- comparisons (1-bit results) -------------------------------------------------------

  eq(other: Operand): Expr {
    return this.compare('eq', other);
  }
  ne(other: Operand): Expr {
    return this.compare('ne', other);
  }
  /** Signed comparison when both operands are signed, unsigned when both are unsigned. */
  lt(other: Operand): Expr {
    return this.compare('lt', other);
  }
  le(other: Operand): Expr {
    return this.compare('le', other);
  }
  gt(other: Operand): Expr {
    return this.compare('gt', other);
  }
  ge(other: Operand): Expr {
    return this.compare('ge', other);
  }

  private compare(kind: CompareOp, other: Operand): Expr {
    const b = this.operand(other, kind);
    sameSignedness(this, b, kind);
    const w = Math.max(this.width, b.width);
    const ea = this.extend(w);
    const eb = b.extend(w);
    const folded = foldCompare(kind, ea, eb, this.signed);
    if (folded !== undefined) return constant(folded, 1);
    return new Expr(1, false, { op: 'compare', kind, a: ea, b: eb, signed: this.signed });
  }

  // ---- bit selection and assembly --------------------------------------------------------

  /** Bits hi..lo inclusive (Verilog order), unsigned. */
  slice(hi: number, lo: number): Expr {
    if (!Number.isInteger(hi) || !Number.isInteger(lo) || lo < 0 || hi < lo || hi >= this.width) {
      throw new HdlError(`slice [${hi}:${lo}] is out of range for ${this.describe()} (${this.width} bits)`);
    }
    if (lo === 0 && hi === this.width - 1) return this.signed ? this.asUnsigned() : this;
    const n = this.node;
    if (n.op === 'const') return constant((n.value >> BigInt(lo)) & mask(hi - lo + 1), hi - lo + 1);
    if (n.op === 'slice') return n.a.slice(n.lo + hi, n.lo + lo);
    if (n.op === 'cast') return n.a.slice(hi, lo);
    // Push the slice into the operands where the result bits depend only on the same operand
    // bits: `a.add(b).trunc(8)` becomes an 8-bit `a + b` instead of a 9-bit temporary with an
    // unused carry (Verilog-2005 cannot index an expression, and Verilator flags unused bits).
    const w = hi - lo + 1;
    // (A product's low bits depend only on its operands' low bits, so mul joins add and sub.)
    if (n.op === 'binary' && (lo === 0 || (n.kind !== 'add' && n.kind !== 'sub' && n.kind !== 'mul'))) {
      return new Expr(w, false, { op: 'binary', kind: n.kind, a: n.a.slice(hi, lo), b: n.b.slice(hi, lo) });
    }
    if (n.op === 'not') return new Expr(w, false, { op: 'not', a: n.a.slice(hi, lo) });
    if (n.op === 'mux') return new Expr(w, false, { op: 'mux', sel: n.sel, a: n.a.slice(hi, lo), b: n.b.slice(hi, lo) });
    if (n.op === 'concat') {
      const picked: Expr[] = [];
      let top = this.width; // bit index just above the current part
      for (const part of n.parts) {
        const pHi = top - 1;
        const pLo = top - part.width;
        top = pLo;
        const a = Math.min(hi, pHi);
        const b = Math.max(lo, pLo);
        if (a >= b) picked.push(part.slice(a - pLo, b - pLo));
      }
      return cat(...picked);
    }
    if (n.op === 'repl' && Math.floor(hi / n.a.width) === Math.floor(lo / n.a.width)) {
      const base = Math.floor(lo / n.a.width) * n.a.width;
      return n.a.slice(hi - base, lo - base);
    }
    return new Expr(hi - lo + 1, false, { op: 'slice', a: this, hi, lo });
  }

  /** One bit. */
  bit(i: number): Expr {
    return this.slice(i, i);
  }

  /** The low `width` bits, keeping the signedness: the explicit way to drop high bits. */
  trunc(width: number): Expr {
    checkWidth(width, 'trunc');
    if (width > this.width) {
      throw new HdlError(`trunc(${width}) of ${this.describe()} (${this.width} bits) would widen it; use zext/sext`);
    }
    if (width === this.width) return this;
    return this.slice(width - 1, 0).as(this.signed);
  }

  /** Zero extension to `width` bits (unsigned result). */
  zext(width: number): Expr {
    checkWidth(width, 'zext');
    if (width < this.width) throw new HdlError(`zext(${width}) of ${this.describe()} (${this.width} bits) would narrow it; use trunc`);
    if (width === this.width) return this.asUnsigned();
    return cat(constant(0, width - this.width), this);
  }

  /** Sign extension to `width` bits (signed result). */
  sext(width: number): Expr {
    checkWidth(width, 'sext');
    if (width < this.width) throw new HdlError(`sext(${width}) of ${this.describe()} (${this.width} bits) would narrow it; use trunc`);
    if (width === this.width) return this.asSigned();
    return cat(this.bit(this.width - 1).replicate(width - this.width), this).asSigned();
  }

  /** Extension by the expression's own signedness (zero for unsigned, sign for signed). */
  extend(width: number): Expr {
    if (width === this.width) return this;
    return this.signed ? this.sext(width) : this.zext(width);
  }

  /** `n` copies side by side. */
  replicate(n: number): Expr {
    if (!Number.isInteger(n) || n < 1) throw new HdlError(`replicate: count must be a positive integer, got ${n}`);
    if (n === 1) return this.asUnsigned();
    return new Expr(this.width * n, false, { op: 'repl', a: this, n });
  }

  asSigned(): Expr {
    return this.as(true);
  }
  asUnsigned(): Expr {
    return this.as(false);
  }
  /** Same bits with the given signedness. */
  as(signed: boolean): Expr {
    if (signed === this.signed) return this;
    const inner = this.node.op === 'cast' ? this.node.a : this;
    if (inner.signed === signed) return inner;
    return new Expr(this.width, signed, { op: 'cast', a: inner });
  }

  // ---- reductions (1-bit results) --------------------------------------------------------

  reduceAnd(): Expr {
    return this.width === 1 ? this.asUnsigned() : new Expr(1, false, { op: 'reduce', kind: 'and', a: this });
  }
  reduceOr(): Expr {
    return this.width === 1 ? this.asUnsigned() : new Expr(1, false, { op: 'reduce', kind: 'or', a: this });
  }
  reduceXor(): Expr {
    return this.width === 1 ? this.asUnsigned() : new Expr(1, false, { op: 'reduce', kind: 'xor', a: this });
  }

  /** this ? a : b (this must be 1 bit). */
  select(a: Operand, b: Operand): Expr {
    return mux(this, a, b);
  }

  /** Turns a number operand into a constant matching this expression. */
  protected operand(other: Operand, what: string): Expr {
    if (other instanceof Expr) return other;
    return constant(other, this.width, this.signed, `${what} with ${this.describe()}`);
  }
}

/**
 * The value of a comparison that does not depend on its variable operand: both constant, or
 * a constant at the end of the other operand's range (`x <= 255` for 8 bits, `x >= 0`
 * unsigned). Folding them keeps the Verilog free of Verilator's CMPCONST/UNSIGNED warnings.
 */
function foldCompare(kind: CompareOp, a: Expr, b: Expr, signed: boolean): boolean | undefined {
  const w = a.width;
  const value = (e: Expr): bigint | undefined => {
    if (e.node.op !== 'const') return undefined;
    const v = e.node.value;
    return signed && v >> BigInt(w - 1) === 1n ? v - (1n << BigInt(w)) : v;
  };
  const lo = signed ? -(1n << BigInt(w - 1)) : 0n;
  const hi = signed ? (1n << BigInt(w - 1)) - 1n : mask(w);
  const va = value(a);
  const vb = value(b);
  const ops: Record<CompareOp, (x: bigint, y: bigint) => boolean> = {
    eq: (x, y) => x === y,
    ne: (x, y) => x !== y,
    lt: (x, y) => x < y,
    le: (x, y) => x <= y,
    gt: (x, y) => x > y,
    ge: (x, y) => x >= y,
  };
  if (va !== undefined && vb !== undefined) return ops[kind](va, vb);
  // Normalise to `x <op> c` with the constant on the right.
  const mirror: Record<CompareOp, CompareOp> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };
  const [op, c] = vb !== undefined ? [kind, vb] : va !== undefined ? [mirror[kind], va] : [kind, undefined];
  if (c === undefined) return undefined;
  if (op === 'lt' && c === lo) return false;
  if (op === 'ge' && c === lo) return true;
  if (op === 'le' && c === hi) return true;
  if (op === 'gt' && c === hi) return false;
  return undefined;
}

function checkShift(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new HdlError(`shift amount must be a non-negative integer, got ${n}`);
}

function sameSignedness(a: Expr, b: Expr, what: string): void {
  if (a.signed !== b.signed) {
    throw new HdlError(
      `${what}: ${a.describe()} is ${a.signed ? 'signed' : 'unsigned'} but ${b.describe()} is ${b.signed ? 'signed' : 'unsigned'}; ` +
        `convert one explicitly (e.g. .zext(w + 1).asSigned())`,
    );
  }
}

/**
 * A constant of the given width. Negative values need `signed` and are stored as two's
 * complement; a value that does not fit is an error.
 */
export function constant(value: number | bigint | boolean, width: number, signed = false, context?: string): Expr {
  checkWidth(width, 'constant');
  let v: bigint;
  if (typeof value === 'boolean') v = value ? 1n : 0n;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new HdlError(`constant ${value} is not a safe integer; pass a bigint`);
    v = BigInt(value);
  } else v = value;
  const lo = signed ? -(1n << BigInt(width - 1)) : 0n;
  const hi = signed ? (1n << BigInt(width - 1)) - 1n : mask(width);
  if (v < lo || v > hi) {
    throw new HdlError(`constant ${v} does not fit in ${width} ${signed ? 'signed' : 'unsigned'} bits${context ? ` (${context})` : ''}`);
  }
  return new Expr(width, signed, { op: 'const', value: v & mask(width) });
}

/** Concatenation, most significant part first (as Verilog `{a, b}`); unsigned. */
export function cat(...parts: Expr[]): Expr {
  if (parts.length === 0) throw new HdlError('cat: needs at least one part');
  if (parts.length === 1) return parts[0]!.asUnsigned();
  const flat: Expr[] = [];
  for (const p of parts) {
    if (p.node.op === 'concat') flat.push(...p.node.parts);
    else flat.push(p);
  }
  const width = flat.reduce((s, p) => s + p.width, 0);
  return new Expr(width, false, { op: 'concat', parts: flat });
}

/** sel ? a : b. Operands are extended to the wider one; numbers take the other's width. */
export function mux(sel: Expr, a: Operand, b: Operand): Expr {
  if (sel.width !== 1) throw new HdlError(`mux: select ${sel.describe()} must be 1 bit, has ${sel.width}`);
  let ea: Expr;
  let eb: Expr;
  if (a instanceof Expr && b instanceof Expr) {
    ea = a;
    eb = b;
  } else if (a instanceof Expr) {
    ea = a;
    eb = constant(b as number | bigint | boolean, a.width, a.signed, `mux with ${a.describe()}`);
  } else if (b instanceof Expr) {
    eb = b;
    ea = constant(a, b.width, b.signed, `mux with ${b.describe()}`);
  } else {
    throw new HdlError('mux: at least one of the two values must be an expression (use constant(v, width))');
  }
  sameSignedness(ea, eb, 'mux');
  const w = Math.max(ea.width, eb.width);
  return new Expr(w, ea.signed, { op: 'mux', sel, a: ea.extend(w), b: eb.extend(w) });
}

/** Reduces a list with a binary builder as a balanced tree (e.g. an adder tree). */
export function tree(items: Expr[], combine: (a: Expr, b: Expr) => Expr): Expr {
  if (items.length === 0) throw new HdlError('tree: needs at least one item');
  let level = items;
  while (level.length > 1) {
    const next: Expr[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(combine(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

function describeExpr(e: Expr, depth: number): string {
  const n = e.node;
  if (n.op === 'sig') return n.sig.name;
  if (n.op === 'const') return `${e.width}'d${n.value}`;
  if (depth <= 0) return '(...)';
  const d = (x: Expr) => describeExpr(x, depth - 1);
  switch (n.op) {
    case 'binary':
      return `(${d(n.a)} ${binarySymbol[n.kind]} ${d(n.b)})`;
    case 'not':
      return `~${d(n.a)}`;
    case 'compare':
      return `(${d(n.a)} ${compareSymbol[n.kind]} ${d(n.b)})`;
    case 'slice':
      return `${d(n.a)}[${n.hi === n.lo ? n.hi : `${n.hi}:${n.lo}`}]`;
    case 'concat': {
      // An extension reads better as the value it extends.
      const [head, last] = n.parts;
      if (n.parts.length === 2 && (head!.node.op === 'const' && head!.node.value === 0n || head!.node.op === 'repl')) return d(last!);
      return `{${n.parts.map(d).join(', ')}}`;
    }
    case 'repl':
      return `{${n.n}{${d(n.a)}}}`;
    case 'mux':
      return `(${d(n.sel)} ? ${d(n.a)} : ${d(n.b)})`;
    case 'reduce':
      return `${reduceSymbol[n.kind]}${d(n.a)}`;
    case 'shift':
      return `(${d(n.a)} ${shiftSymbol[n.kind]} ${d(n.amount)})`;
    case 'cast':
      return d(n.a);
    case 'memread':
      return `${n.mem.name}[${d(n.addr)}]`;
  }
}

export const binarySymbol: Record<BinaryOp, string> = { add: '+', sub: '-', mul: '*', and: '&', or: '|', xor: '^', xnor: '~^' };
export const compareSymbol: Record<CompareOp, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
export const reduceSymbol: Record<ReduceOp, string> = { and: '&', or: '|', xor: '^' };
export const shiftSymbol: Record<ShiftOp, string> = { shl: '<<', shr: '>>', ashr: '>>>' };
