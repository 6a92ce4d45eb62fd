import type { Command } from 'commander';
import { join } from 'node:path';
import { buildDirFor, synthesize, SYNTH_RESULT_FILE } from '../../synth/index.ts';
import { getTarget } from '../../design/targets.ts';
import { UserError } from '../errors.ts';
import { optionalWholeNumber } from '../options.ts';


/** `bitbeat synth`: Yosys + nextpnr (+ icetime, + bitstream) for one design on one target. */
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('synthesize, place and route a generated design; writes <design>/build/<target>/synth.json')
    .requiredOption('--design <dir>', 'design directory written by `bitbeat generate` (with manifest.json)')
    .requiredOption('--target <target>', 'ice40-up5k | ice40-hx8k | ecp5-25f | ecp5-85f')
    .option('--seed <n>', 'first place-and-route seed', '1')
    .option('--seeds <n>', 'place and route with this many seeds (seed, seed+1, ...) and report the Fmax spread', '1')
    .option('--freq <MHz>', "nextpnr's target frequency (default: the board's oscillator)")
    .option('--board <board>', 'board whose pins to use (default: the target\'s board; see constraints/boards/)')
    .option('--bitstream', 'also write the bitstream (icepack / ecppack)')
    .option('--no-icetime', 'skip icetime on iCE40')
    .option('--json', 'print synth.json instead of the summary')
    .action(async (opts: { design: string; target: string; seed: string; seeds: string; freq?: string; board?: string; bitstream?: boolean; icetime: boolean; json?: boolean }) => {
      const freqMhz = opts.freq === undefined ? undefined : Number(opts.freq);
      if (freqMhz !== undefined && !(freqMhz > 0)) throw new UserError(`--freq must be a positive number of MHz, got '${opts.freq}'`);
      const result = await synthesize(opts.design, opts.target, {
        seed: optionalWholeNumber(opts.seed, '--seed', 0),
        seeds: optionalWholeNumber(opts.seeds, '--seeds', 1),
        freqMhz,
        board: opts.board,
        bitstream: opts.bitstream ?? false,
        icetime: opts.icetime,
        onProgress: (m) => process.stderr.write(`${m}\n`),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const r = result.synthesis.resources;
      const primary = result.pnr.runs[0]!;
      const dir = buildDirFor(opts.design, getTarget(opts.target), opts.board);
      const lines = [
        `${result.design} on ${result.target} (${result.device} ${result.package}, board ${result.board})`,
        `  LUT4 ${r.lut4}  FF ${r.ff}  carry ${r.carry}  BRAM ${r.bram}  SPRAM ${r.spram}  DSP ${r.dsp}${r.lutram ? `  LUTRAM ${r.lutram}` : ''}`,
        `  Fmax ${primary.fmaxMhz === null ? '—' : primary.fmaxMhz.toFixed(1)} MHz (nextpnr, seed ${primary.seed}, target ${result.pnr.freqTargetMhz} MHz)`,
      ];
      const s = result.pnr.fmaxSpread;
      if (s && s.seeds > 1) lines.push(`  Fmax over ${s.seeds} seeds: min ${s.min.toFixed(1)}, median ${s.median.toFixed(1)}, max ${s.max.toFixed(1)} MHz`);
      for (const f of result.pnr.failedRuns) lines.push(`  seed ${f.seed} did not place and route (${f.error}); log: ${f.log}`);
      if (result.icetime) lines.push(`  icetime: ${result.icetime.fmaxMhz.toFixed(1)} MHz (${result.icetime.pathDelayNs} ns critical path)`);
      for (const inst of result.synthesis.instances) lines.push(`  ${inst.name.padEnd(16)} ${inst.module.padEnd(20)} LUT4 ${inst.resources.lut4}  FF ${inst.resources.ff}  BRAM ${inst.resources.bram}`);
      if (result.bitstream) lines.push(`  bitstream: ${join(dir, result.bitstream)}`);
      lines.push(`  result: ${join(dir, SYNTH_RESULT_FILE)}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
