/**
 * Checks a module before emission and derives what the emitter needs: every signal has a
 * driver, every instance input is bound, memories are read, and the combinational
 * dependency graph (through child instances too) has no cycle.
 */
import { HdlError } from './errors.ts';
import type { Module } from './module.ts';
import type { Signal } from './signal.ts';
import { forEachRead, forEachSignal, StmtIndex } from './walk.ts';

export interface Elaboration {
  module: Module;
  /** the module has registers or memories, here or below: it gets a `clk` port */
  needsClk: boolean;
  /** some register here or below has a reset value: the module gets a `rst` port */
  needsRst: boolean;
  /** combinational (not registered) signals driven by assignments, in declaration order */
  combSignals: Signal[];
  /** registers driven by assignments, in declaration order */
  syncSignals: Signal[];
  /** for each output port: the input ports it depends on combinationally */
  combPaths: Map<string, Set<string>>;
  /** the body indexed by assigned signal (for projections) */
  index: StmtIndex;
}

/** Elaborates `m` and its children; `cache` shares results between instances of a module. */
export function elaborate(m: Module, cache = new Map<Module, Elaboration>()): Elaboration {
  const cached = cache.get(m);
  if (cached) return cached;
  const children = m.instances.map((inst) => ({ inst, e: elaborate(inst.child, cache) }));

  for (const s of m.signals) {
    if (s.kind === 'input' || m.drivers.has(s)) continue;
    const what = s.kind === 'reg' ? 'register' : s.kind === 'output' ? 'output' : 'wire';
    throw new HdlError(`${what} ${s.name} of module ${m.name} is never assigned; give it a value (or remove it)`);
  }
  for (const inst of m.instances) {
    const unbound = inst.unboundInputs();
    if (unbound.length > 0) {
      throw new HdlError(
        `instance ${inst.name} of ${inst.child.name} in ${m.name}: input port${unbound.length > 1 ? 's' : ''} ${unbound.map((p) => `'${p}'`).join(', ')} not bound`,
      );
    }
  }
  for (const mem of m.memories) {
    if (mem.readPorts.length === 0 && mem.asyncReads === 0) {
      throw new HdlError(`memory ${mem.name} of module ${m.name} is never read`);
    }
    if (mem.kind === 'ram' && mem.writePorts.length === 0) {
      throw new HdlError(`RAM ${mem.name} of module ${m.name} is never written; give it a write port (or make it a ROM)`);
    }
  }

  const combSignals = m.signals.filter((s) => m.drivers.get(s) === 'comb');
  const syncSignals = m.signals.filter((s) => m.drivers.get(s) === 'sync');

  // Combinational dependency graph: edge u -> v when v is computed from u in the same cycle.
  const deps = new Map<Signal, Set<Signal>>();
  const addDep = (to: Signal, from: Signal) => {
    let set = deps.get(to);
    if (!set) deps.set(to, (set = new Set()));
    set.add(from);
  };
  const index = new StmtIndex(m.body);
  for (const s of combSignals) {
    forEachRead(index.project(new Set([s])), (r) => addDep(s, r));
  }
  for (const { inst, e } of children) {
    for (const [outPort, wire] of inst.outputs) {
      for (const inPort of e.combPaths.get(outPort) ?? []) {
        const bound = inst.inputs.get(inPort);
        if (bound) forEachSignal(bound, (r) => addDep(wire, r));
      }
    }
  }
  findCombLoop(m, deps);

  const combPaths = new Map<string, Set<string>>();
  for (const out of m.ports.filter((p) => p.kind === 'output')) {
    const inputs = new Set<string>();
    const seen = new Set<Signal>();
    const stack = [out];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      if (s.kind === 'input') inputs.add(s.name);
      for (const d of deps.get(s) ?? []) stack.push(d);
    }
    combPaths.set(out.name, inputs);
  }

  // An asynchronously read LUT ROM needs no clock; registered reads and writes do.
  const hasRegs = m.signals.some((s) => s.registered) || m.memories.some((x) => x.readPorts.length > 0 || x.writePorts.length > 0);
  const result: Elaboration = {
    module: m,
    needsClk: hasRegs || children.some((c) => c.e.needsClk),
    needsRst: m.signals.some((s) => s.registered && s.reset !== null) || children.some((c) => c.e.needsRst),
    combSignals,
    syncSignals,
    combPaths,
    index,
  };
  cache.set(m, result);
  return result;
}

/** Depth-first search for a cycle; the error lists the signals around it. */
function findCombLoop(m: Module, deps: Map<Signal, Set<Signal>>): void {
  const state = new Map<Signal, 1 | 2>(); // 1 = on the current path, 2 = finished
  const path: Signal[] = [];
  const visit = (s: Signal): void => {
    state.set(s, 1);
    path.push(s);
    for (const d of deps.get(s) ?? []) {
      const st = state.get(d);
      if (st === 1) {
        const cycle = path.slice(path.indexOf(d));
        // path runs consumer -> producer; print it in signal-flow order
        const names = [...cycle].reverse().map((x) => x.name);
        throw new HdlError(`combinational loop in module ${m.name}: ${[...names, names[0]].join(' -> ')}`);
      }
      if (st === undefined) visit(d);
    }
    path.pop();
    state.set(s, 2);
  };
  for (const s of deps.keys()) if (!state.has(s)) visit(s);
}
