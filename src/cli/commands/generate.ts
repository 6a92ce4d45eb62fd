import { isAbsolute, join, relative } from 'node:path';
import type { Command } from 'commander';
import { getTarget } from '../../design/targets.ts';
import { loadModel } from '../../model/load.ts';
import { UserError } from '../errors.ts';
import { wholeNumber } from '../options.ts';
import { autoFolding, DEFAULT_FIT_MARGIN } from '../../../hdl-gen/auto.ts';
import { DEFAULT_FLOW_CYCLES } from '../../flow/defaults.ts';
import { estimateDesign, formatEstimateTable } from '../../../hdl-gen/estimate.ts';
import { loadFoldingFile, validateFolding, type ResolvedFolding } from '../../../hdl-gen/folding.ts';
import { generateDesign } from '../../../hdl-gen/generate.ts';

interface GenerateCliOptions {
  model: string;
  target: string;
  folding: string;
  targetCycles?: string;
  fit?: string;
  fitMargin?: string;
  out?: string;
  trace?: boolean;
  force?: boolean;
  estimateOnly?: boolean;
}

function fitMargin(text: string): number {
  const m = Number(text);
  if (!(m > 0 && m <= 1)) throw new UserError(`--fit-margin ${text}: expected a share of the device's LUT/FF budget in (0, 1], e.g. 0.85`);
  return m;
}

/** `bitbeat generate`: the RTL of one accelerator (Verilog, ROM .hex files, manifest.json). */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate the accelerator RTL for a quantized model: prints the analytical model, then writes Verilog, ROM files and manifest.json')
    .requiredOption('--model <file>', 'quantized model JSON')
    .option('--target <device>', 'target device (ice40-up5k, ice40-hx8k, ecp5-25f, ecp5-85f)', 'ice40-up5k')
    .option('--folding <auto|file>', "'auto', or a folding JSON file ({ \"layers\": [ { \"layer\", \"pe\", \"simd\" } ] })", 'auto')
    .option('--target-cycles <n>', `with --folding auto: smallest design with at most n cycles per window (default ${DEFAULT_FLOW_CYCLES}, as bitbeat flow)`)
    .option('--fit <device>', 'with --folding auto: instead, the fastest design that fits this device')
    .option('--fit-margin <share>', `with --fit: share of the device's LUT/FF budget the estimate may use (default ${DEFAULT_FIT_MARGIN})`)
    .option('--out <dir>', 'output directory (default rtl-out/<model>-<target>)')
    .option('--trace', 'add per-layer trace ports (simulation builds for cosimulation)')
    .option('--force', 'generate even when the estimate exceeds the device budget')
    .option('--estimate-only', 'print the analytical model and write nothing')
    .action((opts: GenerateCliOptions) => {
      const model = loadModel(opts.model);
      const target = getTarget(opts.target);
      let folding: ResolvedFolding;
      if (opts.fitMargin !== undefined && opts.fit === undefined) throw new UserError('--fit-margin applies to --fit only; add --fit <device> or remove it');
      if (opts.folding === 'auto') {
        if (opts.targetCycles !== undefined && opts.fit !== undefined) throw new UserError('--target-cycles and --fit both given; choose one goal for --folding auto');
        // without a goal, the same design `bitbeat flow` makes: the smallest within DEFAULT_FLOW_CYCLES
        folding =
          opts.fit !== undefined
            ? autoFolding(model, target, { kind: 'fit', device: getTarget(opts.fit), margin: opts.fitMargin === undefined ? undefined : fitMargin(opts.fitMargin) }).folding
            : autoFolding(model, target, { kind: 'cycles', targetCycles: opts.targetCycles !== undefined ? wholeNumber(opts.targetCycles, '--target-cycles', 1) : DEFAULT_FLOW_CYCLES }).folding;
      } else {
        if (opts.targetCycles !== undefined || opts.fit !== undefined) throw new UserError(`--target-cycles and --fit apply to --folding auto only; remove them or use --folding auto`);
        folding = validateFolding(model, loadFoldingFile(opts.folding), opts.folding);
      }
      // The analytical model comes first, before anything is generated.
      process.stdout.write(`${formatEstimateTable(estimateDesign(model, folding, target))}\n`);
      if (opts.estimateOnly) return;
      const out = opts.out ?? join('rtl-out', `${model.name}-${target.name}`);
      const rel = relative(process.cwd(), opts.model);
      const modelPath = !isAbsolute(rel) && !rel.startsWith('..') ? rel : undefined;
      const manifest = generateDesign(model, folding, target, out, { trace: !!opts.trace, allowOverBudget: !!opts.force, modelPath });
      process.stdout.write(
        `wrote ${out}: ${manifest.files.verilog.length} Verilog files, ${manifest.files.memories.length} ROM files, manifest.json (top ${manifest.top}${opts.trace ? `, ${manifest.trace!.length} trace ports` : ''})\n`,
      );
    });
}
