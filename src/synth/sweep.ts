/**
 * Design-space sweeps: many (design, target) points, each generated (when a generator is
 * given), synthesized, placed and routed, and reported; at most two points in flight (and,
 * through `toolJobs`, at most two tool jobs), then one CSV and one Pareto SVG over all points.
 * A point that fails (a folding too large for the device, a failed place and route) becomes a
 * failed row with its message, and the sweep goes on.
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../cli/errors.ts';
import { getTarget } from '../design/targets.ts';
import { csvRows, CSV_HEADER } from '../report/format-csv.ts';
import type { DesignReport } from '../report/build.ts';
import { loadDesignReport } from '../report/load.ts';
import type { ParetoPoint } from '../report/pareto.ts';
import { paretoSvg } from '../report/svg.ts';
import { mapLimited } from './limiter.ts';
import { synthesize, type SynthOptions } from './synthesize.ts';
import { writeFileAtomic } from '../io/write-atomic.ts';

/** What the generator is asked for one sweep point. */
export interface GenerateRequest {
  modelPath: string;
  target: string;
  /** a folding spec as given on the command line: 'auto' or a folding JSON file */
  folding: string;
  /** the design directory to write (rtl-out/<design> style) */
  outDir: string;
}

/** Writes a design directory (manifest.json + Verilog + memories) and returns its path. */
export type GenerateFn = (request: GenerateRequest) => Promise<string>;

export interface SweepJob {
  target: string;
  /** the point's name in the CSV and on the plot (folding spec or design name) */
  label: string;
  /** produces the design directory (generates it, or returns an existing one) */
  design: () => Promise<string>;
}

export interface SweepRow {
  target: string;
  label: string;
  designDir: string | null;
  status: 'ok' | 'failed';
  error: string | null;
  report: DesignReport | null;
}

export interface SweepOptions {
  synth?: Omit<SynthOptions, 'onProgress'>;
  /** points in flight at once (default 2: the machines bitbeat targets have two cores) */
  concurrency?: number;
  onProgress?: (message: string) => void;
}

export const SWEEP_CSV_HEADER = ['point', 'status', 'error', ...CSV_HEADER] as const;

function slug(s: string): string {
  return basename(s).replace(/\.json$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-');
}

export function jobsFromGenerator(modelPath: string, targets: string[], foldings: string[], outDir: string, generate: GenerateFn): SweepJob[] {
  for (const t of targets) getTarget(t);
  const jobs: SweepJob[] = [];
  for (const target of targets) {
    for (const folding of foldings) {
      const dir = join(outDir, `${slug(modelPath)}-${target}-${slug(folding)}`);
      jobs.push({ target, label: folding, design: () => generate({ modelPath, target, folding, outDir: dir }) });
    }
  }
  return jobs;
}

export function jobsFromDesigns(designDirs: string[], targets: string[]): SweepJob[] {
  for (const t of targets) getTarget(t);
  return targets.flatMap((target) => designDirs.map((dir) => ({ target, label: basename(dir), design: async () => dir })));
}

export async function runSweep(jobs: SweepJob[], opts: SweepOptions = {}): Promise<SweepRow[]> {
  if (jobs.length === 0) throw new UserError('the sweep has no points: give at least one target and one folding (or design)');
  const progress = opts.onProgress ?? (() => {});
  let done = 0;
  return mapLimited(jobs, opts.concurrency ?? 2, async (job): Promise<SweepRow> => {
    let designDir: string | null = null;
    try {
      designDir = await job.design();
      await synthesize(designDir, job.target, { ...opts.synth });
      const report = loadDesignReport(designDir, { target: job.target });
      progress(`[${++done}/${jobs.length}] ${job.label} on ${job.target}: ok`);
      return { target: job.target, label: job.label, designDir, status: 'ok', error: null, report };
    } catch (e) {
      // a user-facing failure of one point (does not fit, P&R failed) is a result; a bug is not
      if (!(e instanceof UserError)) throw e;
      progress(`[${++done}/${jobs.length}] ${job.label} on ${job.target}: failed: ${e.message}`);
      return { target: job.target, label: job.label, designDir, status: 'failed', error: e.message, report: null };
    }
  });
}

/** Points for the Pareto plot: LUT4 against latency in µs, one series per target. */
export function sweepPoints(rows: SweepRow[]): ParetoPoint[] {
  const points: ParetoPoint[] = [];
  for (const row of rows) {
    const t = row.report?.targets.find((x) => x.target === row.target);
    if (t && t.latencyUs !== null) points.push({ series: row.target, label: row.label, x: t.resources.lut4, y: t.latencyUs });
  }
  return points;
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function sweepCsv(rows: SweepRow[]): string {
  const lines = [SWEEP_CSV_HEADER.join(',')];
  for (const row of rows) {
    if (row.report) {
      for (const r of csvRows(row.report)) lines.push([row.label, row.status, null, ...r].map(csvCell).join(','));
    } else {
      const blank = CSV_HEADER.map((h) => (h === 'target' ? row.target : null));
      lines.push([row.label, row.status, row.error, ...blank].map(csvCell).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}


/** Writes sweep.csv, sweep.svg and sweep.json into `outDir`; returns their paths. */
export function writeSweepOutputs(rows: SweepRow[], outDir: string, title: string): { csv: string; svg: string; json: string } {
  mkdirSync(outDir, { recursive: true });
  const files = { csv: join(outDir, 'sweep.csv'), svg: join(outDir, 'sweep.svg'), json: join(outDir, 'sweep.json') };
  writeFileAtomic(files.csv, sweepCsv(rows));
  writeFileAtomic(files.svg, paretoSvg(sweepPoints(rows), { title }));
  const summary = rows.map((r) => ({ target: r.target, label: r.label, designDir: r.designDir, status: r.status, error: r.error, report: r.report }));
  writeFileAtomic(files.json, `${JSON.stringify(summary, null, 2)}\n`);
  return files;
}
