/** Reading a design directory (rtl-out/<design>/): its manifest and the files it names. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { DesignManifestSchema, type DesignManifest } from '../design/manifest.ts';

export function manifestPath(designDir: string): string {
  return join(designDir, 'manifest.json');
}

export function loadManifest(designDir: string): DesignManifest {
  const file = manifestPath(designDir);
  if (!existsSync(file)) throw new UserError(`${file} not found: --design must be a directory written by \`bitbeat generate\``);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message}); generate the design again`);
  }
  const parsed = DesignManifestSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`${file}: ${i.path.join('.') || '(root)'}: ${i.message}; generate the design again`);
  }
  return parsed.data;
}

/** The manifest's Verilog and memory files, checked to exist and to have distinct base names (they are copied flat into a build directory). */
export function designFiles(designDir: string, manifest: DesignManifest): { verilog: string[]; memories: string[] } {
  const all = [...manifest.files.verilog, ...manifest.files.memories];
  const seen = new Set<string>();
  for (const f of all) {
    if (!existsSync(join(designDir, f))) throw new UserError(`${join(designDir, f)} is listed in the manifest but missing: generate the design again`);
    const b = basename(f);
    if (seen.has(b)) throw new UserError(`${designDir}: two design files are named ${b}; file names must be unique within a design`);
    seen.add(b);
  }
  return { verilog: manifest.files.verilog, memories: manifest.files.memories };
}
