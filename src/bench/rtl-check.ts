/**
 * The generator's RTL promise (issue 6): a generated design is `verilator --lint-only -Wall`
 * clean and passes Yosys `check -assert` (no combinational loops, no conflicting drivers, no
 * used wire without a driver).
 *
 * `check` needs no technology mapping: it skips modules that still hold processes (so `proc`
 * is required), and it sees a loop through submodules only in a flattened design. The light
 * script (hierarchy -check; proc; flatten; check -assert) therefore checks everything
 * `check -assert` can find, on the coarse-grain netlist, where every output bit of a word-level
 * cell depends on all of its input bits: loops can only be over-reported there, never missed,
 * and nothing that drives a used wire has been optimised away yet. It takes seconds where a
 * full `synth_ice40`/`synth_ecp5` takes minutes on a fully parallel design. The 'synth' script
 * (as tests/gen/tools.ts runs it) is kept for comparison.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DesignManifest } from '../design/manifest.ts';
import type { Target } from '../design/targets.ts';
import { resolveTool, runTool } from '../tools/index.ts';

export type CheckScript = 'light' | 'synth';

export function yosysCheckScript(manifest: Pick<DesignManifest, 'top' | 'files'>, script: CheckScript, target: Target): string {
  const read = `read_verilog ${manifest.files.verilog.join(' ')}`;
  // iCE40 designs may instantiate vendor cells in their SYNTHESIS branches (SB_MAC16, see
  // hdl-gen/blocks/ice40-addsub.ts): read as black boxes, as synth_ice40 does
  const cells = target.family === 'ice40' ? ['read_verilog -lib +/ice40/cells_sim.v'] : [];
  if (script === 'light') return [...cells, read, `hierarchy -check -top ${manifest.top}`, 'proc', 'flatten', 'check -assert', ''].join('\n');
  return [read, `${target.family === 'ice40' ? 'synth_ice40' : 'synth_ecp5'} -top ${manifest.top}`, 'check -assert', ''].join('\n');
}

export interface LintResult {
  clean: boolean;
  /** Verilator's %Warning / %Error lines */
  messages: string[];
  seconds: number;
}

export async function lintDesign(dir: string, manifest: Pick<DesignManifest, 'top' | 'files'>): Promise<LintResult> {
  const verilator = await resolveTool('verilator', 'linting generated Verilog');
  const t0 = performance.now();
  const r = await runTool(verilator, ['--lint-only', '-Wall', '--top-module', manifest.top, ...manifest.files.verilog], { cwd: dir, check: false, logFile: join(dir, 'lint.log') });
  const messages = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => /^%(Warning|Error)/.test(l));
  return { clean: r.code === 0 && messages.length === 0, messages, seconds: (performance.now() - t0) / 1000 };
}

export interface YosysCheckResult {
  passed: boolean;
  /** "Found and reported N problems": N, or null when Yosys stopped before check */
  problems: number | null;
  /** the first error or problem line when it did not pass */
  detail: string | null;
  seconds: number;
  script: CheckScript;
}

export async function yosysCheckDesign(dir: string, manifest: Pick<DesignManifest, 'top' | 'files'>, target: Target, script: CheckScript): Promise<YosysCheckResult> {
  const yosys = await resolveTool('yosys', 'checking generated Verilog');
  const t0 = performance.now();
  rmSync(join(dir, 'check.log'), { force: true });
  const r = await runTool(yosys, ['-q', '-l', 'check.log', '-p', yosysCheckScript(manifest, script, target).trim().split('\n').join('; ')], { cwd: dir, check: false });
  const seconds = (performance.now() - t0) / 1000;
  // -q keeps the terminal quiet; the log (check.log) has everything, including check's summary
  const log = existsSync(join(dir, 'check.log')) ? readFileSync(join(dir, 'check.log'), 'utf8') : `${r.stdout}\n${r.stderr}`;
  const found = /Found and reported (\d+) problems?/.exec(log);
  const problems = found ? Number(found[1]) : null;
  const passed = r.code === 0 && problems === 0;
  const detail = passed
    ? null
    : (log.split('\n').find((l) => /^(ERROR|Warning: (found|multiple|wire|Drivers|Found))/i.test(l.trim()) || /problem/i.test(l)) ?? `yosys exited with code ${r.code}`).trim();
  return { passed, problems, detail, seconds, script };
}
