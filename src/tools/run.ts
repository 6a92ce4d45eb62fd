import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import type { ResolvedTool } from './resolve.ts';

export interface RunOptions {
  /** working directory; for npm (WebAssembly) tools its files are what the tool can see */
  cwd?: string;
  /** stdout and stderr are appended here as they arrive, so a failed step keeps its log */
  logFile?: string;
  timeoutMs?: number;
  /** throw a ToolFailedError on a non-zero exit (default true) */
  check?: boolean;
  /** the step this run belongs to, named in errors (e.g. "place and route") */
  step?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class ToolFailedError extends UserError {
  constructor(
    readonly tool: ResolvedTool,
    readonly result: RunResult,
    step: string,
    logFile?: string,
  ) {
    const lastLine = `${result.stderr}\n${result.stdout}`
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /error|fail|unable|cannot/i.test(l))
      .pop();
    const where = logFile ? `; full log: ${logFile}` : '';
    super(`${step}: ${tool.name} exited with code ${result.code}${lastLine ? ` (${lastLine})` : ''}${where}`);
    this.name = 'ToolFailedError';
  }
}

/** Runs a resolved tool with arguments; see RunOptions. */
export async function runTool(tool: ResolvedTool, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const { logFile } = options;
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true });
    appendFileSync(logFile, `$ ${tool.name} ${args.join(' ')}   [${tool.source}: ${tool.version}]\n`);
  }
  const result = tool.source === 'npm' ? await runNpm(tool, args, options) : await runProgram(tool, args, options);
  if (logFile) appendFileSync(logFile, `[exit ${result.code}]\n`);
  if ((options.check ?? true) && result.code !== 0) {
    throw new ToolFailedError(tool, result, options.step ?? tool.name, logFile);
  }
  return result;
}

function runProgram(tool: ResolvedTool, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      if (options.logFile) appendFileSync(options.logFile, b);
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      if (options.logFile) appendFileSync(options.logFile, b);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8') + (timedOut ? `\nkilled after ${options.timeoutMs} ms\n` : '');
      resolve({ code: timedOut ? 124 : (code ?? 1), stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

type Tree = { [name: string]: Tree | string | Uint8Array };
interface YowaspModule {
  commands: Record<string, (args: string[], files: Tree, options: object) => Promise<Tree | undefined>>;
  Exit: new (...a: unknown[]) => Error & { code: number; files: Tree };
}

/** Reads a directory into the in-memory tree the YoWASP JavaScript API works on. */
function readTree(dir: string): Tree {
  const tree: Tree = {};
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const st = statSync(path);
    if (st.isDirectory()) tree[entry] = readTree(path);
    else if (st.isFile()) tree[entry] = new Uint8Array(readFileSync(path));
  }
  return tree;
}

/** Writes back the files a YoWASP tool created or changed. */
function writeTree(dir: string, tree: Tree, before: Tree): void {
  for (const [name, value] of Object.entries(tree)) {
    const path = join(dir, name);
    if (typeof value === 'string' || value instanceof Uint8Array) {
      const old = before[name];
      const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
      if (old instanceof Uint8Array && Buffer.from(old).equals(bytes)) continue;
      writeFileSync(path, bytes);
    } else {
      mkdirSync(path, { recursive: true });
      const sub = before[name];
      writeTree(path, value, sub && typeof sub === 'object' && !(sub instanceof Uint8Array) ? sub : {});
    }
  }
}

async function runNpm(tool: ResolvedTool, args: string[], options: RunOptions): Promise<RunResult> {
  const mod = (await import(tool.command)) as YowaspModule;
  const command = mod.commands[tool.npmCommandKey ?? tool.name];
  if (!command) throw new Error(`${tool.command} has no command ${tool.npmCommandKey}`);
  const cwd = options.cwd ?? process.cwd();
  const before = readTree(cwd);
  let stdout = '';
  let stderr = '';
  const decoder = () => {
    const d = new TextDecoder();
    return (sink: (s: string) => void) => (bytes: Uint8Array | null) => {
      const text = bytes ? d.decode(bytes, { stream: true }) : d.decode();
      if (options.logFile && text) appendFileSync(options.logFile, text);
      sink(text);
    };
  };
  const streamOpts = {
    stdout: decoder()((s) => (stdout += s)),
    stderr: decoder()((s) => (stderr += s)),
  };
  try {
    const files = await command(args, before, streamOpts);
    if (files) writeTree(cwd, files, before);
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (e instanceof mod.Exit) {
      if (e.files) writeTree(cwd, e.files, before);
      return { code: e.code, stdout, stderr };
    }
    throw e;
  }
}
