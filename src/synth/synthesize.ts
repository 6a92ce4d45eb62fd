/**
 * `synthesize(designDir, target, opts)`: Yosys synthesis with the hierarchy kept, nextpnr place
 * and route for one or more seeds, icetime on iCE40, a bitstream on request; the result is
 * <design>/build/<target>/synth.json (see result.ts).
 *
 * Everything runs inside the build directory: the design's Verilog and memory init files are
 * copied there (flat), so `$readmemh("x.hex")` resolves against the working directory as Yosys
 * 0.23 expects, and the WebAssembly builds of the tools (which see only their working
 * directory) behave like the system ones. Logs and intermediate files stay there; a failure
 * names the step and the log and leaves no synth.json behind.
 *
 * Hierarchy: `synth_ice40 -noflatten` / `synth_ecp5 -noflatten` keep one netlist module per
 * Verilog module, so `stat -json` counts cells per module and the counts add up exactly to the
 * placed design (nextpnr reads the hierarchical netlist and flattens it itself). The price is
 * that Yosys does not optimise across module boundaries; generated engines take their
 * parameters at elaboration, so little is lost.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { getTarget, type Target } from '../design/targets.ts';
import { resolveTool, runTool, type ResolvedTool } from '../tools/index.ts';
import { boardForTarget, constraintsFileName, renderConstraints, type Board } from './boards.ts';
import { designFiles, loadManifest } from './design-dir.ts';
import { MalformedToolOutputError } from './errors.ts';
import { parseIcetime } from './icetime.ts';
import { toolJobs } from './limiter.ts';
import { instanceTree, readNetlist, type InstanceNode } from './netlist.ts';
import { readPnrReport } from './nextpnr-report.ts';
import { RESOURCE_CLASSES, addCells, addCounts, emptyCounts, type ResourceCounts } from './resources.ts';
import { median, SYNTH_FORMAT, SYNTH_VERSION, type FailedPnrRun, type InstanceResult, type PnrRun, type SynthResult } from './result.ts';
import { hierarchicalCounts, ownCounts, parseYosysStat, sourceModuleName, type YosysStat } from './yosys-stat.ts';
import { writeFileAtomic } from '../io/write-atomic.ts';

export interface SynthOptions {
  /** first place-and-route seed (default 1) */
  seed?: number;
  /** number of seeds, seed .. seed+seeds-1 (default 1) */
  seeds?: number;
  /** nextpnr target frequency in MHz (default: the board's oscillator) */
  freqMhz?: number;
  /** write a bitstream (icepack / ecppack) from the first seed's placement */
  bitstream?: boolean;
  /** board whose pins to use (default: the target's board) */
  board?: string;
  /** where board files live (default: the repository's constraints/) */
  constraintsDir?: string;
  /** run icetime on iCE40 (default true) */
  icetime?: boolean;
  /** progress messages for a long step */
  onProgress?: (message: string) => void;
}

/** icetime's -d names for the iCE40 devices bitbeat targets. */
const ICETIME_DEVICE: Record<string, string> = { iCE40UP5K: 'up5k', iCE40HX8K: 'hx8k' };

export const SYNTH_RESULT_FILE = 'synth.json';

/** The build directory for a design on a target (and a non-default board). */
export function buildDirFor(designDir: string, target: Target, board?: string): string {
  const suffix = board && board !== target.board ? `-${board}` : '';
  return join(designDir, 'build', `${target.name}${suffix}`);
}

function yosysScript(target: Target, verilog: string[], top: string): string {
  // Multipliers (the normalizer's `mul` products) go to DSP cells: synth_ice40 needs -dsp for
  // SB_MAC16 (only on devices that have them: the UP5K, not the HX8K); synth_ecp5 maps them to
  // MULT18X18D by default (unless -nodsp).
  const synth = target.family === 'ice40' ? `synth_ice40${target.resources.dsp > 0 ? ' -dsp' : ''}` : 'synth_ecp5';
  return [
    `read_verilog ${verilog.map((f) => basename(f)).join(' ')}`,
    `${synth} -noflatten -top ${top}`,
    // the generator promises no latches, loops or undriven nets; hold it to that here too
    'check -assert',
    'tee -q -o stat.json stat -json',
    'write_json netlist.json',
    '',
  ].join('\n');
}

function toInstanceResults(nodes: InstanceNode[], stat: YosysStat, family: Target['family']): InstanceResult[] {
  return nodes.map((n) => ({
    name: n.name,
    path: n.path,
    module: sourceModuleName(n.module),
    resources: hierarchicalCounts(stat, n.module, family),
    children: toInstanceResults(n.children, stat, family),
  }));
}

function countInstances(nodes: InstanceNode[], into: Map<string, number>): void {
  for (const n of nodes) {
    into.set(n.module, (into.get(n.module) ?? 0) + 1);
    countInstances(n.children, into);
  }
}

function sameCounts(a: ResourceCounts, b: ResourceCounts): boolean {
  return RESOURCE_CLASSES.every((c) => a[c] === b[c]) && JSON.stringify(a.other) === JSON.stringify(b.other);
}


interface Tools {
  yosys: ResolvedTool;
  nextpnr: ResolvedTool;
  icetime?: ResolvedTool;
  pack?: ResolvedTool;
}

async function resolveTools(target: Target, opts: SynthOptions): Promise<Tools> {
  const ice40 = target.family === 'ice40';
  return {
    yosys: await resolveTool('yosys', 'synthesis'),
    nextpnr: await resolveTool(ice40 ? 'nextpnr-ice40' : 'nextpnr-ecp5', 'place and route'),
    icetime: ice40 && opts.icetime !== false ? await resolveTool('icetime', 'static timing (icetime); or pass --no-icetime') : undefined,
    pack: opts.bitstream ? await resolveTool(ice40 ? 'icepack' : 'ecppack', 'the bitstream') : undefined,
  };
}

async function runSynthesis(
  dir: string,
  target: Target,
  top: string,
  verilog: string[],
  yosys: ResolvedTool,
): Promise<{ script: string; stat: YosysStat; instances: InstanceResult[]; topOwn: ResourceCounts; total: ResourceCounts; modules: SynthResult['synthesis']['modules'] }> {
  const step = `synthesis (yosys ${target.family === 'ice40' ? 'synth_ice40' : 'synth_ecp5'})`;
  const script = yosysScript(target, verilog, top);
  writeFileSync(join(dir, 'synth.ys'), script);
  const log = join(dir, 'yosys.log');
  await toolJobs.run(() => runTool(yosys, ['-s', 'synth.ys'], { cwd: dir, logFile: log, step }));

  const statFile = join(dir, 'stat.json');
  if (!existsSync(statFile)) throw new MalformedToolOutputError(step, statFile, 'Yosys exited successfully but wrote no statistics', log);
  const stat = parseYosysStat(readFileSync(statFile, 'utf8'), statFile, step);
  if (!stat.modules.has(top)) throw new MalformedToolOutputError(step, statFile, `top module ${top} missing from the statistics`, log);
  const netlistFile = join(dir, 'netlist.json');
  const netlist = readNetlist(netlistFile, step);
  const userModules = new Set(stat.modules.keys());
  const tree = instanceTree(netlist, top, userModules);

  const family = target.family;
  const total = hierarchicalCounts(stat, top, family);
  const topOwn = ownCounts(stat, top, family);
  const instances = toInstanceResults(tree, stat, family);
  // Cross-check the hierarchy walk against Yosys's own totals (present in 0.23 and later).
  if (stat.designCellsByType) {
    const yosysTotal = emptyCounts();
    for (const [t, n] of Object.entries(stat.designCellsByType)) addCells(yosysTotal, family, t, n);
    if (!sameCounts(addCounts(emptyCounts(), yosysTotal), addCounts(emptyCounts(), total))) {
      throw new MalformedToolOutputError(step, statFile, 'per-module cell counts do not add up to the design totals', log);
    }
  }
  const instanceCount = new Map<string, number>([[top, 1]]);
  countInstances(tree, instanceCount);
  const modules = [...stat.modules.keys()].sort().map((m) => ({
    module: sourceModuleName(m),
    yosysName: m,
    instances: instanceCount.get(m) ?? 0,
    own: ownCounts(stat, m, family),
  }));
  return { script, stat, instances, topOwn, total, modules };
}

/** A seed's place-and-route log in the build directory. */
export function pnrLogName(seed: number): string {
  return `pnr-seed${seed}.log`;
}

async function runPlaceAndRoute(
  dir: string,
  target: Target,
  board: Board,
  constraints: string,
  seed: number,
  primary: boolean,
  freqMhz: number,
  nextpnr: ResolvedTool,
  top: string,
): Promise<PnrRun> {
  const step = `place and route (${nextpnr.name}, seed ${seed})`;
  const report = `pnr-seed${seed}.json`;
  const log = pnrLogName(seed);
  const deviceFlag = target.nextpnrArgs[0]!; // --up5k, --hx8k, --25k, --85k
  const args = [deviceFlag, '--package', board.package, '--json', 'netlist.json'];
  args.push(target.family === 'ice40' ? '--pcf' : '--lpf', constraints);
  args.push('--report', report, '--seed', String(seed), '--freq', String(freqMhz));
  // Fmax is measured, not required: a design slower than the target still places and routes.
  args.push('--timing-allow-fail');
  if (primary) args.push(target.family === 'ice40' ? '--asc' : '--textcfg', target.family === 'ice40' ? `${top}.asc` : `${top}.config`);
  rmSync(join(dir, report), { force: true });
  await toolJobs.run(() => runTool(nextpnr, args, { cwd: dir, logFile: join(dir, log), step }));
  const parsed = readPnrReport(join(dir, report), step, join(dir, log));
  return { seed, fmaxMhz: parsed.fmaxMhz, clocks: parsed.clocks, utilisation: parsed.utilisation, report, log };
}

export async function synthesize(designDir: string, targetName: string, opts: SynthOptions = {}): Promise<SynthResult> {
  const target = getTarget(targetName);
  const manifest = loadManifest(designDir);
  if (manifest.trace && manifest.trace.length > 0) {
    // trace ports are simulation-only outputs; on a board they would need pins it does not have
    throw new UserError(`${designDir} was generated with trace ports (a simulation build): generate it again without tracing to synthesize it`);
  }
  const files = designFiles(designDir, manifest);
  const board = boardForTarget(target, opts.board, opts.constraintsDir);
  const seed = opts.seed ?? 1;
  const seedCount = opts.seeds ?? 1;
  if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed must be a non-negative integer, got ${seed}`);
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new UserError(`--seeds must be a positive integer, got ${seedCount}`);
  const freqMhz = opts.freqMhz ?? board.clock.mhz;
  if (!(freqMhz > 0)) throw new UserError(`--freq must be a positive number of MHz, got ${opts.freqMhz}`);
  const tools = await resolveTools(target, opts);
  const progress = opts.onProgress ?? (() => {});

  // A fresh build directory: stale products of an earlier run must not be mistaken for this one's.
  const dir = buildDirFor(designDir, target, opts.board);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of [...files.verilog, ...files.memories]) copyFileSync(join(designDir, f), join(dir, basename(f)));
  const constraints = constraintsFileName(board);
  writeFileSync(join(dir, constraints), renderConstraints(board, manifest, freqMhz));

  progress(`synthesis: ${tools.yosys.name} (${target.family}) on ${manifest.design}`);
  const synth = await runSynthesis(dir, target, manifest.top, files.verilog, tools.yosys);

  const seeds = Array.from({ length: seedCount }, (_, i) => seed + i);
  progress(`place and route: ${seeds.length} seed${seeds.length > 1 ? 's' : ''} on ${target.device} (${board.board})`);
  const settled = await Promise.allSettled(
    seeds.map((s, i) => runPlaceAndRoute(dir, target, board, constraints, s, i === 0, freqMhz, tools.nextpnr, manifest.top)),
  );
  // The primary seed's placement is the one packed into a bitstream and timed by icetime, so
  // it must succeed. The other seeds only measure the Fmax spread: a seed that finds no legal
  // placement is recorded, not fatal, since a design that places at most seeds is still a result.
  const runs: PnrRun[] = [];
  const failedRuns: FailedPnrRun[] = [];
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') runs.push(r.value);
    else if (i === 0 || !(r.reason instanceof UserError)) throw r.reason;
    else {
      const message = (r.reason as Error).message.split(`${dir}/`).join('');
      failedRuns.push({ seed: seeds[i]!, error: message, log: pnrLogName(seeds[i]!) });
      progress(`place and route: seed ${seeds[i]} failed (${message}); the spread is over the seeds that placed`);
    }
  });
  const fmaxes = runs.map((r) => r.fmaxMhz).filter((f): f is number => f !== null);
  const fmaxSpread = fmaxes.length ? { min: Math.min(...fmaxes), median: median(fmaxes), max: Math.max(...fmaxes), seeds: fmaxes.length } : null;

  let icetime: SynthResult['icetime'] = null;
  if (tools.icetime) {
    progress('static timing: icetime');
    const step = 'static timing (icetime)';
    const dev = ICETIME_DEVICE[target.device];
    if (!dev) throw new Error(`no icetime device name for ${target.device}`);
    const log = join(dir, 'icetime.log');
    const r = await runTool(tools.icetime, ['-d', dev, '-P', board.package, '-p', constraints, '-t', `${manifest.top}.asc`], { cwd: dir, logFile: log, step });
    icetime = parseIcetime(`${r.stdout}\n${r.stderr}`, log, step);
  }

  let bitstream: string | null = null;
  if (tools.pack) {
    progress(`bitstream: ${tools.pack.name}`);
    const step = `bitstream (${tools.pack.name})`;
    const log = join(dir, 'bitstream.log');
    if (target.family === 'ice40') {
      bitstream = `${manifest.top}.bin`;
      await runTool(tools.pack, [`${manifest.top}.asc`, bitstream], { cwd: dir, logFile: log, step });
    } else {
      bitstream = `${manifest.top}.bit`;
      await runTool(tools.pack, [`${manifest.top}.config`, bitstream], { cwd: dir, logFile: log, step });
    }
    if (!existsSync(join(dir, bitstream))) throw new MalformedToolOutputError(step, join(dir, bitstream), 'no bitstream written', log);
  }

  const toolVersions: SynthResult['tools'] = {};
  for (const t of [tools.yosys, tools.nextpnr, tools.icetime, tools.pack]) {
    if (t) toolVersions[t.name] = { source: t.source, version: t.version };
  }
  const result: SynthResult = {
    format: SYNTH_FORMAT,
    version: SYNTH_VERSION,
    design: manifest.design,
    top: manifest.top,
    target: target.name,
    device: target.device,
    package: board.package,
    board: board.board,
    constraints,
    tools: toolVersions,
    synthesis: { script: synth.script, resources: synth.total, topOwn: synth.topOwn, instances: synth.instances, modules: synth.modules },
    pnr: { freqTargetMhz: freqMhz, primarySeed: seed, runs, failedRuns, fmaxSpread },
    icetime,
    bitstream,
  };
  writeFileAtomic(join(dir, SYNTH_RESULT_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
