/**
 * Verilator's runtime library (verilated.cpp and friends) is the same for every design of a
 * Verilator version and flag set, and compiling it is most of a small design's build time
 * (about 4 s of g++ at -Os). The first build saves its objects (and make's dependency files)
 * under the cache; later builds place copies, newer than their sources, in their object
 * directory so make does not rebuild them. Used by the block simulator and the cosim build.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const RUNTIME_FILES = ['verilated', 'verilated_threads', 'verilated_vcd_c'].flatMap((f) => [`${f}.o`, `${f}.d`]);

export function runtimeDir(cacheRoot: string, version: string, flags: string[]): string {
  const key = createHash('sha256').update(`${version}\n${flags.join(' ')}`).digest('hex').slice(0, 16);
  return join(cacheRoot, `runtime-${key}`);
}

/** Copies saved runtime objects into objDir; returns make flags that keep make from rebuilding them. */
export function restoreRuntime(runtime: string, objDir: string): string[] {
  if (!existsSync(runtime)) return [];
  mkdirSync(objDir, { recursive: true });
  const flags: string[] = [];
  for (const f of readdirSync(runtime)) {
    copyFileSync(join(runtime, f), join(objDir, f));
    // make -o FILE: never remake FILE (Verilator's makefile makes them depend on the freshly
    // generated Vtop.mk, which would otherwise force a rebuild)
    if (f.endsWith('.o')) flags.push('--MAKEFLAGS', `-o${f}`);
  }
  return flags;
}

export function saveRuntime(runtime: string, objDir: string): void {
  if (existsSync(runtime)) return;
  const tmp = `${runtime}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(tmp, { recursive: true });
  try {
    for (const f of RUNTIME_FILES) if (existsSync(join(objDir, f))) copyFileSync(join(objDir, f), join(tmp, f));
    renameSync(tmp, runtime);
  } catch {
    // another build saved it first; either copy is good
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
