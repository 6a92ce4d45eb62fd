/**
 * Benchmark: `bitbeat data prepare` for both tasks on the full real data (goal < 10 s for both).
 * Runs the real CLI as a child process (so start-up is included), 3 times per task, and writes
 * bench/data-prepare.md. Needs the data: BITBEAT_DATA or ../shared/data.
 *   npm run bench:data
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDatasetFile, classCounts } from '../src/data/dataset.ts';
import { findDataDir } from '../src/data/paths.ts';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '..', 'bin', 'bitbeat.js');
const dataDir = findDataDir();
if (!dataDir) {
  console.error('bench:data needs the real data: set BITBEAT_DATA to the directory holding mitdb/ and plawiak17/');
  process.exit(1);
}
const RUNS = 3;
const GOAL_S = 10;
const tasks = [
  { source: 'mitdb', task: 'aami5' },
  { source: 'plawiak17', task: 'rhythm17' },
] as const;

const loadAtStart = loadavg()[0]!;
const out = mkdtempSync(join(tmpdir(), 'bitbeat-bench-data-'));
const rows: { label: string; times: number[]; counts: number[]; classes: string[]; bytes: number }[] = [];
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
// Warm the file cache and tsx's transform cache once so every timed run sees the same state.
spawnSync(process.execPath, [bin, 'data', 'prepare', '--source', 'mitdb', '--task', 'aami5', '--data', dataDir, '--out', join(out, 'warm.bbds')]);
for (const { source, task } of tasks) {
  const times: number[] = [];
  const file = join(out, `${source}-${task}.bbds`);
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [bin, 'data', 'prepare', '--source', source, '--task', task, '--data', dataDir, '--out', file], { encoding: 'utf8' });
    times.push((performance.now() - t0) / 1000);
    if (p.status !== 0) {
      console.error(p.stderr);
      process.exit(1);
    }
  }
  const ds = readDatasetFile(file);
  rows.push({ label: `${source} / ${task}`, times, counts: classCounts(ds.labels, ds.header.classes.length), classes: ds.header.classes, bytes: ds.samples.byteLength });
  console.log(`${source} ${task}: ${times.map((t) => t.toFixed(2)).join(', ')} s`);
}
rmSync(out, { recursive: true, force: true });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const totalMedian = sum(rows.map((r) => median(r.times)));
const md = [
  '# Benchmark: `bitbeat data prepare` on the full data',
  '',
  'Command: `npm run bench:data` (bench/data-prepare.ts). Each task runs the CLI as a child process',
  `(start-up, reading and verifying every source file, checksums, writing the .bbds file) ${RUNS} times after one warm-up run.`,
  '',
  `- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores (1-min load average ${loadAtStart.toFixed(2)} at start: the machine is shared); Node ${process.version}`,
  `- Data: ${dataDir}`,
  '',
  '| task | runs (s) | median (s) |',
  '|---|---|---|',
  ...rows.map((r) => `| ${r.label} | ${r.times.map((t) => t.toFixed(2)).join(', ')} | ${median(r.times).toFixed(2)} |`),
  `| **both** | | **${totalMedian.toFixed(2)}** |`,
  '',
  `Goal: both tasks < ${GOAL_S} s. Result: ${totalMedian.toFixed(2)} s, ${totalMedian < GOAL_S ? 'met' : 'NOT met'}.`,
  '',
  'Class counts of the produced datasets:',
  '',
  ...rows.map((r) => `- ${r.label}: ${r.classes.map((c, i) => `${c} ${r.counts[i]}`).join(', ')} (total ${sum(r.counts)})`),
  '',
  'aami5 references (issue 3): 7-block BNN paper N 5186, S 545, V 1890, F 100, Q 19 (7,740);',
  '"most frequent non-N beat class, paced records excluded" about N 5007, S 657, V 2121, F 127, Q 8 (7,920).',
  '',
].join('\n');
writeFileSync(resolve(here, 'data-prepare.md'), md);
console.log(`both tasks: ${totalMedian.toFixed(2)} s (median of ${RUNS}); wrote bench/data-prepare.md`);
