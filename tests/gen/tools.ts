/** Lint (verilator -Wall) and Yosys (synth_ice40 + check -assert) of a block, for the generator's tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
