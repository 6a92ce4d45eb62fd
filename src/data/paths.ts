/**
 * Where the real data lives. The project never ships data: users point bitbeat at a directory
 * holding `mitdb/` (PhysioNet MIT-BIH) and/or `plawiak17/` (the 1000 fragments), either with
 * `--data <dir>` or the BITBEAT_DATA environment variable.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../cli/errors.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** The data directory from the CLI option, else BITBEAT_DATA, else a UserError saying how to set it. */
export function resolveDataDir(cliOption?: string): string {
  const chosen = cliOption ?? process.env.BITBEAT_DATA;
  if (chosen === undefined || chosen === '') {
    throw new UserError('no data directory given: pass --data <dir> or set BITBEAT_DATA to the directory holding mitdb/ and plawiak17/');
  }
  const dir = resolve(chosen);
  if (!isDir(dir)) {
    const from = cliOption !== undefined ? '--data' : 'BITBEAT_DATA';
    throw new UserError(`${dir}: data directory (from ${from}) does not exist or is not a directory`);
  }
  return dir;
}

/** For tests and benches: BITBEAT_DATA if it is a directory, else ../shared/data next to the repo, else undefined. */
export function findDataDir(): string | undefined {
  const env = process.env.BITBEAT_DATA;
  if (env && isDir(env)) return resolve(env);
  const sibling = resolve(REPO_ROOT, '..', 'shared', 'data');
  return isDir(sibling) ? sibling : undefined;
}

/**
 * The directory of one source inside a data directory: `<dir>/<name>` when it exists, or
 * `<dir>` itself when it already is that source (recognised by `marker`).
 */
export function sourceDir(dataDir: string, name: 'mitdb' | 'plawiak17', required = true): string | undefined {
  const marker = name === 'mitdb' ? '100.hea' : '1 NSR';
  const sub = join(dataDir, name);
  if (isDir(sub)) return sub;
  if (existsSync(join(dataDir, marker))) return dataDir;
  if (!required) return undefined;
  throw new UserError(`${dataDir}: no ${name}/ directory here (expected ${sub} containing ${marker}); point --data / BITBEAT_DATA at the directory that holds ${name}/`);
}

export { REPO_ROOT };
