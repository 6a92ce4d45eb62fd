/** `bitbeat eval`: accuracy, per-class sensitivity/PPV/F1 and confusion matrix of a quantized model on a dataset. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readDatasetFile } from '../../data/dataset.ts';
import { loadModel } from '../../model/load.ts';
import { evaluateModel, type EngineName } from '../../train/evaluate.ts';
import { confusionSvg, formatMetrics } from '../../train/metrics.ts';
import { writeFileAtomic } from '../../io/write-atomic.ts';
import { parseSplitName } from '../../train/splits.ts';
import { storageKB } from '../../train/storage.ts';
import { UserError } from '../errors.ts';

interface EvalCliOptions {
  model: string;
  dataset: string;
  engine: string;
  split: string;
  all?: boolean;
  svg?: string;
  json?: boolean;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a quantized model on a dataset: accuracy, sensitivity, PPV, F1, confusion matrix, storage')
    .requiredOption('--model <file>', 'quantized model JSON (e.g. models/ecgbnn-s-rhythm17.json)')
    .requiredOption('--dataset <file>', 'dataset file (.bbds)')
    .option('--engine <name>', 'reference (the integer golden model) or tfjs (the same integer semantics, batched)', 'reference')
    .option('--split <name>', 'evaluate the test part of: stratified or interpatient', 'stratified')
    .option('--all', 'evaluate every window of the dataset instead of a test split')
    .option('--svg <file>', 'write the confusion matrix as SVG (default: next to the model, <name>.<split>.confusion.svg)')
    .option('--json', 'print the metrics as JSON')
    .action(async (o: EvalCliOptions) => {
      if (o.engine !== 'reference' && o.engine !== 'tfjs') throw new UserError(`--engine ${o.engine}: use reference or tfjs`);
      const model = loadModel(o.model);
      if (!existsSync(o.dataset)) throw new UserError(`--dataset ${o.dataset}: file not found; create it with \`bitbeat data prepare\``);
      const ds = readDatasetFile(resolve(o.dataset));
      const split = o.all ? 'all' : parseSplitName(o.split);
      const r = await evaluateModel(model, ds, split, o.engine as EngineName);
      const m = r.metrics;
      const st = r.storage;
      const svgPath = resolve(o.svg ?? o.model.replace(/\.json$/i, '') + `.${split}.confusion.svg`);
      writeFileAtomic(svgPath, confusionSvg(m, `${model.name} on ${ds.header.task}, ${split} test (${o.engine})`), { mkdir: true });
      if (o.json) {
        process.stdout.write(JSON.stringify({ model: model.name, split, engine: o.engine, windows: m.total, ...m, storage: st, svg: svgPath }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${model.name} on ${o.dataset} (${split} test, ${m.total} windows, engine ${o.engine}, ${r.seconds.toFixed(1)} s)\n`);
      process.stdout.write(formatMetrics(m) + '\n');
      process.stdout.write(`storage ${st.bytes} bytes = ${storageKB(st).toFixed(2)} KB (${st.weightBits} weight bits + ${st.paramBits} parameter bits)\n`);
      process.stdout.write(`confusion matrix SVG: ${svgPath}\n`);
    });
}
