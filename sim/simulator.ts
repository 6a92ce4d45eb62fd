/**
 * Verilator bridge: compiles any HDL-library module into a simulator binary (cached by the
 * hash of its Verilog) and runs it on input vectors from TypeScript.
 *
 *   const sim = await Simulator.build(module);
 *   const rows = sim.run([{ en: 1 }, { en: 0 }, ...]);   // one output record per cycle
 *
 * Cycle semantics (see harness.ts): inputs of cycle i are applied, outputs are sampled, then
 * the clock rises. Inputs missing from a cycle's record keep their previous value (0 at
 * first). Values are bigints; signed ports read back as signed values.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { elaborate } from '../src/hdl/elaborate.ts';
import { emitDesignFiles } from '../src/hdl/emit.ts';
import { HdlError } from '../src/hdl/errors.ts';
import type { Module } from '../src/hdl/module.ts';
import { resolveTool, runTool } from '../src/tools/index.ts';
import { HARNESS_VERSION, harnessSource } from './harness.ts';
import { restoreRuntime, runtimeDir, saveRuntime } from './verilator-runtime.ts';

export type SimValue = bigint | number | boolean;
export type SimInputs = Record<string, SimValue>;
export type SimOutputs = Record<string, bigint>;

export interface SimPort {
  name: string;
  width: number;
  signed: boolean;
}

export interface SimStream {
  name: string;
  dir: 'in' | 'out';
  payload: SimPort;
  valid: SimPort;
  ready: SimPort;
}

export interface StreamRunOptions {
  /** words to send on each input stream (all input streams must be given) */
  inputs: Record<string, ReadonlyArray<bigint | number>>;
  /** number of words to collect from each output stream; the run ends when all arrived */
  expect: Record<string, number>;
  /** probability a producer with a word raises valid in a cycle (it then holds it until the word fires); default 0.7 */
  pValid?: number;
  /** probability a consumer is ready in a cycle; default 0.7 */
  pReady?: number;
  /** seed of the valid/ready choices; default 1 */
  seed?: number;
  /** fail when no word moved for this many cycles; default 10000 */
  watchdog?: number;
  /** fail after this many cycles; default 2^40 */
  maxCycles?: number;
  /** values of the inputs that are not stream ports, held for the whole run */
  constants?: SimInputs;
  resetCycles?: number;
  vcd?: string;
  /** random initial values seed (builds with randomInit) */
  initSeed?: number;
}

export interface StreamRunResult {
  /** words received on each output stream (signed payloads as signed values) */
  outputs: Record<string, bigint[]>;
  /** cycles from the end of reset until the last expected word */
  cycles: number;
  /** cycle (after reset) of every transfer on each stream */
  fires: Record<string, number[]>;
}

export interface BuildOptions {
  /** where builds are cached (default: <repo>/.cache/verilator) */
  cacheDir?: string;
  /** compile VCD tracing in, so runs can write waveforms (`RunOptions.vcd`) */
  trace?: boolean;
  /**
   * start registers and memories at random values instead of zero (`--x-initial unique`),
   * to show that a design does not depend on power-on values; `RunOptions.seed` picks them
   */
  randomInit?: boolean;
  /**
   * preprocessor macros (`+define+NAME`), e.g. SYNTHESIS, to simulate what synthesis reads of a
   * module with a synthesis body (ModuleOptions.synthesisBody)
   */
  defines?: string[];
  /**
   * more Verilog sources compiled with the design (e.g. a vendor cell's simulation model that
   * the SYNTHESIS branch instantiates); their warnings are not fatal, as they are not ours
   */
  extraSources?: { name: string; text: string }[];
}

export interface RunOptions {
  /** cycles with rst = 1 run first (their outputs are dropped); default 1 when the design has a reset */
  resetCycles?: number;
  /** write a waveform here (needs a build with `trace`); cycle i's inputs at 10 i, its clock edge at 10 i + 5 */
  vcd?: string;
  /** seed of the random initial values (builds with `randomInit`), default 1 */
  seed?: number;
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CACHE = join(REPO_ROOT, '.cache', 'verilator');
const BINARY = 'Vtop';
/** Verilator build flags; part of the cache key. -j 2: the machine is shared. */
const BASE_FLAGS = ['--cc', '--exe', '--build', '-j', '2', '--prefix', 'Vtop', '--x-assign', '0'];

function buildFlags(opts: BuildOptions): string[] {
  return [
    ...BASE_FLAGS,
    '--x-initial',
    opts.randomInit ? 'unique' : '0',
    ...(opts.trace ? ['--trace'] : []),
    ...(opts.defines ?? []).map((d) => `+define+${d}`),
    ...(opts.extraSources?.length ? ['-Wno-fatal'] : []),
  ];
}

export class Simulator {
  private constructor(
    readonly topName: string,
    /** directory with the binary and the design's .hex files (the simulation's working directory) */
    readonly dir: string,
    /** inputs in protocol order (`rst` first when present; `clk` is driven by the harness) */
    readonly inputs: SimPort[],
    readonly outputs: SimPort[],
    readonly hasReset: boolean,
    readonly buildOptions: BuildOptions,
    /** the top module's streams (declared with streamIn / streamOut) */
    readonly streams: SimStream[],
  ) {}

  /** Command-line arguments of the simulation binary for one run. */
  binaryArgs(opts: RunOptions): string[] {
    const args: string[] = [];
    if (opts.vcd) {
      if (!this.buildOptions.trace) throw new Error(`run with vcd needs Simulator.build(module, { trace: true })`);
      args.push('--vcd', resolve(opts.vcd));
    }
    if (this.buildOptions.randomInit) {
      const seed = opts.seed ?? 1;
      // Verilator takes seed 0 as "pick one from the clock": never reproducible, so refused.
      if (!Number.isInteger(seed) || seed < 1 || seed >= 2 ** 31) throw new Error(`seed must be an integer in [1, 2^31), got ${seed}`);
      args.push('+verilator+rand+reset+2', `+verilator+seed+${seed}`);
    }
    return args;
  }

  /** Emits `top`, compiles it with Verilator unless an identical build is cached, and loads it. */
  static async build(top: Module, opts: BuildOptions = {}): Promise<Simulator> {
    const el = elaborate(top);
    const files = emitDesignFiles(top);
    const ports = top.ports.map((p) => ({ name: p.name, width: p.width, signed: p.signed }));
    const inputs: SimPort[] = [
      ...(el.needsRst ? [{ name: 'rst', width: 1, signed: false }] : []),
      ...top.ports.filter((p) => p.kind === 'input').map((p) => ports.find((q) => q.name === p.name)!),
    ];
    const outputs = top.ports.filter((p) => p.kind === 'output').map((p) => ports.find((q) => q.name === p.name)!);
    if (outputs.length === 0) throw new HdlError(`module ${top.name} has no outputs to observe`);
    const port = (name: string) => ports.find((p) => p.name === name)!;
    const streams: SimStream[] = [...top.streamDirections].map(([name, dir]) => ({
      name,
      dir,
      payload: port(`${name}_payload`),
      valid: port(`${name}_valid`),
      ready: port(`${name}_ready`),
    }));
    const harness = harnessSource(
      {
        inputs,
        outputs,
        hasClock: el.needsClk,
        hasReset: el.needsRst,
        inStreams: streams.filter((x) => x.dir === 'in'),
        outStreams: streams.filter((x) => x.dir === 'out'),
      },
      { trace: opts.trace },
    );
    const flags = buildFlags(opts);

    const verilator = await resolveTool('verilator', `simulating module ${top.name}`);
    const hash = createHash('sha256');
    hash.update(`${verilator.version}\n${flags.join(' ')}\nharness v${HARNESS_VERSION}\ntop ${top.name}\n`);
    hash.update(harness);
    const extra = opts.extraSources ?? [];
    for (const f of [...files, ...extra]) hash.update(`\n--- ${f.name}\n${f.text}`);
    const cacheRoot = opts.cacheDir ?? DEFAULT_CACHE;
    const dir = join(cacheRoot, hash.digest('hex').slice(0, 24));

    if (!existsSync(join(dir, BINARY))) {
      // Build in a private directory and rename it into place: parallel test workers may
      // build the same design, and a failed build must not leave a half-made cache entry.
      mkdirSync(cacheRoot, { recursive: true });
      const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      mkdirSync(tmp, { recursive: true });
      try {
        for (const f of [...files, ...extra]) writeFileSync(join(tmp, f.name), f.text);
        writeFileSync(join(tmp, 'harness.cpp'), harness);
        const vfiles = [...files, ...extra].filter((f) => f.name.endsWith('.v')).map((f) => f.name);
        const log = join(tmp, 'build.log');
        const runtime = runtimeDir(cacheRoot, verilator.version, flags);
        const keepRuntime = restoreRuntime(runtime, join(tmp, 'obj'));
        const result = await runTool(verilator, [...flags, ...keepRuntime, '--top-module', top.name, '--Mdir', 'obj', '-o', `../${BINARY}`, ...vfiles, 'harness.cpp'], {
          cwd: tmp,
          logFile: log,
          check: false,
        });
        if (result.code !== 0) {
          // Keep the log (and the sources next to it) where the message says; the build dir goes.
          const kept = `${dir}.failed`;
          rmSync(kept, { recursive: true, force: true });
          rmSync(join(tmp, 'obj'), { recursive: true, force: true });
          renameSync(tmp, kept);
          const first = `${result.stderr}\n${result.stdout}`.split('\n').find((l) => /%Error|error:/.test(l));
          throw new Error(`Verilator build of ${top.name} failed${first ? ` (${first.trim()})` : ''}; log and sources: ${kept}`);
        }
        saveRuntime(runtime, join(tmp, 'obj'));
        rmSync(join(tmp, 'obj'), { recursive: true, force: true });
        try {
          renameSync(tmp, dir);
        } catch (e) {
          if (!existsSync(join(dir, BINARY))) throw e;
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    return new Simulator(top.name, dir, inputs, outputs, el.needsRst, { trace: opts.trace, randomInit: opts.randomInit }, streams);
  }

  /**
   * Runs a fresh simulation: `resetCycles` reset cycles, then one cycle per record; returns
   * one output record per record. Efficient for many thousands of cycles (one process, text
   * protocol, buffered).
   */
  run(cycles: SimInputs[], opts: RunOptions = {}): SimOutputs[] {
    const resetCycles = this.hasReset ? (opts.resetCycles ?? 1) : 0;
    const encoder = new InputEncoder(this.inputs);
    const lines: string[] = [];
    for (let i = 0; i < resetCycles; i++) lines.push(encoder.line({ rst: 1 }, `reset cycle ${i}`));
    if (resetCycles > 0) encoder.set({ rst: 0 });
    cycles.forEach((c, i) => lines.push(encoder.line(c, `cycle ${i}`)));
    const r = spawnSync(join(this.dir, BINARY), this.binaryArgs(opts), {
      cwd: this.dir,
      input: lines.length > 0 ? lines.join('\n') + '\n' : '',
      maxBuffer: 1 << 30,
      encoding: 'utf8',
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`simulation of ${this.topName} failed (exit ${r.status}): ${r.stderr.trim()}`);
    const outLines = r.stdout.split('\n');
    outLines.pop(); // text after the last newline (empty)
    if (outLines.length !== lines.length) {
      throw new Error(`simulation of ${this.topName}: expected ${lines.length} output lines, got ${outLines.length}: ${r.stderr.trim()}`);
    }
    return outLines.slice(resetCycles).map((l) => decodeOutputs(l, this.outputs));
  }

  /**
   * Stream mode: the harness sends `inputs` on the input streams and collects `expect` words
   * from the output streams under seeded random valid/ready back-pressure, entirely in C++
   * (millions of cycles per second). Throws when the watchdog or cycle limit stops the run,
   * with the counts so far.
   */
  runStreams(opts: StreamRunOptions): StreamRunResult {
    const ins = this.streams.filter((x) => x.dir === 'in');
    const outs = this.streams.filter((x) => x.dir === 'out');
    if (outs.length === 0) throw new HdlError(`${this.topName} has no output stream; use run()`);
    for (const name of Object.keys(opts.inputs)) {
      if (!ins.some((x) => x.name === name)) throw new HdlError(`runStreams: '${name}' is not an input stream of ${this.topName}`);
    }
    for (const name of Object.keys(opts.expect)) {
      if (!outs.some((x) => x.name === name)) throw new HdlError(`runStreams: '${name}' is not an output stream of ${this.topName}`);
    }
    const streamPorts = new Set(this.streams.flatMap((x) => [x.payload.name, x.valid.name, x.ready.name]));
    const others = this.inputs.filter((p) => p.name !== 'rst' && !streamPorts.has(p.name));
    const constEncoder = new InputEncoder(others);
    const constants = constEncoder.line(opts.constants ?? {}, 'runStreams constants');
    const lines = [
      [opts.seed ?? 1, opts.pValid ?? 0.7, opts.pReady ?? 0.7, opts.watchdog ?? 10000, opts.maxCycles ?? 2 ** 40, this.hasReset ? (opts.resetCycles ?? 1) : 0].join(' '),
      constants,
    ];
    for (const st of ins) {
      const words = opts.inputs[st.name];
      if (!words) throw new HdlError(`runStreams: no words given for input stream '${st.name}'`);
      const enc = new InputEncoder([{ ...st.payload, name: st.payload.name }]);
      lines.push([words.length, ...words.map((v, i) => enc.line({ [st.payload.name]: v }, `word ${i} of ${st.name}`))].join(' '));
    }
    lines.push(outs.map((st) => opts.expect[st.name] ?? 0).join(' '));
    const args = ['--streams', ...this.binaryArgs({ vcd: opts.vcd, seed: opts.initSeed })];
    const r = spawnSync(join(this.dir, BINARY), args, { cwd: this.dir, input: lines.join('\n') + '\n', maxBuffer: 1 << 30, encoding: 'utf8' });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`stream simulation of ${this.topName} failed (exit ${r.status}): ${r.stderr.trim()}`);
    const out = r.stdout.split('\n');
    const [status, cyclesText] = out[0]!.split(' ');
    const words = (line: string | undefined, port: SimPort) => (line ? line.split(' ').map((t) => decodeOutputs(t, [port])[port.name]!) : []);
    const nums = (line: string | undefined) => (line ? line.split(' ').map(Number) : []);
    const result: StreamRunResult = { outputs: {}, cycles: Number(cyclesText), fires: {} };
    outs.forEach((st, i) => (result.outputs[st.name] = words(out[1 + i], st.payload)));
    outs.forEach((st, i) => (result.fires[st.name] = nums(out[1 + outs.length + i])));
    ins.forEach((st, i) => (result.fires[st.name] = nums(out[1 + 2 * outs.length + i])));
    if (status !== 'ok') {
      const got = outs.map((st) => `${st.name} ${result.fires[st.name]!.length}/${opts.expect[st.name] ?? 0}`).join(', ');
      const sent = ins.map((st) => `${st.name} ${result.fires[st.name]!.length}/${opts.inputs[st.name]!.length}`).join(', ');
      const why = status === 'watchdog' ? `nothing moved for ${opts.watchdog ?? 10000} cycles` : `reached ${cyclesText} cycles`;
      throw new Error(`stream simulation of ${this.topName} stopped: ${why} (received ${got}; sent ${sent})`);
    }
    return result;
  }

  /** An interactive simulation (for testbenches that react to outputs). Close it when done. */
  open(opts: RunOptions = {}): Promise<SimSession> {
    return SimSession.start(this, opts);
  }
}

/**
 * A running simulation driven one cycle at a time: `await step(inputs)` applies the inputs,
 * returns the outputs sampled before the clock edge, then clocks the edge.
 */
export class SimSession {
  private readonly waiting: Array<{ resolve: (o: SimOutputs) => void; reject: (e: Error) => void }> = [];
  private readonly encoder: InputEncoder;
  private closed = false;
  private failure: Error | undefined;
  private skip = 0;

  private constructor(
    private readonly sim: Simulator,
    private readonly child: ReturnType<typeof spawn>,
  ) {
    this.encoder = new InputEncoder(sim.inputs);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (this.skip > 0) {
        this.skip--;
        return;
      }
      this.waiting.shift()?.resolve(decodeOutputs(line, sim.outputs));
    });
    child.on('close', (code) => {
      this.failure = new Error(`simulation of ${sim.topName} ended (exit ${code})${stderr ? `: ${stderr.trim()}` : ''}`);
      for (const w of this.waiting.splice(0)) w.reject(this.failure);
    });
  }

  static async start(sim: Simulator, opts: RunOptions): Promise<SimSession> {
    const child = spawn(join(sim.dir, BINARY), ['--interactive', ...sim.binaryArgs(opts)], { cwd: sim.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const s = new SimSession(sim, child);
    const resetCycles = sim.hasReset ? (opts.resetCycles ?? 1) : 0;
    for (let i = 0; i < resetCycles; i++) {
      s.skip++;
      child.stdin!.write(s.encoder.line({ rst: 1 }, `reset cycle ${i}`) + '\n');
    }
    if (resetCycles > 0) s.encoder.set({ rst: 0 });
    return s;
  }

  step(inputs: SimInputs = {}): Promise<SimOutputs> {
    if (this.closed) return Promise.reject(new Error('step on a closed simulation'));
    if (this.failure) return Promise.reject(this.failure);
    const line = this.encoder.line(inputs, 'step');
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin!.write(line + '\n');
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin!.end();
  }
}

/** Keeps the current input values and renders protocol lines. */
class InputEncoder {
  private readonly values: bigint[];
  private readonly index = new Map<string, number>();

  constructor(private readonly ports: SimPort[]) {
    this.values = ports.map(() => 0n);
    ports.forEach((p, i) => this.index.set(p.name, i));
  }

  set(inputs: SimInputs, where = 'inputs'): void {
    for (const [name, raw] of Object.entries(inputs)) {
      const i = this.index.get(name);
      if (i === undefined) {
        throw new HdlError(`${where}: '${name}' is not an input (inputs: ${this.ports.map((p) => p.name).join(', ') || 'none'})`);
      }
      const p = this.ports[i]!;
      const v = typeof raw === 'boolean' ? (raw ? 1n : 0n) : BigInt(raw);
      const lo = p.signed ? -(1n << BigInt(p.width - 1)) : 0n;
      const hi = p.signed ? (1n << BigInt(p.width - 1)) - 1n : (1n << BigInt(p.width)) - 1n;
      // Unsigned bit patterns are accepted for signed ports too (e.g. 0xff for -1 in 8 bits).
      if (v < lo || v > (1n << BigInt(p.width)) - 1n || (!p.signed && v > hi)) {
        throw new HdlError(`${where}: value ${v} does not fit input ${name} (${p.width} bits${p.signed ? ', signed' : ''})`);
      }
      this.values[i] = v & ((1n << BigInt(p.width)) - 1n);
    }
  }

  line(inputs: SimInputs, where: string): string {
    this.set(inputs, where);
    return this.values.map((v) => v.toString(16)).join(' ');
  }
}

function decodeOutputs(line: string, ports: SimPort[]): SimOutputs {
  const toks = line.split(' ');
  if (toks.length !== ports.length) throw new Error(`harness output line has ${toks.length} values, expected ${ports.length}: '${line}'`);
  const out: SimOutputs = {};
  ports.forEach((p, i) => {
    let v = BigInt(`0x${toks[i]}`);
    if (p.signed && v >> BigInt(p.width - 1) === 1n) v -= 1n << BigInt(p.width);
    out[p.name] = v;
  });
  return out;
}
