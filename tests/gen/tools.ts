/** Lint (verilator -Wall) and Yosys (synth_ice40 + check -assert) of a block, for the generator's tests. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { expect } from 'vitest';
import { emitDesign, type Module } from '../../src/hdl/index.ts';
import { resolveTool, runTool } from '../../src/tools/index.ts';

/** Verilog files of a directory's design, top last as emitDesign orders them. */
export async function lintAndCheckDir(dir: string, vfiles: string[], top: string): Promise<string> {
  const verilator = await resolveTool('verilator', 'linting generated Verilog');
  const lint = await runTool(verilator, ['--lint-only', '-Wall', '--top-module', top, ...vfiles], { cwd: dir, check: false });
  expect(lint.stderr + lint.stdout).toBe('');
  expect(lint.code).toBe(0);
  const yosys = await resolveTool('yosys', 'checking generated Verilog');
  const script = `read_verilog ${vfiles.join(' ')}; synth_ice40 -top ${top}; check -assert; stat`;
  const synth = await runTool(yosys, ['-p', script], { cwd: dir, check: false });
  expect(synth.code, synth.stderr + synth.stdout.slice(-3000)).toBe(0);
  expect(synth.stdout).toMatch(/Found and reported 0 problems/);
  return synth.stdout;
}

/** Emits `m` into a temporary directory, lints and checks it; returns Yosys's log. */
export async function lintAndCheck(m: Module): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bitbeat-gen-'));
  try {
    const files = emitDesign(m, dir);
    const vfiles = files.filter((f) => f.endsWith('.v')).map((f) => basename(f));
    return await lintAndCheckDir(dir, vfiles, m.name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One cell's simulation model from the installed Yosys's techlibs (e.g. ice40/cells_sim.v's
 * SB_MAC16), as a Verilog source for Simulator.build's extraSources: what synthesis maps a
 * module's SYNTHESIS branch to, so a test can compare it with the module's own description.
 */
export async function yosysCellModel(techlib: string, cell: string): Promise<{ name: string; text: string }> {
  const yosys = await resolveTool('yosys', `reading Yosys's ${cell} model`);
  const file = join(dirname(dirname(yosys.command)), 'share', 'yosys', techlib, 'cells_sim.v');
  if (!existsSync(file)) throw new Error(`Yosys's ${techlib}/cells_sim.v is not at ${file} (Yosys from ${yosys.source}); install Debian's yosys (scripts/setup.sh)`);
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`module ${cell} (`);
  const end = start < 0 ? -1 : text.indexOf('endmodule', start);
  if (start < 0 || end < 0) throw new Error(`no module ${cell} in ${file}`);
  return { name: `${cell}_yosys_model.v`, text: `${text.slice(start, end)}endmodule\n` };
}
