/**
 * bench:rtl-check — issue 6's acceptance point: generated designs for all shipped models, at
 * the auto, fully folded and a highly parallel folding (sim/cosim/foldings.ts, as bench:cosim
 * uses them), are `verilator --lint-only -Wall` clean and pass Yosys `check -assert`
 * (src/bench/rtl-check.ts; the light script by default, `--script synth` for synth_* first).
 * One design at a time. Writes bench/rtl-check.md and bench/rtl-check.json (results cached by
 * design hash and script, so a re-run checks only designs that changed).
 *
 *   npm run bench:rtl-check -- [--models a,b] [--script light|synth] [--no-cache]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lintDesign, yosysCheckDesign, yosysCheckScript, type CheckScript, type LintResult, type YosysCheckResult } from '../src/bench/rtl-check.ts';
import { UserError } from '../src/cli/errors.ts';
import { getTarget } from '../src/design/targets.ts';
import { writeFileAtomic } from '../src/io/write-atomic.ts';
import { loadModel } from '../src/model/load.ts';
import { table } from '../src/report/format-md.ts';
import { resolveTool } from '../src/tools/index.ts';
import { generateDesign } from '../hdl-gen/generate.ts';
import { foldingLabel, standardFoldings } from '../sim/cosim/foldings.ts';
import { readDesignDir } from '../sim/cosim/design.ts';

const root = join(import.meta.dirname, '..');
const MD = join(root, 'bench/rtl-check.md');
const JSON_FILE = join(root, 'bench/rtl-check.json');
const DESIGNS = join(root, 'bench/out/rtl-check');

const { values: args } = parseArgs({
  options: { models: { type: 'string' }, script: { type: 'string', default: 'light' }, 'no-cache': { type: 'boolean', default: false } },
});
if (args.script !== 'light' && args.script !== 'synth') throw new UserError(`--script ${args.script}: use light or synth`);
const script = args.script as CheckScript;

interface Row {
  model: string;
  folding: string;
  foldingText: string;
  target: string;
  designHash: string;
  lint: LintResult;
  yosys: YosysCheckResult;
  generateSeconds: number;
}

const shipped = readdirSync(join(root, 'models'))
  .filter((f) => f.endsWith('.json') && !f.endsWith('.metrics.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();
const models = args.models ? args.models.split(',').map((s) => s.trim()).filter(Boolean) : shipped;
for (const m of models) if (!shipped.includes(m)) throw new UserError(`--models: no models/${m}.json (shipped: ${shipped.join(', ')})`);

const previous: Row[] = existsSync(JSON_FILE) ? ((JSON.parse(readFileSync(JSON_FILE, 'utf8')) as { rows?: Row[] }).rows ?? []) : [];
const cache = new Map(args['no-cache'] ? [] : previous.map((r) => [`${r.designHash}|${r.yosys.script}`, r]));
const rows = new Map(previous.map((r) => [`${r.model}|${r.folding}`, r]));

const verilator = await resolveTool('verilator', 'linting generated Verilog');
const yosys = await resolveTool('yosys', 'checking generated Verilog');

function write(): void {
  const all = [...rows.values()].sort((a, b) => shipped.indexOf(a.model) - shipped.indexOf(b.model) || a.folding.localeCompare(b.folding));
  const clean = all.filter((r) => r.lint.clean && r.yosys.passed).length;
  const example = yosysCheckScript({ top: '<top>', files: { verilog: ['<files>'], memories: [] } }, script, getTarget(all[0]?.target ?? 'ecp5-25f'));
  const md = [
    '# Benchmark: RTL checks of generated designs (issue 6)',
    '',
    'Command: `npm run bench:rtl-check` (bench/rtl-check.ts). For each shipped model, the designs bench:cosim cosimulates: `auto` (`--fit` on the first of ice40-up5k, ecp5-25f, ecp5-85f the model fits), `fully folded` (PE = SIMD = 1) and `highly parallel` (the cheapest folding as fast as fully parallel; `fully parallel` when that is the auto folding), generated without trace ports and over the device budget where needed. Each is linted with `verilator --lint-only -Wall` and checked with Yosys `check -assert`, one design at a time.',
    '',
    `Yosys script (${script}): \`${example.trim().split('\n').join('; ')}\`. ` +
      (script === 'light'
        ? '`check` needs no technology mapping: it skips modules with processes (hence `proc`) and sees loops through submodules only when flattened (hence `flatten`). On this coarse netlist every output bit of a word-level cell depends on all its input bits, so loops can only be over-reported, never missed, and no driver of a used wire has been optimised away yet; synthesis (`bitbeat synth`) runs `check -assert` again after `synth_*`.'
        : 'Full synthesis first, as tests/gen/tools.ts does.'),
    '',
    `Tools: ${verilator.version} [${verilator.source}]; ${yosys.version} [${yosys.source}]. Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'} (shared).`,
    '',
    `Result: ${clean} of ${all.length} designs lint clean and pass check -assert.`,
    '',
    ...table(
      ['model', 'folding', 'PE x SIMD per layer', 'target', 'verilator -Wall', 'lint s', `yosys check -assert (${script})`, 'yosys s', 'generate s'],
      all.map((r) => [
        r.model,
        r.folding,
        r.foldingText,
        r.target,
        r.lint.clean ? 'clean' : `${r.lint.messages.length} messages: ${r.lint.messages[0] ?? 'exit code not 0'}`,
        r.lint.seconds.toFixed(1),
        r.yosys.passed ? '0 problems' : `failed: ${r.yosys.problems ?? '?'} problems; ${r.yosys.detail ?? ''}`,
        r.yosys.seconds.toFixed(1),
        r.generateSeconds.toFixed(1),
      ]),
      ['l', 'l', 'l', 'l', 'l', 'r', 'l', 'r', 'r'],
    ),
    '',
  ].join('\n');
  writeFileAtomic(MD, md);
  writeFileAtomic(JSON_FILE, `${JSON.stringify({ format: 'bitbeat-bench-rtl-check', version: 1, rows: all }, null, 2)}\n`);
}

for (const name of models) {
  const model = loadModel(join(root, 'models', `${name}.json`));
  for (const { label, folding, target } of standardFoldings(model, 'fully-parallel')) {
    const dir = join(DESIGNS, `${name}-${label.replace(/ /g, '-')}`);
    process.stderr.write(`${name} ${label} (${foldingLabel(folding)}) on ${target.name}: generate\n`);
    const t0 = performance.now();
    const manifest = generateDesign(model, folding, target, dir, { modelPath: `models/${name}.json`, allowOverBudget: true });
    const generateSeconds = (performance.now() - t0) / 1000;
    const { designHash } = readDesignDir(dir);
    const cached = cache.get(`${designHash}|${script}`);
    let row: Row;
    if (cached) {
      process.stderr.write('  unchanged since the last run: reusing its result\n');
      row = { ...cached, model: name, folding: label };
    } else {
      process.stderr.write('  verilator --lint-only -Wall\n');
      const lint = await lintDesign(dir, manifest);
      process.stderr.write(`  ${lint.clean ? 'clean' : `${lint.messages.length} messages`} (${lint.seconds.toFixed(1)} s); yosys check -assert (${script})\n`);
      const check = await yosysCheckDesign(dir, manifest, target, script);
      process.stderr.write(`  ${check.passed ? '0 problems' : `failed: ${check.detail}`} (${check.seconds.toFixed(1)} s)\n`);
      row = { model: name, folding: label, foldingText: foldingLabel(folding), target: target.name, designHash, lint, yosys: check, generateSeconds };
    }
    rows.set(`${name}|${label}`, row);
    write();
  }
}
write();
process.stderr.write(`wrote ${MD}\n`);
