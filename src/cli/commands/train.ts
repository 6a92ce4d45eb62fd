/** `bitbeat train`: train a binarized network on a dataset file and export the quantized model. */
import type { Command } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { readDatasetFile } from '../../data/dataset.ts';
import { loadArch, PRESETS, TrainDefaultsSchema } from '../../train/arch.ts';
import { runTraining } from '../../train/pipeline.ts';
import { writeFileAtomic } from '../../io/write-atomic.ts';
import { parseSplitName } from '../../train/splits.ts';
import { UserError } from '../errors.ts';
import { wholeNumber } from '../options.ts';


function num(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${name} must be a positive number, got '${value}'`);
  return n;
}

/** models/foo.json -> models/foo.metrics.json */
export function metricsPathFor(modelPath: string): string {
  return modelPath.replace(/\.json$/i, '') + '.metrics.json';
}

interface TrainCliOptions {
  arch: string;
  dataset: string;
  out: string;
  epochs?: string;
  split: string;
  seed: string;
  batchSize?: string;
  lr?: string;
  schedule?: string;
  classWeights?: string;
  augment?: string;
  patience?: string;
  fpEpochs: string;
  checkpointDir?: string;
  fresh?: boolean;
  stop?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a binarized ECG network (TensorFlow.js) and export its exact quantized model')
    .requiredOption('--arch <preset|file>', `architecture: a preset (${Object.keys(PRESETS).join(', ')}) or a JSON config file`)
    .requiredOption('--dataset <file>', 'dataset file (.bbds) from `bitbeat data prepare`')
    .requiredOption('--out <file>', 'quantized model to write, e.g. models/<name>.json (metrics go next to it as <name>.metrics.json)')
    .option('--epochs <n>', 'training epochs (default: the architecture\'s)')
    .option('--split <name>', 'stratified (the seed papers\' 80/20) or interpatient (MIT-BIH DS1/DS2)', 'stratified')
    .option('--seed <n>', 'seed of initialization, shuffling and the validation hold-out', '1')
    .option('--batch-size <n>', 'mini-batch size')
    .option('--lr <x>', 'initial learning rate')
    .option('--schedule <name>', 'learning-rate schedule: cosine, step or constant')
    .option('--class-weights <mode>', 'none, balanced or sqrt')
    .option('--augment <mode>', 'none or roll (random rotation of each window every epoch)')
    .option('--patience <n>', 'early stop after n epochs without validation improvement (0 = off)')
    .option('--fp-epochs <n>', 'also train the full-precision twin for n epochs and record its accuracy', '0')
    .option('--checkpoint-dir <dir>', 'checkpoint directory (default .cache/train/<name>); an existing checkpoint of the same run is resumed')
    .option('--stop', 'do not train further: export the best weights of the existing checkpoint of this run (e.g. of a run still in progress)')
    .option('--fresh', 'discard an existing checkpoint and start from epoch 0')
    .action(async (o: TrainCliOptions) => {
      const arch = loadArch(o.arch);
      if (!existsSync(o.dataset)) throw new UserError(`--dataset ${o.dataset}: file not found; create it with \`bitbeat data prepare\``);
      const ds = readDatasetFile(resolve(o.dataset));
      const overrides: Record<string, unknown> = {};
      if (o.epochs !== undefined) overrides.epochs = wholeNumber(o.epochs, '--epochs', 1);
      if (o.batchSize !== undefined) overrides.batchSize = wholeNumber(o.batchSize, '--batch-size', 1);
      if (o.lr !== undefined) overrides.lr = num(o.lr, '--lr');
      if (o.schedule !== undefined) overrides.schedule = o.schedule;
      if (o.classWeights !== undefined) overrides.classWeights = o.classWeights;
      if (o.augment !== undefined) overrides.augment = o.augment;
      if (o.patience !== undefined) overrides.patience = wholeNumber(o.patience, '--patience', 0);
      const parsed = TrainDefaultsSchema.safeParse({ ...arch.train, ...overrides });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new UserError(`training option ${issue.path.join('.')}: ${issue.message}`);
      }
      const name = basename(o.out).replace(/\.json$/i, '');
      const checkpointDir = resolve(o.checkpointDir ?? `.cache/train/${name}`);
      if (o.fresh) rmSync(checkpointDir, { recursive: true, force: true });
      const tty = process.stderr.isTTY;
      // Logs (nohup) get a progress line at most once a minute between epoch lines.
      let lastLogged = Date.now();
      const result = await runTraining({
        arch,
        archSource: o.arch,
        dataset: ds,
        datasetPath: o.dataset,
        split: parseSplitName(o.split),
        seed: wholeNumber(o.seed, '--seed', 0),
        train: parsed.data,
        name,
        checkpointDir,
        fpEpochs: wholeNumber(o.fpEpochs, '--fp-epochs', 0),
        stopAtCheckpoint: o.stop ?? false,
        log: (line, final) => {
          if (tty) process.stderr.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
          else if (final || Date.now() - lastLogged > 60_000) {
            process.stderr.write(`${line}\n`);
            lastLogged = Date.now();
          }
        },
      });
      const out = resolve(o.out);
      if (result.model) writeFileAtomic(out, JSON.stringify(result.model, null, 1) + '\n', { mkdir: true });
      writeFileAtomic(metricsPathFor(out), JSON.stringify({ ...result.metrics, command: `bitbeat train ${process.argv.slice(3).join(' ')}` }, null, 2) + '\n', { mkdir: true });
      process.stdout.write(
        (result.model ? `wrote ${out}\n` : `${arch.name} is full precision: no quantized model written\n`) + `wrote ${metricsPathFor(out)}\n`,
      );
    });
}
