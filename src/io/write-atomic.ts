import { existsSync, mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../cli/errors.ts';

/**
 * Writes a file via a temporary name and a rename, so no half-written file is ever left at
 * `path` (a reader sees the old file or the new one). The temporary file is removed when the
 * write fails; a missing or read-only directory is a UserError naming the path.
 * `mkdir` creates the directory first.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, opts: { mkdir?: boolean } = {}): void {
  if (opts.mkdir) mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'ENOTDIR') {
      throw new UserError(`${path}: cannot write (${e.code}); check that the directory exists and is writable`);
    }
    throw err;
  }
}
