import { isAbsolute, join, relative } from 'node:path';
import type { Command } from 'commander';
import { getTarget } from '../../design/targets.ts';
import { loadModel } from '../../model/load.ts';
import { UserError } from '../errors.ts';
import { autoFolding } from '../../../hdl-gen/auto.ts';
import { estimateDesign, formatEstimateTable } from '../../../hdl-gen/estimate.ts';
import { loadFoldingFile, validateFolding, type ResolvedFolding } from '../../../hdl-gen/folding.ts';
import { generateDesign } from '../../../hdl-gen/generate.ts';

interface GenerateCliOptions {
  model: string;
  target: string;
  folding: string;
  targetCycles?: string;
  fit?: string;
  out?: string;
  trace?: boolean;
  force?: boolean;
  estimateOnly?: boolean;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UserError(`${flag} ${text}: expected a positive whole number of cycles`);
  return n;
}

/** `bitbeat generate`: the RTL of one accelerator (Verilog, ROM .hex files, manifest.json). */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate the accelerator RTL for a quantized model: prints the analytical model, then writes Verilog, ROM files and manifest.json')
    .requiredOption('--model <file>', 'quantized model JSON')
    .option('--target <device>', 'target device (ice40-up5k, ice40-hx8k, ecp5-25f, ecp5-85f)', 'ice40-up5k')
    .option('--folding <auto|file>', "'auto', or a folding JSON file ({ \"layers\": [ { \"layer\", \"pe\", \"simd\" } ] })", 'auto')
    .option('--target-cycles <n>', 'with --folding auto: smallest design with at most n cycles per window')
    .option('--fit <device>', 'with --folding auto: fastest design that fits this device (default: the target)')
    .option('--out <dir>', 'output directory (default rtl-out/<model>-<target>)')
    .option('--trace', 'add per-layer trace ports (simulation builds for cosimulation)')
    .option('--force', 'generate even when the estimate exceeds the device budget')
    .option('--estimate-only', 'print the analytical model and write nothing')
    .action((opts: GenerateCliOptions) => {
      const model = loadModel(opts.model);
      const target = getTarget(opts.target);
      let folding: ResolvedFolding;
      if (opts.folding === 'auto') {
        if (opts.targetCycles !== undefined && opts.fit !== undefined) throw new UserError('--target-cycles and --fit both given; choose one goal for --folding auto');
        folding =
          opts.targetCycles !== undefined
            ? autoFolding(model, target, { kind: 'cycles', targetCycles: positiveInt(opts.targetCycles, '--target-cycles') }).folding
            : autoFolding(model, target, { kind: 'fit', device: getTarget(opts.fit ?? target.name) }).folding;
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
