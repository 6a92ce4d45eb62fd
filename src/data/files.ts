/** Reading source files with errors a user can act on (the path and what is wrong). */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../cli/errors.ts';

/** Reads `path`; `what` describes it in the error ('WFDB header', 'MAT file', ...). */
export function readFileOrFail(path: string, what: string): Buffer {
  if (!existsSync(path)) throw new UserError(`${path}: ${what} is missing (check --data / BITBEAT_DATA points at the right directory)`);
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`${path}: cannot read ${what} (${e.code ?? e.message})`);
  }
}
