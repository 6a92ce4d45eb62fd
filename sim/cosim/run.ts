/** Runs a compiled cosimulation harness (build.ts) on raw windows and reads what it captured. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/cli/errors.ts';
import type { CosimBuild } from './build.ts';
import type { DesignDir } from './design.ts';
import { readHarnessOutput, writeWindowsFile, type HarnessOutput } from './io.ts';

export interface HarnessRunOptions {
  /** probability of an idle cycle before each input sample, and of m_ready low per cycle, in [0, 1) */
  backpressure: number;
  seed: number;
  /** cycles without any s_/m_ handshake before the run is declared deadlocked */
  watchdogCycles: number;
  /** write a VCD here (needs a build with vcd: true) */
  vcdPath?: string;
}

/** The harness stopped because nothing moved for watchdogCycles cycles. */
export class CosimDeadlockError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'CosimDeadlockError';
  }
}

/** The design broke the output stream rules (m_valid dropped or m_class changed before the handshake). */
export class CosimProtocolError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'CosimProtocolError';
  }
}

function runProcess(binary: string, args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(binary, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code: code ?? (signal ? 128 : 1), stderr: stderr + (signal ? `killed by ${signal}` : '') }));
  });
}

/**
 * Streams `windows` back to back through the design and returns the harness's capture. Runs in
 * the design directory, where the design's `$readmemh` files are.
 */
export async function runHarness(build: CosimBuild, design: DesignDir, windows: readonly ArrayLike<number>[], windowLength: number, opts: HarnessRunOptions): Promise<HarnessOutput> {
  if (!(opts.backpressure >= 0 && opts.backpressure < 1)) throw new UserError(`--backpressure ${opts.backpressure}: must be in [0, 1)`);
  if (opts.vcdPath && !build.vcd) throw new Error('cosim: a VCD needs a build with vcd: true');
  if (windows.length === 0) throw new UserError('cosim: no windows to simulate; pass --windows N with N >= 1');
  const tmp = mkdtempSync(join(tmpdir(), 'bitbeat-cosim-'));
  try {
    const inPath = join(tmp, 'windows.bin');
    const outPath = join(tmp, 'result.bin');
    writeWindowsFile(inPath, windows, windowLength);
    const args = [
      '--in', inPath,
      '--out', outPath,
      '--seed', String(opts.seed >>> 0),
      '--p-in', String(opts.backpressure),
      '--p-out', String(opts.backpressure),
      '--watchdog', String(opts.watchdogCycles),
    ];
    if (opts.vcdPath) args.push('--vcd', resolve(opts.vcdPath));
    const r = await runProcess(build.binary, args, design.dir);
    const msg = r.stderr.trim();
    const name = design.manifest.design;
    if (r.code === 3) throw new CosimDeadlockError(`cosim ${name}: ${msg} (raise --watchdog if the design is merely slow)`);
    if (r.code === 4) throw new CosimProtocolError(`cosim ${name}: ${msg}`);
    if (r.code !== 0) throw new Error(`cosim ${name}: harness exited with code ${r.code}: ${msg}`);
    return readHarnessOutput(outPath, design.manifest.trace?.length ?? 0);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
