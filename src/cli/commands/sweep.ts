import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { jobsFromDesigns, jobsFromGenerator, runSweep, writeSweepOutputs, type SweepJob } from '../../synth/index.ts';
import { DEFAULT_FLOW_CYCLES } from '../../flow/defaults.ts';
import { UserError } from '../errors.ts';
import { wholeNumber } from '../options.ts';

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** `bitbeat sweep`: a design-space sweep over targets and foldings, with a CSV and a Pareto plot. */
export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('generate, synthesize and report many (folding, target) points; writes sweep.csv, sweep.svg, sweep.json')
    .option('--model <file>', 'quantized model to generate designs from')
    .option('--foldings <list>', `comma-separated folding specs: 'auto' (smallest within ${DEFAULT_FLOW_CYCLES} cycles per window), 'fit' (fastest that fits each target), 'cycles=N', 'smallest' (smallest at any cycles), 'folded', 'parallel', or folding JSON files`, 'auto')
    .option('--designs <list>', 'comma-separated design directories already generated (instead of --model)')
    .requiredOption('--targets <list>', 'comma-separated targets, e.g. ice40-up5k,ecp5-25f')
    .option('--out <dir>', 'output directory (default sweep-out/<model or "designs">)')
    .option('--seed <n>', 'first place-and-route seed', '1')
    .option('--seeds <n>', 'place-and-route seeds per point', '1')
    .option('--freq <MHz>', "nextpnr's target frequency (default: each board's oscillator)")
    .option('--jobs <n>', 'points in flight at once (tool jobs are limited to 2 regardless)', '2')
    .action(async (opts: { model?: string; foldings: string; designs?: string; targets: string; out?: string; seed: string; seeds: string; freq?: string; jobs: string }) => {
      const targets = list(opts.targets);
      if (targets.length === 0) throw new UserError('--targets is empty: give e.g. --targets ice40-up5k,ecp5-25f');
      if (!opts.model === !opts.designs) throw new UserError('give either --model <m.json> (generate designs) or --designs <dir,...> (already generated), not both or neither');
      const freqMhz = opts.freq === undefined ? undefined : Number(opts.freq);
      if (freqMhz !== undefined && !(freqMhz > 0)) throw new UserError(`--freq must be a positive number of MHz, got '${opts.freq}'`);
      let jobs: SweepJob[];
      let outDir: string;
      if (opts.model) {
        if (!existsSync(opts.model)) throw new UserError(`${opts.model}: model file not found`);
        outDir = opts.out ?? join('sweep-out', basename(opts.model).replace(/\.json$/i, ''));
        const foldings = list(opts.foldings);
        if (foldings.length === 0) throw new UserError("--foldings is empty: give e.g. --foldings auto,fit");
        // loaded here, not at start-up: the generator is only needed by this command
        const { sweepGenerator } = await import('../../flow/sweep-generator.ts');
        jobs = jobsFromGenerator(opts.model, targets, foldings, join(outDir, 'designs'), sweepGenerator());
      } else {
        outDir = opts.out ?? join('sweep-out', 'designs');
        jobs = jobsFromDesigns(list(opts.designs), targets);
      }
      const rows = await runSweep(jobs, {
        synth: { seed: wholeNumber(opts.seed, '--seed', 0), seeds: wholeNumber(opts.seeds, '--seeds', 1), freqMhz },
        concurrency: wholeNumber(opts.jobs, '--jobs', 1),
        onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      const files = writeSweepOutputs(rows, outDir, `bitbeat sweep: ${opts.model ? basename(opts.model) : 'designs'}`);
      const failed = rows.filter((r) => r.status === 'failed');
      process.stdout.write(`${rows.length - failed.length} of ${rows.length} points ok\n${files.csv}\n${files.svg}\n${files.json}\n`);
      if (failed.length === rows.length) throw new UserError(`every sweep point failed; first: ${failed[0]!.error}`);
    });
}
