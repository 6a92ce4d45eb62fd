import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { writeFileAtomic } from '../../src/io/write-atomic.ts';

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bb-atomic-'));
    const path = join(dir, 'a.json');
    writeFileSync(path, 'old');
    writeFileAtomic(path, 'new');
    writeFileAtomic(join(dir, 'b.bin'), new Uint8Array([1, 2, 3]));
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect([...readFileSync(join(dir, 'b.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.bin']);
  });

  it('creates the directory only when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bb-atomic-'));
    const path = join(dir, 'sub', 'deeper', 'x.txt');
    const err = (() => {
      try {
        writeFileAtomic(path, 'x');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`${path}: cannot write (ENOENT); check that the directory exists and is writable`);
    expect(existsSync(join(dir, 'sub'))).toBe(false);
    writeFileAtomic(path, 'x', { mkdir: true });
    expect(readFileSync(path, 'utf8')).toBe('x');
  });
});
