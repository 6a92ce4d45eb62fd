/**
 * Reading `stat -json` from Yosys after `synth_* -noflatten`.
 *
 * Yosys 0.23 writes invalid JSON here when the design has hierarchy: between the "modules"
 * object and the "design" object it prints the plain-text hierarchy listing (lines such as
 * `fx_popcount   1`). Every line of real JSON in that output starts (after indentation) with
 * `"`, `{`, `}`, `[` or `]`, and no line of the listing does, so the listing is dropped line by
 * line before parsing. Newer Yosys versions print valid JSON, which passes through unchanged.
 * Anything still unparseable is a MalformedToolOutputError.
 *
 * The per-module cell counts are the source of truth; the design-wide totals are recomputed
 * from them through the hierarchy (and checked against Yosys's own "design" totals).
 */
import type { Family } from '../design/targets.ts';
import { MalformedToolOutputError } from './errors.ts';
import { addCells, addCounts, emptyCounts, type ResourceCounts } from './resources.ts';

export interface StatModule {
  /** the module name as Yosys prints it in stat (leading backslash removed) */
  name: string;
  cellsByType: Record<string, number>;
}

export interface YosysStat {
  modules: Map<string, StatModule>;
  /** Yosys's own design-wide cell counts by type, when present */
  designCellsByType?: Record<string, number>;
}

/** Yosys escapes public names with a leading backslash in some outputs and not in others. */
export function normalizeModuleName(name: string): string {
  return name.startsWith('\\') ? name.slice(1) : name;
}

/**
 * The module's name as written in the source: `$paramod$<hash>\fx_dense` and
 * `$paramod\fx_argmax\CLASS_BITS=...` both become the source module name.
 */
export function sourceModuleName(name: string): string {
  const n = normalizeModuleName(name);
  if (!n.startsWith('$paramod')) return n;
  const parts = n.split('\\');
  return parts[1] ?? n;
}

export function sanitizeStatJson(text: string): string {
  return text
    .split('\n')
    .filter((line) => {
      const t = line.trim();
      return t === '' || /^["{}[\]]/.test(t);
    })
    .join('\n');
}

function isCountRecord(v: unknown): v is Record<string, number> {
  return typeof v === 'object' && v !== null && Object.values(v).every((n) => Number.isInteger(n) && (n as number) >= 0);
}

export function parseYosysStat(text: string, file: string, step = 'synthesis (yosys stat)'): YosysStat {
  let json: unknown;
  try {
    json = JSON.parse(sanitizeStatJson(text));
  } catch (e) {
    throw new MalformedToolOutputError(step, file, `not JSON even after removing the hierarchy listing (${(e as Error).message})`);
  }
  const root = json as { modules?: unknown; design?: { num_cells_by_type?: unknown } };
  if (typeof root.modules !== 'object' || root.modules === null) {
    throw new MalformedToolOutputError(step, file, 'no "modules" object');
  }
  const modules = new Map<string, StatModule>();
  for (const [rawName, body] of Object.entries(root.modules as Record<string, unknown>)) {
    const byType = (body as { num_cells_by_type?: unknown } | null)?.num_cells_by_type ?? {};
    if (!isCountRecord(byType)) throw new MalformedToolOutputError(step, file, `module ${rawName}: num_cells_by_type is not a table of counts`);
    const name = normalizeModuleName(rawName);
    const cellsByType: Record<string, number> = {};
    for (const [t, n] of Object.entries(byType)) cellsByType[normalizeModuleName(t)] = n;
    modules.set(name, { name, cellsByType });
  }
  if (modules.size === 0) throw new MalformedToolOutputError(step, file, 'no modules');
  const design = root.design?.num_cells_by_type;
  return { modules, designCellsByType: isCountRecord(design) ? design : undefined };
}

/** Cells of the module itself (primitives only), excluding submodule instances. */
export function ownCounts(stat: YosysStat, module: string, family: Family): ResourceCounts {
  const counts = emptyCounts();
  const m = stat.modules.get(module);
  if (!m) return counts;
  for (const [type, n] of Object.entries(m.cellsByType)) {
    if (!stat.modules.has(type)) addCells(counts, family, type, n);
  }
  return addCounts(emptyCounts(), counts); // sorts `other` for deterministic output
}

/** Cells of the module and everything instantiated below it. */
export function hierarchicalCounts(stat: YosysStat, module: string, family: Family, seen: string[] = []): ResourceCounts {
  if (seen.includes(module)) throw new Error(`recursive module hierarchy at ${module}`);
  let counts = ownCounts(stat, module, family);
  const m = stat.modules.get(module);
  if (!m) return counts;
  for (const [type, n] of Object.entries(m.cellsByType)) {
    if (stat.modules.has(type)) counts = addCounts(counts, hierarchicalCounts(stat, type, family, [...seen, module]), n);
  }
  return counts;
}
