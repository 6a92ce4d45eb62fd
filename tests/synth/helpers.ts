import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, type ToolName } from '../../src/tools/index.ts';

export const FIXTURE_DESIGN = join(import.meta.dirname, '../fixtures/design-small');

/** A private copy of the fixture design (synthesis writes build/ inside it). */
export function copyFixture(prefix = 'bb-synth-'): string {
  const dir = join(mkdtempSync(join(tmpdir(), prefix)), 'design-small');
  cpSync(FIXTURE_DESIGN, dir, { recursive: true, filter: (src) => !src.includes('/build') });
  return dir;
}

/** Names of the tools among `names` that this machine lacks (tests skip, saying which). */
export async function missingTools(names: ToolName[]): Promise<string[]> {
  const missing: string[] = [];
  for (const n of names) if (!(await findTool(n))) missing.push(n);
  return missing;
}
