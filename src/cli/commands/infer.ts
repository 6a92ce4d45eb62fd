/**
 * `bitbeat infer`: the class of each consecutive window of one MIT-BIH record, computed by the
 * integer reference model (the accelerator's exact arithmetic), as a table.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { AAMI5_CLASSES, aamiClassIndex, aamiWindowLabel } from '../../data/aami.ts';
import { mliiChannel } from '../../data/mitdb.ts';
import { resolveDataDir, sourceDir } from '../../data/paths.ts';
import { readAnnotationFile, readWfdbRecord } from '../../data/wfdb/record.ts';
import { loadModel } from '../../model/load.ts';
import type { QModel } from '../../model/qmodel.ts';
import { compileReference } from '../../reference/compile.ts';
import { UserError } from '../errors.ts';
import { wholeNumber } from '../options.ts';

interface InferCliOptions {
  model: string;
  record: string;
  data?: string;
  signal?: string;
  limit?: string;
  json?: boolean;
}

export interface InferRow {
  window: number;
  startSample: number;
  startTime: string;
  predicted: string;
  /** AAMI5 label of the window from the beat annotations (aami5 models only), else null */
  annotated: string | null;
  beats: number;
}

function clock(sample: number, rate: number): string {
  const t = sample / rate;
  const m = Math.floor(t / 60);
  return `${String(m).padStart(2, '0')}:${(t - m * 60).toFixed(1).padStart(4, '0')}`;
}

/** Classifies the consecutive windows of `signal` (the tail shorter than a window is dropped). */
export function inferRecord(model: QModel, signal: Int16Array, beatSamples: { sample: number; symbol: string }[], limit = Infinity): InferRow[] {
  const ref = compileReference(model);
  const n = model.input.length;
  const count = Math.min(Math.floor(signal.length / n), limit);
  const aami = model.task === 'aami5' && model.classes.join(',') === AAMI5_CLASSES.join(',');
  const rows: InferRow[] = [];
  let a = 0;
  for (let w = 0; w < count; w++) {
    const start = w * n;
    const end = start + n;
    while (a < beatSamples.length && beatSamples[a]!.sample < start) a++;
    const classes: number[] = [];
    let b = a;
    for (; b < beatSamples.length && beatSamples[b]!.sample < end; b++) {
      const k = aamiClassIndex(beatSamples[b]!.symbol);
      if (k >= 0) classes.push(k);
    }
    a = b;
    const k = ref.classify(signal.subarray(start, end));
    rows.push({
      window: w,
      startSample: start,
      startTime: clock(start, model.input.sampleRate),
      predicted: model.classes[k]!,
      annotated: aami ? AAMI5_CLASSES[aamiWindowLabel(classes)]! : null,
      beats: classes.length,
    });
  }
  return rows;
}

function formatTable(rows: InferRow[]): string {
  const head = ['window', 'start', 'time', 'class', ...(rows[0]?.annotated !== null ? ['annotated'] : []), 'beats'];
  const body = rows.map((r) => [String(r.window), String(r.startSample), r.startTime, r.predicted, ...(r.annotated !== null ? [r.annotated] : []), String(r.beats)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

export function registerInfer(program: Command): void {
  program
    .command('infer')
    .description('classify the consecutive windows of one MIT-BIH record with the integer reference model')
    .requiredOption('--model <file>', 'quantized model JSON')
    .requiredOption('--record <name>', 'MIT-BIH record name, e.g. 100')
    .option('--data <dir>', 'data directory holding mitdb/ (default: $BITBEAT_DATA)')
    .option('--signal <index>', 'signal (lead) index to use (default: the MLII lead)')
    .option('--limit <n>', 'classify only the first n windows')
    .option('--json', 'print the rows as JSON')
    .action((o: InferCliOptions) => {
      const model = loadModel(o.model);
      const dir = sourceDir(resolveDataDir(o.data), 'mitdb')!;
      if (!/^[A-Za-z0-9_-]+$/.test(o.record)) throw new UserError(`--record ${o.record}: expected a record name such as 100`);
      const { header, signals } = readWfdbRecord(dir, o.record);
      const names = header.signals.map((s) => s.description);
      let ch: number;
      if (o.signal !== undefined) {
        ch = Number(o.signal);
        if (!Number.isInteger(ch) || ch < 0 || ch >= signals.length) {
          throw new UserError(`--signal ${o.signal}: record ${o.record} has signals 0..${signals.length - 1} (${names.join(', ')})`);
        }
      } else {
        ch = mliiChannel(names);
        if (ch < 0) throw new UserError(`record ${o.record} has no MLII lead (${names.join(', ')}); choose one with --signal <index>`);
      }
      if (header.samplingFrequency !== model.input.sampleRate) {
        throw new UserError(`record ${o.record} is sampled at ${header.samplingFrequency} Hz but model ${model.name} expects ${model.input.sampleRate} Hz`);
      }
      const limit = o.limit === undefined ? Infinity : wholeNumber(o.limit, '--limit', 1);
      const signal = signals[ch]!;
      if (signal.length < model.input.length) {
        throw new UserError(`record ${o.record} has ${signal.length} samples, fewer than one ${model.input.length}-sample window`);
      }
      const rows = inferRecord(model, signal, readAnnotationFile(dir, o.record), limit);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ model: model.name, record: o.record, signal: names[ch], windowLength: model.input.length, rows }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`model ${model.name} (${model.task}), record ${o.record} signal ${ch} (${names[ch]}), ${rows.length} windows of ${model.input.length} samples (${join(dir, o.record)})\n`);
      process.stdout.write(`${formatTable(rows)}\n`);
      const counts = model.classes.map((c) => `${c} ${rows.filter((r) => r.predicted === c).length}`);
      let summary = `predicted: ${counts.join(', ')}`;
      if (rows.length > 0 && rows[0]!.annotated !== null) {
        const same = rows.filter((r) => r.annotated === r.predicted).length;
        summary += `; matches the annotation-derived label on ${same} of ${rows.length} windows`;
      }
      process.stdout.write(`${summary}\n`);
    });
}
