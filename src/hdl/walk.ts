import type { Expr } from './expr.ts';
import type { Signal } from './signal.ts';
import type { Stmt } from './module.ts';

/** Calls `visit` for every node of `e`, parents before children (a shared subexpression once per use). */
export function forEachNode(e: Expr, visit: (node: Expr['node']) => void): void {
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const n = stack.pop()!.node;
    visit(n);
    switch (n.op) {
      case 'sig':
      case 'const':
        break;
      case 'binary':
      case 'compare':
        stack.push(n.a, n.b);
        break;
      case 'not':
      case 'slice':
      case 'repl':
      case 'reduce':
      case 'cast':
        stack.push(n.a);
        break;
      case 'concat':
        stack.push(...n.parts);
        break;
      case 'mux':
        stack.push(n.sel, n.a, n.b);
        break;
      case 'shift':
        stack.push(n.a, n.amount);
        break;
      case 'memread':
        stack.push(n.addr);
        break;
    }
  }
}

/** Calls `visit` for every signal referenced by `e` (including memory read addresses). */
export function forEachSignal(e: Expr, visit: (s: Signal) => void): void {
  forEachNode(e, (n) => {
    if (n.op === 'sig') visit(n.sig);
  });
}

/** Signals read by a statement list: conditions, selectors and assigned values. */
export function forEachRead(stmts: Stmt[], visit: (s: Signal) => void): void {
  for (const st of stmts) {
    if (st.kind === 'assign') forEachSignal(st.value, visit);
    else if (st.kind === 'if') {
      for (const b of st.branches) {
        forEachSignal(b.cond, visit);
        forEachRead(b.body, visit);
      }
      if (st.orelse) forEachRead(st.orelse, visit);
    } else {
      forEachSignal(st.sel, visit);
      for (const c of st.cases) forEachRead(c.body, visit);
      if (st.fallback) forEachRead(st.fallback, visit);
    }
  }
}

/**
 * The part of a statement tree that assigns signals in `targets`: other assignments are
 * removed, and so are branches left empty where dropping them keeps the meaning (trailing
 * else/elif branches, case items when there is no default). `index` (optional) skips
 * subtrees that assign none of the targets without walking them.
 */
export function project(stmts: Stmt[], targets: ReadonlySet<Signal>, index?: StmtIndex): Stmt[] {
  const out: Stmt[] = [];
  for (const st of stmts) {
    if (st.kind === 'assign') {
      if (targets.has(st.target)) out.push(st);
      continue;
    }
    if (index && !index.touches(st, targets)) continue;
    if (st.kind === 'if') {
      const branches = st.branches.map((b) => ({ cond: b.cond, body: project(b.body, targets, index) }));
      const orelse = st.orelse ? project(st.orelse, targets, index) : [];
      while (branches.length > 0 && orelse.length === 0 && branches[branches.length - 1]!.body.length === 0) branches.pop();
      if (branches.length === 0) {
        // every branch empty (orelse too, by the loop condition)
        continue;
      }
      if (branches.length === 1 && branches[0]!.body.length === 0) {
        // `if (c) begin end else begin X end` reads better as `if (~c) begin X end`
        out.push({ kind: 'if', branches: [{ cond: branches[0]!.cond.not(), body: orelse }], orelse: null });
        continue;
      }
      out.push({ kind: 'if', branches, orelse: orelse.length > 0 ? orelse : null });
    } else {
      const fallback = st.fallback ? project(st.fallback, targets, index) : [];
      let cases = st.cases.map((c) => ({ values: c.values, body: project(c.body, targets, index) }));
      if (fallback.length === 0) cases = cases.filter((c) => c.body.length > 0);
      if (cases.length === 0) {
        out.push(...fallback);
        continue;
      }
      out.push({ kind: 'switch', sel: st.sel, cases, fallback: fallback.length > 0 ? fallback : null });
    }
  }
  return out;
}

/**
 * Which top-level statements of a module body assign which signals, so projecting the body
 * onto one signal costs the size of its own statements rather than the whole body (designs
 * have thousands of signals).
 */
export class StmtIndex {
  private readonly byTarget = new Map<Signal, number[]>();
  private readonly assignedMemo = new WeakMap<Stmt, Set<Signal>>();

  constructor(private readonly body: Stmt[]) {
    body.forEach((st, i) => {
      for (const s of this.assigned(st)) {
        const list = this.byTarget.get(s);
        if (!list) this.byTarget.set(s, [i]);
        else if (list[list.length - 1] !== i) list.push(i);
      }
    });
  }

  /** The body projected onto `targets` (same result as `project(body, targets)`). */
  project(targets: ReadonlySet<Signal>): Stmt[] {
    const indices = new Set<number>();
    for (const t of targets) for (const i of this.byTarget.get(t) ?? []) indices.add(i);
    const relevant = [...indices].sort((a, b) => a - b).map((i) => this.body[i]!);
    return project(relevant, targets, this);
  }

  touches(st: Stmt, targets: ReadonlySet<Signal>): boolean {
    const assigned = this.assigned(st);
    if (assigned.size < targets.size) {
      for (const s of assigned) if (targets.has(s)) return true;
    } else {
      for (const s of targets) if (assigned.has(s)) return true;
    }
    return false;
  }

  private assigned(st: Stmt): Set<Signal> {
    let set = this.assignedMemo.get(st);
    if (!set) {
      set = assignedSignals([st]);
      this.assignedMemo.set(st, set);
    }
    return set;
  }
}

/** Every signal assigned anywhere in a statement tree. */
export function assignedSignals(stmts: Stmt[], into = new Set<Signal>()): Set<Signal> {
  for (const st of stmts) {
    if (st.kind === 'assign') into.add(st.target);
    else if (st.kind === 'if') {
      for (const b of st.branches) assignedSignals(b.body, into);
      if (st.orelse) assignedSignals(st.orelse, into);
    } else {
      for (const c of st.cases) assignedSignals(c.body, into);
      if (st.fallback) assignedSignals(st.fallback, into);
    }
  }
  return into;
}
