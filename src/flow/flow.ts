/**
 * `bitbeat flow`: one model on one target, end to end — analytical model, RTL generation,
 * cosimulation against the integer reference, synthesis, place and route, report.
 *
 * Two builds of the same design are generated: the synthesis build in <out>/ and, because
 * trace ports need pins no board has, a simulation build with trace ports in
 * <out>/sim/<design>/ under the same design name. The trace ports only observe, so the
 * simulation build's cycles are the synthesis build's; its cosim.json is copied to
 * <out>/cosim.json, where the report reads it.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UserError } from '../cli/errors.ts';
import { getTarget, type Target } from '../design/targets.ts';
import type { QModel } from '../model/qmodel.ts';
import { readDatasetFile } from '../data/dataset.ts';
import { autoFolding } from '../../hdl-gen/auto.ts';
import { estimateDesign, formatEstimateTable } from '../../hdl-gen/estimate.ts';
import { loadFoldingFile, validateFolding, type ResolvedFolding } from '../../hdl-gen/folding.ts';
import { generateDesign } from '../../hdl-gen/generate.ts';
import { cosimulate, readDesignDir, datasetWindows, syntheticWindows, describeMismatch, type CosimRun } from '../../sim/cosim/index.ts';
import { synthesize, type SynthResult } from '../synth/index.ts';
import { buildReport, metricsFileAccuracy, renderReport, type DesignReport, type TargetRow } from '../report/index.ts';
import { failedSeedsText } from '../report/format-common.ts';
import { writeFileAtomic } from '../io/write-atomic.ts';

export interface FlowOptions {
  model: QModel;
  /** model file, recorded in the manifest when it lies inside the repository */
  modelPath?: string;
  /** model file as given (its <name>.metrics.json, when present, supplies the test accuracy) */
  modelFile?: string;
  target: string;
  /** 'auto' or a folding JSON file */
  folding: string;
  targetCycles?: number;
  /** output directory (default rtl-out/<model>-<target>) */
  out?: string;
  /** cosimulate real windows of this dataset file (its stratified test part) instead of synthetic ones */
  dataset?: string;
  /** windows to cosimulate */
  windows: number;
  backpressure: number;
  seed: number;
  /** place-and-route seeds (Fmax spread) */
  pnrSeeds: number;
  /** progress lines (one per step start and end, plus the tools' own progress) */
  log: (line: string) => void;
}

export interface FlowResult {
  out: string;
  cosim: CosimRun;
  synth: SynthResult;
  report: DesignReport;
  /** report files written next to the design */
  reportFiles: string[];
  seconds: Record<string, number>;
}

export function resolveFlowFolding(model: QModel, target: Target, folding: string, targetCycles?: number): ResolvedFolding {
  if (folding === 'auto') {
    const goal = targetCycles !== undefined ? { kind: 'cycles' as const, targetCycles } : { kind: 'fit' as const, device: target };
    return autoFolding(model, target, goal).folding;
  }
  if (targetCycles !== undefined) throw new UserError('--target-cycles applies to --folding auto only; remove it or use --folding auto');
  return validateFolding(model, loadFoldingFile(folding), folding);
}


export async function runFlow(o: FlowOptions): Promise<FlowResult> {
  const target = getTarget(o.target);
  const { model } = o;
  const out = o.out ?? join('rtl-out', `${model.name}-${target.name}`);
  const seconds: Record<string, number> = {};
  const steps = 5;
  let stepNo = 0;
  const step = async <T>(name: string, run: () => Promise<T> | T): Promise<T> => {
    stepNo += 1;
    o.log(`[${stepNo}/${steps}] ${name} ...`);
    const t0 = performance.now();
    const value = await run();
    seconds[name] = (performance.now() - t0) / 1000;
    o.log(`[${stepNo}/${steps}] ${name} done in ${seconds[name]!.toFixed(1)} s`);
    return value;
  };

  // Everything that can be refused (folding, budget, dataset) is checked before any file is written.
  const folding = resolveFlowFolding(model, target, o.folding, o.targetCycles);
  const windows = o.dataset
    ? datasetWindows(readDatasetFile(o.dataset), o.dataset, model, 'test', o.windows)
    : syntheticWindows(model, o.windows, o.seed);

  await step('analytical model', () => {
    o.log(formatEstimateTable(estimateDesign(model, folding, target)));
  });

  const simDir = join(out, 'sim', basename(out));
  const manifest = await step('generate RTL', () => {
    const m = generateDesign(model, folding, target, out, { modelPath: o.modelPath });
    mkdirSync(join(out, 'sim'), { recursive: true });
    generateDesign(model, folding, target, simDir, { modelPath: o.modelPath, trace: true });
    o.log(`      ${out}: ${m.files.verilog.length} Verilog files, ${m.files.memories.length} ROM files; simulation build with trace ports in ${simDir}`);
    return m;
  });

  const cosim = await step('cosimulate (Verilator vs integer reference)', async () => {
    const run = await cosimulate({
      design: readDesignDir(simDir),
      model,
      windows: windows.windows,
      input: windows.input,
      backpressure: o.backpressure,
      seed: o.seed,
    });
    writeFileAtomic(join(simDir, 'cosim.json'), `${JSON.stringify(run.result, null, 2)}\n`);
    copyFileSync(join(simDir, 'cosim.json'), join(out, 'cosim.json'));
    const r = run.result;
    if (r.mismatches > 0 || r.elementMismatches > 0 || r.classMismatches > 0 || r.timingMismatches > 0) {
      throw new UserError(
        `cosimulation: design ${r.design} differs from the reference in ${r.mismatches} window(s)${r.firstMismatch ? `, first: ${describeMismatch(r.firstMismatch)}` : ''}; details in ${join(out, 'cosim.json')}`,
      );
    }
    o.log(`      ${r.windows} windows bit-exact (every trace stream and class), back-pressure ${o.backpressure}`);
    return run;
  });

  const synth = await step(`synthesize, place and route (${target.name})`, () =>
    synthesize(out, target.name, { seeds: o.pnrSeeds, onProgress: (m) => o.log(`      ${m}`) }),
  );

  const { report, reportFiles } = await step('report', () => {
    const measuredAccuracy = o.modelFile ? metricsFileAccuracy(o.modelFile) : null;
    const report = buildReport({ manifest, synth: [synth], cosim: cosim.result, model, measuredAccuracy });
    const files: string[] = [];
    for (const [format, ext] of [['md', 'md'], ['csv', 'csv'], ['tex', 'tex'], ['json', 'json']] as const) {
      const path = join(out, `report.${ext}`);
      writeFileAtomic(path, renderReport(report, format));
      files.push(path);
    }
    return { report, reportFiles: files };
  });

  return { out, cosim, synth, report, reportFiles, seconds };
}

function fmt(v: number | null | undefined, digits = 0, unit = ''): string {
  return v === null || v === undefined ? '—' : `${v.toFixed(digits)}${unit}`;
}

/** With --pnr-seeds N > 1: the spread over the seeds that placed, and those that did not. */
export function flowSeedsText(row: TargetRow): string {
  const s = row.fmaxSpread;
  const spread = s && s.seeds > 1 ? `; over ${s.seeds} seeds min/median/max ${s.min.toFixed(1)}/${s.median.toFixed(1)}/${s.max.toFixed(1)} MHz` : '';
  const failed = failedSeedsText(row);
  return failed ? `${spread}; ${failed} did not place and route` : spread;
}

/** The closing summary: the figures a researcher would put in a paper, in a few lines. */
export function formatFlowSummary(r: FlowResult): string {
  const row = r.report.targets[0]!;
  const c = r.cosim.result;
  const res = row.resources;
  const lines = [
    '',
    `bitbeat flow: ${r.report.model.name} on ${row.target} (${row.device}, ${row.board})`,
    `  model           accuracy ${fmt(r.report.model.accuracy === null ? null : r.report.model.accuracy * 100, 2, ' %')}${r.report.model.accuracySource ? ` (${r.report.model.accuracySource})` : ''}, storage ${fmt(r.report.model.bytes === null ? null : r.report.model.bytes / 1024, 2, ' KB')}`,
    `  cosimulation    ${c.windows} windows, ${c.mismatches} mismatches (${c.input.kind} input, back-pressure ${c.backpressure})`,
    `  resources       ${res.lut4} LUT4, ${res.ff} FF, ${res.bram} BRAM, ${res.spram} SPRAM, ${res.dsp} DSP (${fmt(row.lutUtilisation * 100, 1, ' %')} of LUT4)`,
    `  Fmax            ${fmt(row.fmaxMhz, 1, ' MHz')}${row.icetimeMhz !== null ? ` (icetime ${fmt(row.icetimeMhz, 1, ' MHz')})` : ''}${flowSeedsText(row)}`,
    `  cycles/window   ${row.cyclesPerWindow.value} (${row.cyclesPerWindow.source}; estimate ${c.estimate.cyclesPerWindow})`,
    `  latency         ${row.latencyCycles.value} cycles = ${fmt(row.latencyUs, 1, ' µs')} at Fmax`,
    `  throughput      ${fmt(row.windowsPerSecond, 0, ' windows/s')}, real-time margin ${fmt(row.realtimeMargin, 0, 'x')} over a 360 Hz stream`,
    `  reports         ${r.reportFiles.join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}
