/**
 * Compiles a design with its cosimulation harness (Verilator, C++), cached under
 * .cache/cosim/<key>. The key hashes the Verilator version, the build flags, the harness
 * source, the top module and every Verilog file (name and content). Memory init files
 * (.hex) are not part of the key: `$readmemh` reads them when the simulation starts, from the
 * simulation's working directory, which is the design directory itself (run.ts). So a design
 * whose ROM contents change (a retrained model, a flipped weight bit) reuses the build.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/cli/errors.ts';
import { resolveTool, runTool } from '../../src/tools/index.ts';
import type { DesignDir } from './design.ts';
import { COSIM_HARNESS_VERSION, cosimHarnessSource } from './harness.ts';
import { restoreRuntime, runtimeDir, saveRuntime } from '../verilator-runtime.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_COSIM_CACHE = join(REPO_ROOT, '.cache', 'cosim');
const BINARY = 'Vcosim';
/**
 * -j 2: the machine is shared. x-assign/x-initial 0: FPGA flip-flops power up at 0, and
 * a design that needs a reset must say so with rst. -Wno-fatal: lint is the generator's
 * check (verilator --lint-only -Wall); cosim only needs a model that compiles.
 * OPT_FAST=-O2: Verilator compiles the per-cycle model code with -Os by default; -O2 runs it
 * about 15 % faster (measured on a fully folded design, where the design's clocked logic is
 * ~90 % of the run time) for a somewhat longer compile. The rarely run code (OPT_SLOW: reset,
 * initial blocks, $readmemh) stays small.
 */
const BUILD_FLAGS = ['--cc', '--exe', '--build', '-j', '2', '--prefix', 'Vtop', '--x-assign', '0', '--x-initial', '0', '-Wno-fatal', '-O3', '--MAKEFLAGS', 'OPT_FAST=-O2'];

export interface CosimBuild {
  /** the compiled harness */
  binary: string;
  /** cache key (hex) */
  key: string;
  verilatorVersion: string;
  /** true when the binary came from the cache */
  cached: boolean;
  /** built with --trace (VCD capable) */
  vcd: boolean;
}

export interface CosimBuildOptions {
  /** build the VCD-capable flavour (Verilator --trace; slower, so a separate cache entry) */
  vcd?: boolean;
  cacheDir?: string;
}

export async function buildCosim(design: DesignDir, opts: CosimBuildOptions = {}): Promise<CosimBuild> {
  const { manifest, dir: designDir } = design;
  const verilator = await resolveTool('verilator', `cosimulation of design ${manifest.design}`);
  const flags = opts.vcd ? [...BUILD_FLAGS, '--trace'] : BUILD_FLAGS;
  const harness = cosimHarnessSource(manifest);
  const hash = createHash('sha256');
  hash.update(`${verilator.version}\n${flags.join(' ')}\ncosim harness v${COSIM_HARNESS_VERSION}\ntop ${manifest.top}\n`);
  hash.update(harness);
  const sources = manifest.files.verilog.map((name) => ({ name, text: readFileSync(join(designDir, name)) }));
  for (const f of sources) {
    hash.update(`\n--- ${f.name}\n`);
    hash.update(f.text);
  }
  const key = hash.digest('hex').slice(0, 24);
  const cacheRoot = opts.cacheDir ?? DEFAULT_COSIM_CACHE;
  const dir = join(cacheRoot, key);
  const binary = join(dir, BINARY);
  const result = { binary, key, verilatorVersion: verilator.version, vcd: opts.vcd ?? false };
  if (existsSync(binary)) return { ...result, cached: true };

  // Build in a private directory and rename it into place: parallel runs may build the same
  // design, and a failed build must not leave a half-made cache entry.
  mkdirSync(cacheRoot, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(join(tmp, 'src'), { recursive: true });
  const runtime = runtimeDir(cacheRoot, verilator.version, flags);
  try {
    const keepRuntime = restoreRuntime(runtime, join(tmp, 'obj'));
    // Copies of the sources, so the build never depends on the design directory changing under it.
    for (const f of sources) writeFileSync(join(tmp, 'src', f.name), f.text);
    writeFileSync(join(tmp, 'harness.cpp'), harness);
    await runTool(
      verilator,
      [...flags, ...keepRuntime, '--top-module', manifest.top, '--Mdir', 'obj', '-o', `../${BINARY}`, ...sources.map((f) => join('src', f.name)), 'harness.cpp'],
      { cwd: tmp, logFile: join(tmp, 'build.log'), step: `Verilator cosimulation build of ${manifest.design}` },
    ).catch((e: unknown) => {
      // Keep the log where the user can read it after the temporary directory is gone.
      const log = join(cacheRoot, `${key}.build-failed.log`);
      try {
        writeFileSync(log, readFileSync(join(tmp, 'build.log')));
      } catch {
        throw e;
      }
      if (e instanceof UserError) throw new UserError(e.message.split(join(tmp, 'build.log')).join(log));
      throw e;
    });
    saveRuntime(runtime, join(tmp, 'obj'));
    rmSync(join(tmp, 'obj'), { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(binary)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { ...result, cached: false };
}
