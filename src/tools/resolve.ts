import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { overrideVariable, TOOL_SPECS, type ToolName, type ToolSpec } from './registry.ts';

export type ToolSource = 'env' | 'system' | 'pypi' | 'npm';

/** A tool found on this machine: either a program to spawn or a YoWASP npm module. */
export interface ResolvedTool {
  name: ToolName;
  source: ToolSource;
  /** the program (absolute path) for spawned tools; the npm package name for npm tools */
  command: string;
  /** key into the npm package's `commands` export (npm tools only) */
  npmCommandKey?: string;
  version: string;
}

export class MissingToolError extends UserError {
  constructor(
    readonly tool: ToolName,
    neededFor: string,
  ) {
    const spec = TOOL_SPECS[tool];
    super(`${tool} not found (needed for ${neededFor}): install it with \`${spec.install}\`, or set ${overrideVariable(tool)} to the program`);
    this.name = 'MissingToolError';
  }
}

/** Finds an executable by name on PATH, like `command -v`. */
export function findOnPath(command: string, pathVar = process.env.PATH ?? ''): string | undefined {
  if (isAbsolute(command)) return isExecutable(command) ? command : undefined;
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function programVersion(spec: ToolSpec, program: string): string {
  if (spec.versionArgs) {
    const r = spawnSync(program, spec.versionArgs, { encoding: 'utf8', timeout: 60_000 });
    const text = `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n')
      .map((l) => l.trim())
      // pyenv shims and YoWASP wrappers print chatter before the version line
      .find((l) => l.length > 0 && !l.startsWith('Preparing to run'));
    if (text) return text;
  }
  if (spec.debianPackage) {
    const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', spec.debianPackage], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout) return `${spec.debianPackage} ${r.stdout.trim()}`;
  }
  return 'unknown version';
}

async function locateNpm(name: ToolName, spec: ToolSpec): Promise<ResolvedTool | undefined> {
  const { packageName, commandKey } = spec.npm!;
  try {
    const mod = (await import(packageName)) as { version?: string };
    const version = `${packageName} ${mod.version ?? 'unknown version'}`;
    return { name, source: 'npm', command: packageName, npmCommandKey: commandKey, version };
  } catch {
    return undefined; // package not installed
  }
}

const cache = new Map<ToolName, Promise<ResolvedTool | undefined>>();

async function locate(name: ToolName): Promise<ResolvedTool | undefined> {
  const spec = TOOL_SPECS[name];
  const override = process.env[overrideVariable(name)];
  if (override) {
    const program = findOnPath(override);
    // An override that does not exist is a configuration mistake, not a reason to fall back silently.
    if (!program) throw new UserError(`${overrideVariable(name)}=${override} is not an executable program: fix or unset it`);
    return { name, source: 'env', command: program, version: programVersion(spec, program) };
  }
  // BITBEAT_PREFER_NPM=1 tries the WebAssembly builds first (to test the system-free path).
  const npmFirst = process.env.BITBEAT_PREFER_NPM === '1';
  if (npmFirst && spec.npm) {
    const fromNpm = await locateNpm(name, spec);
    if (fromNpm) return fromNpm;
  }
  for (const candidate of spec.path) {
    const program = findOnPath(candidate.command);
    if (program) return { name, source: candidate.origin, command: program, version: programVersion(spec, program) };
  }
  if (!npmFirst && spec.npm) return locateNpm(name, spec);
  return undefined;
}

/** Finds a tool or returns undefined; results are cached for the life of the process. */
export function findTool(name: ToolName): Promise<ResolvedTool | undefined> {
  let found = cache.get(name);
  if (!found) {
    found = locate(name);
    cache.set(name, found);
  }
  return found;
}

/** Finds a tool or throws a MissingToolError naming the tool, what needed it and how to install it. */
export async function resolveTool(name: ToolName, neededFor: string): Promise<ResolvedTool> {
  const tool = await findTool(name);
  if (!tool) throw new MissingToolError(name, neededFor);
  return tool;
}

/** Forgets cached resolutions (tests change PATH and the environment). */
export function clearToolCache(): void {
  cache.clear();
}
