/** Reading a design directory (rtl-out/<design>) for cosimulation: its manifest and its files. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/cli/errors.ts';
import { DesignManifestSchema, type DesignManifest } from '../../src/design/manifest.ts';

export interface DesignDir {
  /** absolute path of the design directory */
  dir: string;
  manifest: DesignManifest;
  /** sha256 over the manifest and every Verilog and memory file: what exactly was simulated */
  designHash: string;
}

export function readDesignDir(path: string): DesignDir {
  const dir = resolve(path);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`--design ${path}: not a directory; generate a design with \`bitbeat generate --out ${path}\``);
  if (!existsSync(manifestPath)) throw new UserError(`${manifestPath} not found: ${path} is not a generated design directory; run \`bitbeat generate --out ${path}\``);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new UserError(`${manifestPath}: not valid JSON (${(e as Error).message}); regenerate the design`);
  }
  const parsed = DesignManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${manifestPath}: field ${issue.path.join('.') || '(root)'}: ${issue.message}; regenerate the design with this bitbeat`);
  }
  const manifest = parsed.data;
  const hash = createHash('sha256');
  hash.update(readFileSync(manifestPath));
  for (const f of [...manifest.files.verilog, ...manifest.files.memories]) {
    const p = join(dir, f);
    if (!existsSync(p)) throw new UserError(`${p} is listed in the manifest but missing; regenerate the design`);
    hash.update(`\n--- ${f}\n`);
    hash.update(readFileSync(p));
  }
  const names = new Set<string>();
  for (const t of manifest.trace ?? []) {
    for (const port of [t.validPort, t.dataPort]) {
      if (names.has(port)) throw new UserError(`${manifestPath}: trace port '${port}' appears twice; regenerate the design`);
      names.add(port);
    }
    if (t.elementBits > 53) throw new UserError(`${manifestPath}: trace ${t.stream}/${t.kind} has ${t.elementBits}-bit elements; cosim compares elements up to 53 bits`);
  }
  return { dir, manifest, designHash: hash.digest('hex') };
}
