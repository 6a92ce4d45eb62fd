/**
 * `bitbeat cosim`: simulates a generated design in Verilator on raw windows, with random
 * back-pressure, and compares every trace stream and every class with the integer reference
 * bit for bit; measures cycles per window and latency against the analytical model; writes
 * <design>/cosim.json. Exits non-zero on any mismatch.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { readDatasetFile } from '../../data/dataset.ts';
import { writeFileAtomic } from '../../io/write-atomic.ts';
import { loadModel } from '../../model/load.ts';
import type { QModel } from '../../model/qmodel.ts';
import { REPO_ROOT } from '../../../sim/cosim/build.ts';
import { cosimulate, type CosimRun } from '../../../sim/cosim/cosim.ts';
import { describeMismatch } from '../../../sim/cosim/compare.ts';
import { readDesignDir, type DesignDir } from '../../../sim/cosim/design.ts';
import { gtkwSave, readVcd } from '../../../sim/cosim/vcd.ts';
import { datasetWindows, parseCosimSplit, syntheticWindows, type SelectedWindows } from '../../../sim/cosim/windows.ts';
import { UserError } from '../errors.ts';
import { optionalWholeNumber, wholeNumber } from '../options.ts';

interface CosimCliOptions {
  design: string;
  dataset?: string;
  synthetic?: string;
  windows?: string;
  split: string;
  backpressure: string;
  seed: string;
  vcd?: string;
  model?: string;
  watchdog?: string;
  processes?: string;
  json?: boolean;
}

/** --model, else the manifest's model path (relative to the repository root, or to the working directory). */
function designModel(design: DesignDir, modelOpt: string | undefined): QModel {
  if (modelOpt) return loadModel(modelOpt);
  const p = design.manifest.model.path;
  if (!p) throw new UserError(`the manifest of ${design.manifest.design} names no model file: pass --model <file> (model '${design.manifest.model.name}')`);
  const candidates = isAbsolute(p) ? [p] : [resolve(REPO_ROOT, p), resolve(p)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new UserError(`model file ${p} (from the manifest of ${design.manifest.design}) not found: pass --model <file>`);
  return loadModel(found);
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(2)} %`);

export function formatCosimRun(run: CosimRun, designPath: string): string {
  const r = run.result;
  const src = r.input.kind === 'dataset' ? `${r.input.file} (${r.input.split})` : r.input.kind === 'synthetic' ? `synthetic ECG (seed ${r.input.seed})` : r.input.description;
  const lines = [
    `cosim ${r.design} (top ${r.top}, model ${r.model.name}) on ${r.windows} windows of ${src}, back-pressure ${r.backpressure}, seed ${r.seed}`,
    `${r.verilator}; build ${run.build.cached ? 'cached' : `compiled in ${run.seconds.build.toFixed(1)} s`} (.cache/cosim/${run.build.key})`,
    `windows: ${r.windows}`,
    `mismatches: ${r.mismatches} (classes ${r.classMismatches}, trace elements ${r.elementMismatches}; timing run ${r.timingMismatches} of ${r.timingWindows} windows; ${r.classOnly ? 'no trace ports: classes only' : `streams ${r.streams.map((s) => `${s.stream}/${s.kind}`).join(', ')}`})`,
  ];
  if (r.firstMismatch) lines.push(`first mismatch: ${describeMismatch(r.firstMismatch)}`);
  const w = (s: string | number, n: number): string => String(s).padStart(n);
  lines.push(
    `${'cycles'.padEnd(16)}${w('measured', 10)}${w('estimate', 10)}${w('diff', 11)}`,
    `${'per window'.padEnd(16)}${w(r.cyclesPerWindow, 10)}${w(r.estimate.cyclesPerWindow, 10)}${w(pct(r.diffPercent.cyclesPerWindow), 11)}`,
    `${'latency'.padEnd(16)}${w(r.latencyCycles, 10)}${w(r.estimate.latencyCycles, 10)}${w(pct(r.diffPercent.latencyCycles), 11)}`,
    `simulated ${r.cycles} cycles (main run in ${r.parts} part${r.parts === 1 ? '' : 's'}) and compared in ${run.seconds.run.toFixed(2)} s with ${run.processes} simulator process${run.processes === 1 ? '' : 'es'}: ${(r.windows / Math.max(run.seconds.run, 1e-6)).toFixed(1)} windows/s (comparison ${run.seconds.compare.toFixed(2)} s of it, overlapping the simulation)`,
    `result: ${join(designPath, 'cosim.json')}`,
  );
  return lines.join('\n') + '\n';
}

export function registerCosim(program: Command): void {
  program
    .command('cosim')
    .description('simulate a generated design in Verilator and compare it bit for bit with the integer reference; measure cycles')
    .requiredOption('--design <dir>', 'generated design directory (rtl-out/<design>)')
    .option('--dataset <file>', 'dataset file (.bbds) to take raw windows from')
    .option('--windows <n>', 'with --dataset: the first N windows of the split (default: all)')
    .option('--split <name>', "with --dataset: test (the dataset's stratified test part), interpatient or all", 'test')
    .option('--synthetic <n>', 'N synthetic ECG windows of the model\'s classes instead of a dataset')
    .option('--backpressure <p>', 'probability per cycle of an idle input cycle and of m_ready low, in [0, 1)', '0.3')
    .option('--seed <n>', 'seed of the back-pressure (and of synthetic windows)', '1')
    .option('--vcd <file>', 'write a VCD waveform of the main run (in one part) and a GTKWave save file beside it (open: gtkwave <file> <file minus .vcd>.gtkw)')
    .option('--model <file>', 'quantized model JSON (default: the model path in the manifest)')
    .option('--watchdog <cycles>', 'cycles without any handshake before the run counts as deadlocked (default: max(100000, 10 x (estimated cycles per window + latency)))')
    .option('--processes <n>', 'simulator processes at once (default: 2, 1 on a single-CPU machine); the main run streams its windows in consecutive parts of about 200 (one part with --vcd), the result does not depend on this number')
    .option('--json', 'print the result JSON instead of the summary')
    .action(async (o: CosimCliOptions) => {
      if ((o.dataset === undefined) === (o.synthetic === undefined)) throw new UserError('pass exactly one of --dataset <file> and --synthetic <n>');
      if (o.windows !== undefined && o.dataset === undefined) throw new UserError('--windows goes with --dataset; with --synthetic the count is --synthetic <n>');
      const backpressure = Number(o.backpressure);
      if (!(backpressure >= 0 && backpressure < 1)) throw new UserError(`--backpressure ${o.backpressure}: must be a number in [0, 1)`);
      const seed = wholeNumber(o.seed, '--seed', 0);
      if (seed > 0xffffffff) throw new UserError(`--seed ${o.seed}: must be below 2^32`);
      const design = readDesignDir(o.design);
      const model = designModel(design, o.model);
      let selected: SelectedWindows;
      if (o.dataset !== undefined) {
        const ds = readDatasetFile(resolve(o.dataset));
        selected = datasetWindows(ds, o.dataset, model, parseCosimSplit(o.split), optionalWholeNumber(o.windows, '--windows', 1));
        if (selected.windows.length === 0) throw new UserError(`${o.dataset}: the ${o.split} split has no windows; use --split all`);
      } else {
        selected = syntheticWindows(model, wholeNumber(o.synthetic!, '--synthetic', 1), seed);
      }
      const run = await cosimulate({
        design,
        model,
        windows: selected.windows,
        input: selected.input,
        backpressure,
        seed,
        vcdPath: o.vcd,
        watchdogCycles: optionalWholeNumber(o.watchdog, '--watchdog', 1),
        processes: optionalWholeNumber(o.processes, '--processes', 1),
      });
      const resultPath = join(design.dir, 'cosim.json');
      writeFileAtomic(resultPath, JSON.stringify(run.result, null, 2) + '\n');
      process.stdout.write(o.json ? JSON.stringify(run.result, null, 2) + '\n' : formatCosimRun(run, relative(process.cwd(), design.dir) || '.'));
      if (o.vcd) {
        // A GTKWave save file beside the VCD with the handshakes and trace ports on screen.
        const vcd = readVcd(readFileSync(o.vcd, 'utf8'));
        const gtkw = o.vcd.replace(/\.vcd$/i, '') + '.gtkw';
        const traces = (design.manifest.trace ?? []).map((t) => ({ title: `${t.stream}/${t.kind}`, valid: t.validPort, data: t.dataPort }));
        writeFileAtomic(gtkw, gtkwSave(resolve(o.vcd), vcd, traces));
        process.stderr.write(`VCD written to ${o.vcd} (${vcd.timestamps} timestamps, ${vcd.vars.length} signals; view: gtkwave ${o.vcd} ${gtkw})\n`);
      }
      const r = run.result;
      if (r.mismatches > 0 || r.elementMismatches > 0 || r.classMismatches > 0 || r.timingMismatches > 0) {
        throw new UserError(`cosim: design ${r.design} differs from the reference in ${r.mismatches} window(s)${r.firstMismatch ? `, first: ${describeMismatch(r.firstMismatch)}` : ''}; details in ${resultPath}`);
      }
    });
}
