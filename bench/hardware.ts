/**
 * bench:hardware — each shipped model on the iCE40 UP5K and the ECP5-25F at the auto folding
 * and at its fastest fitting folding: generate, cosimulate a few synthetic windows, synthesize,
 * place and route, report (src/bench/hardware-point.ts), then bench/hardware.md and
 * bench/hardware.json with the published goals side by side.
 *
 *   npm run bench:hardware -- [--models a,b] [--targets t,u] [--foldings auto,fit,smallest]
 *                             [--seeds 3] [--seed-lut-limit 6000] [--cosim-windows 3] [--force] [--no-cache]
 *
 * Resumable and limitable: bench/hardware.json keeps every finished point (rewritten after
 * each one); a run replaces the points it runs and keeps the others; a point whose design hash
 * and options match a kept result is reused without running any tool.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../src/cli/errors.ts';
import { getTarget } from '../src/design/targets.ts';
import { designFrontier } from '../src/bench/hardware-frontier.ts';
import { evaluateGoals, SEED000_MODEL, UP5K } from '../src/bench/hardware-goals.ts';
import { hardwareMarkdown } from '../src/bench/hardware-md.ts';
import { HARDWARE_BENCH_VERSION, isCurrent, runHardwarePoint, type HardwareOptions, type HardwareResult } from '../src/bench/hardware-point.ts';
import { DEFAULT_FIT_MARGIN } from '../hdl-gen/auto.ts';
import { writeFileAtomic } from '../src/io/write-atomic.ts';
import { loadModel } from '../src/model/load.ts';
import { metricsFileAccuracy } from '../src/report/index.ts';

const root = join(import.meta.dirname, '..');
const MD = join(root, 'bench/hardware.md');
const JSON_FILE = join(root, 'bench/hardware.json');
const DESIGNS = join(root, 'bench/out/hardware');

const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    targets: { type: 'string', default: 'ice40-up5k,ecp5-25f' },
    foldings: { type: 'string', default: 'auto,fit,smallest' },
    seeds: { type: 'string', default: '3' },
    'seed-lut-limit': { type: 'string', default: '6000' },
    'cosim-windows': { type: 'string', default: '3' },
    force: { type: 'boolean', default: false },
    'no-cache': { type: 'boolean', default: false },
  },
});

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} ${v}: expected a whole number >= ${min}`);
  return n;
}

const shipped = readdirSync(join(root, 'models'))
  .filter((f) => f.endsWith('.json') && !f.endsWith('.metrics.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();
const models = args.models ? list(args.models) : shipped;
for (const m of models) if (!existsSync(join(root, 'models', `${m}.json`))) throw new UserError(`--models: no models/${m}.json (shipped: ${shipped.join(', ')})`);
const targets = list(args.targets!);
for (const t of targets) getTarget(t);
const foldings = list(args.foldings!);
const opts: HardwareOptions = {
  seeds: int('seeds', args.seeds!, 1),
  seedLutLimit: int('seed-lut-limit', args['seed-lut-limit']!, 0),
  cosimWindows: int('cosim-windows', args['cosim-windows']!, 0),
  force: args.force!,
};

interface BenchFile {
  format: 'bitbeat-bench-hardware';
  version: number;
  results: HardwareResult[];
  /** earlier results whose design has changed since (generator, model or options) and that were not rerun */
  stale?: HardwareResult[];
}

function readPrevious(): HardwareResult[] {
  if (!existsSync(JSON_FILE)) return [];
  try {
    const doc = JSON.parse(readFileSync(JSON_FILE, 'utf8')) as BenchFile;
    return doc.version === HARDWARE_BENCH_VERSION && Array.isArray(doc.results) ? [...doc.results, ...(doc.stale ?? [])] : [];
  } catch {
    process.stderr.write(`bench:hardware: ${JSON_FILE} is unreadable; starting afresh\n`);
    return [];
  }
}

const previous = readPrevious();
const cache = new Map<string, HardwareResult>();
if (!args['no-cache']) for (const r of previous) if (r.key) cache.set(r.key, r);
const id = (r: Pick<HardwareResult, 'model' | 'target' | 'folding'>) => `${r.model}|${r.target}|${r.folding}`;
const results = new Map(previous.map((r) => [id(r), r]));

// shipped model order, then target and folding as given on the command line (or the defaults)
const rank = (list: string[], x: string) => (list.includes(x) ? list.indexOf(x) : list.length);
const order = (r: HardwareResult) => [shipped.indexOf(r.model), rank(['ice40-up5k', 'ice40-hx8k', 'ecp5-25f', 'ecp5-85f'], r.target), rank(['auto', 'fit', 'smallest'], r.folding)];
function sorted(): HardwareResult[] {
  return [...results.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return id(a).localeCompare(id(b));
  });
}

function toolsLine(all: HardwareResult[]): string {
  const tools = new Map<string, string>();
  for (const r of all) for (const t of r.report?.targets ?? []) for (const [name, v] of Object.entries(t.tools)) tools.set(name, v);
  return [...tools].sort().map(([n, v]) => `${n} ${v}`).join('; ') || '—';
}

function write(): void {
  const all = sorted();
  const ran = [...new Set(all.map((r) => r.model))];
  const preamble = [
    'Command: `npm run bench:hardware` (bench/hardware.ts; options `--models`, `--targets`, `--foldings`, `--seeds`, `--seed-lut-limit`, `--cosim-windows`, `--force`, `--no-cache`).',
    '',
    `Each shipped model on each target at three foldings: \`auto\` (\`bitbeat flow\`'s default: the smallest design within 100,000 cycles per window), \`fit\` (\`--fit <target>\`: the fastest design the analytical estimate fits into the device with ${Math.round(100 * (1 - DEFAULT_FIT_MARGIN))} % LUT/FF headroom) and \`smallest\` (the smallest design at any cycles per window); other points (e.g. \`cycles=N\`) were added with \`--foldings\`. ` +
      'Each design is generated, cosimulated on a few synthetic windows (Verilator, classes compared with the integer reference, cycles measured), synthesized with Yosys (`synth_* -noflatten`, `check -assert`), placed and routed with nextpnr (and timed with icetime on iCE40), and reported with src/report. ' +
      `Designs whose estimate is at most ${opts.seedLutLimit} LUT4 are placed with ${opts.seeds} seeds (Fmax min/median/max), larger ones with one. ` +
      'A design whose estimate exceeds the device is not synthesized (unless `--force`); it is listed with its estimate and the step it stopped at.',
    '',
    '',
    `Results are cached in bench/hardware.json by design hash and options; this file shows every point there that still describes today's design${stale.length ? ` (not shown: ${stale.map((r) => `${r.model} on ${r.target} at ${r.folding}`).join(', ')}, measured on older generator code, model or options and not rerun since)` : ''}. Last run: ${new Date().toISOString().slice(0, 16)}Z on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'} (shared; load ${loadavg()[0]!.toFixed(1)} at the end).`,
    '',
    `Tools: ${toolsLine(all)}.`,
  ];
  writeFileAtomic(MD, hardwareMarkdown({ preamble, results: all, goals: evaluateGoals(all, ran), frontier }));
  const doc: BenchFile = { format: 'bitbeat-bench-hardware', version: HARDWARE_BENCH_VERSION, results: all, stale };
  writeFileAtomic(JSON_FILE, `${JSON.stringify(doc, null, 2)}\n`);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
// estimates only (no tools): the seed-000 goal's design space, when its model is shipped
const frontier = shipped.includes(SEED000_MODEL)
  ? { model: SEED000_MODEL, target: UP5K, points: designFrontier(loadModel(join(root, 'models', `${SEED000_MODEL}.json`)), getTarget(UP5K)) }
  : undefined;
const points = models.flatMap((model) => targets.flatMap((target) => foldings.map((folding) => ({ model, target, folding }))));

// Earlier results of points this run does not redo are shown only while they still describe
// today's design: the generator, the model or the options may have changed since.
const stale: HardwareResult[] = [];
{
  const selected = new Set(points.map(id));
  const scratch = mkdtempSync(join(tmpdir(), 'bitbeat-hw-check-'));
  try {
    for (const r of [...results.values()]) {
      if (selected.has(id(r))) continue;
      const modelPath = `models/${r.model}.json`;
      const file = join(root, modelPath);
      const ctx = existsSync(file) ? { model: loadModel(file), target: getTarget(r.target), measuredAccuracy: metricsFileAccuracy(file) } : null;
      if (ctx && isCurrent(r, { model: r.model, modelPath, target: r.target, folding: r.folding }, ctx, opts, scratch)) continue;
      stale.push(r);
      results.delete(id(r));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
let n = 0;
for (const model of models) {
  const modelPath = `models/${model}.json`;
  const qmodel = loadModel(join(root, modelPath));
  const measuredAccuracy = metricsFileAccuracy(join(root, modelPath));
  for (const target of targets) {
    for (const folding of foldings) {
      n++;
      log(`[${n}/${points.length}] ${model} on ${target}, folding ${folding}`);
      const t0 = Date.now();
      const { reused, ...result } = await runHardwarePoint(
        { model, modelPath, target, folding },
        { model: qmodel, target: getTarget(target), measuredAccuracy, designsDir: DESIGNS, cache, log },
        opts,
      );
      results.set(id(result), result);
      if (result.key) cache.set(result.key, result);
      log(`  ${reused ? 'reused the cached result: ' : ''}${result.status}${result.failedStep ? ` at ${result.failedStep}` : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      write();
    }
  }
}
write();
log(`wrote ${MD} and ${JSON_FILE}`);
