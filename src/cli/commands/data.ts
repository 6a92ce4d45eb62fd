/** `bitbeat data ...`: prepare labelled-window datasets from real ECG, and summarize them. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { readDatasetFile, writeDatasetFile } from '../../data/dataset.ts';
import { resolveDataDir } from '../../data/paths.ts';
import { prepareDataset } from '../../data/prepare.ts';
import { datasetSplitCounts, formatSplitCounts } from '../../data/stats.ts';
import { AAMI5_CLASSES } from '../../data/aami.ts';
import { RHYTHM17_CLASSES } from '../../data/plawiak.ts';
import { syntheticDataset } from '../../data/synthetic.ts';
import { UserError } from '../errors.ts';
import { wholeNumber } from '../options.ts';


export function registerData(program: Command): void {
  const data = program.command('data').description('prepare and inspect ECG window datasets');

  data
    .command('prepare')
    .description('build a dataset file of labelled 10 s windows from MIT-BIH or the 17-class fragments')
    .requiredOption('--source <source>', 'mitdb or plawiak17')
    .requiredOption('--task <task>', 'aami5 (with mitdb) or rhythm17 (with plawiak17)')
    .option('--data <dir>', 'directory holding mitdb/ and plawiak17/ (default: $BITBEAT_DATA)')
    .requiredOption('--out <file>', 'dataset file to write (.bbds)')
    .action((opts: { source: string; task: string; data?: string; out: string }) => {
      const dataDir = resolveDataDir(opts.data);
      const ds = prepareDataset(opts.source, opts.task, dataDir);
      const out = resolve(opts.out);
      writeDatasetFile(out, ds);
      process.stdout.write(`wrote ${out}: ${ds.header.count} windows, task ${ds.header.task}\n`);
      process.stdout.write(formatSplitCounts(ds, datasetSplitCounts(ds)) + '\n');
    });

  data
    .command('stats')
    .description('class counts of a dataset file per split (stratified default split; inter-patient for mitdb)')
    .argument('<file>', 'dataset file')
    .option('--json', 'print JSON instead of a table')
    .action((file: string, opts: { json?: boolean }) => {
      const ds = readDatasetFile(resolve(file));
      const rows = datasetSplitCounts(ds);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ task: ds.header.task, source: ds.header.source, classes: ds.header.classes, splits: rows }, null, 2) + '\n');
        return;
      }
      const h = ds.header;
      process.stdout.write(`${resolve(file)}: ${h.count} windows of ${h.windowLength} samples at ${h.sampleRate} Hz, source ${h.source}, task ${h.task}\n`);
      process.stdout.write(`label rule: ${h.labelRule}\n`);
      if (h.excludedRecords.length > 0) process.stdout.write(`excluded records: ${h.excludedRecords.join(', ')}\n`);
      for (const n of h.notes) process.stdout.write(`note: ${n}\n`);
      process.stdout.write(formatSplitCounts(ds, rows) + '\n');
    });

  data
    .command('synth')
    .description('write a deterministic synthetic ECG dataset (ECGSYN-style model, no real data needed)')
    .requiredOption('--out <file>', 'dataset file to write (.bbds)')
    .option('--task <task>', 'aami5 (classes N S V F Q) or rhythm17 (the 17 rhythm classes)', 'aami5')
    .option('--per-class <n>', 'windows per class', '50')
    .option('--seed <n>', 'random seed', '1')
    .action((opts: { out: string; task: string; perClass: string; seed: string }) => {
      if (opts.task !== 'aami5' && opts.task !== 'rhythm17') throw new UserError(`unknown task '${opts.task}' (use aami5 or rhythm17)`);
      const seed = wholeNumber(opts.seed, '--seed', 0);
      const classes = opts.task === 'aami5' ? [...AAMI5_CLASSES] : [...RHYTHM17_CLASSES];
      const ds = syntheticDataset({ seed, perClass: wholeNumber(opts.perClass, '--per-class', 1), classes, task: opts.task });
      const out = resolve(opts.out);
      writeDatasetFile(out, ds);
      process.stdout.write(`wrote ${out}: ${ds.header.count} synthetic windows, task ${ds.header.task}\n`);
    });
}
