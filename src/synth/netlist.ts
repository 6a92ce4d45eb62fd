/**
 * The instance tree of a hierarchical Yosys netlist (write_json after `synth_* -noflatten`):
 * which named instance of which module sits where. `stat` counts cells per module type but does
 * not name instances; reports need the names to tie engines to the manifest's layers.
 */
import { readFileSync } from 'node:fs';
import { MalformedToolOutputError } from './errors.ts';
import { normalizeModuleName } from './yosys-stat.ts';

export interface InstanceNode {
  /** instance name in its parent (e.g. `u_dense`) */
  name: string;
  /** hierarchical path from the top (e.g. `u_dense.u_rom`) */
  path: string;
  /** module name as Yosys knows it */
  module: string;
  children: InstanceNode[];
}

interface NetlistJson {
  modules: Record<string, { attributes?: Record<string, unknown>; cells?: Record<string, { type: string }> }>;
}

export function readNetlist(file: string, step: string): NetlistJson {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MalformedToolOutputError(step, file, (e as Error).message);
  }
  const mods = (json as { modules?: unknown }).modules;
  if (typeof mods !== 'object' || mods === null) throw new MalformedToolOutputError(step, file, 'no "modules" object');
  return json as NetlistJson;
}

/**
 * The instance children of `module`, recursively; only instances of `userModules` (the
 * modules stat listed, i.e. not library primitives) become nodes. Sorted by name.
 */
export function instanceTree(netlist: NetlistJson, module: string, userModules: Set<string>, path = ''): InstanceNode[] {
  const entry = Object.entries(netlist.modules).find(([name]) => normalizeModuleName(name) === module)?.[1];
  const cells = entry?.cells ?? {};
  const nodes: InstanceNode[] = [];
  for (const name of Object.keys(cells).sort()) {
    const type = normalizeModuleName(cells[name]!.type);
    if (!userModules.has(type)) continue;
    const childPath = path ? `${path}.${name}` : name;
    nodes.push({ name, path: childPath, module: type, children: instanceTree(netlist, type, userModules, childPath) });
  }
  return nodes;
}
