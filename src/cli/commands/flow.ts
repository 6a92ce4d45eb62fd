import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { wholeNumber } from '../options.ts';
import { DEFAULT_FLOW_CYCLES } from '../../flow/defaults.ts';

/** The shipped default: the README's main job runs this model on this target. */
export const DEFAULT_FLOW_MODEL = 'models/ecgbnn-s-aami5.json';
/**
 * ECP5-25F: the shipped models do not fit the iCE40 devices yet (the line buffers and
 * per-channel state are in flip-flops; see docs/ARCHITECTURE.md).
 */
export const DEFAULT_FLOW_TARGET = 'ecp5-25f';
/** --folding auto without a goal (see src/flow/defaults.ts). */
export { DEFAULT_FLOW_CYCLES };

interface FlowCliOptions {
  model: string;
  target: string;
  folding: string;
  targetCycles?: string;
  fit?: boolean;
  out?: string;
  dataset?: string;
  windows: string;
  backpressure: string;
  seed: string;
  pnrSeeds: string;
}


/** The cycle goal of --folding auto: explicit, the default, or none (--fit, or a folding file). */
function flowCycles(o: FlowCliOptions): number | undefined {
  if (o.fit && o.targetCycles !== undefined) throw new UserError('--fit and --target-cycles both given; choose one goal for --folding auto');
  if (o.folding !== 'auto') {
    if (o.fit || o.targetCycles !== undefined) throw new UserError('--fit and --target-cycles apply to --folding auto only; remove them or use --folding auto');
    return undefined;
  }
  if (o.fit) return undefined;
  return o.targetCycles === undefined ? DEFAULT_FLOW_CYCLES : wholeNumber(o.targetCycles, '--target-cycles', 1);
}

/** `bitbeat flow`: generate, cosimulate, synthesize, place and route, and report one design. */
export function registerFlow(program: Command): void {
  program
    .command('flow')
    .description('one model on one target end to end: analytical model, RTL, Verilator cosimulation against the integer reference, synthesis, place and route, report')
    .option('--model <file>', 'quantized model JSON', DEFAULT_FLOW_MODEL)
    .option('--target <device>', 'ice40-up5k, ice40-hx8k, ecp5-25f or ecp5-85f', DEFAULT_FLOW_TARGET)
    .option('--folding <auto|file>', "'auto' (see --target-cycles and --fit) or a folding JSON file", 'auto')
    .option('--target-cycles <n>', `with --folding auto: the smallest design with at most n cycles per window (default ${DEFAULT_FLOW_CYCLES})`)
    .option('--fit', 'with --folding auto: the fastest design that fits the target by the analytical estimate')
    .option('--out <dir>', 'design directory (default rtl-out/<model>-<target>)')
    .option('--dataset <file>', "cosimulate real windows: the dataset file's stratified test part (default: synthetic windows)")
    .option('--windows <n>', 'windows to cosimulate', '8')
    .option('--backpressure <p>', 'cosimulation back-pressure probability in [0, 1)', '0.3')
    .option('--seed <n>', 'seed of the synthetic windows and the back-pressure', '1')
    .option('--pnr-seeds <n>', 'place-and-route seeds (reports the Fmax spread)', '1')
    .action(async (o: FlowCliOptions) => {
      // Loaded here, not at start-up: the flow pulls in the generator, Verilator and synthesis code.
      const [{ loadModel }, { runFlow, formatFlowSummary }] = await Promise.all([import('../../model/load.ts'), import('../../flow/flow.ts')]);
      const backpressure = Number(o.backpressure);
      if (!(backpressure >= 0 && backpressure < 1)) throw new UserError(`--backpressure ${o.backpressure}: must be a number in [0, 1)`);
      const model = loadModel(o.model);
      const rel = relative(process.cwd(), o.model);
      const result = await runFlow({
        model,
        modelPath: !isAbsolute(rel) && !rel.startsWith('..') ? rel : undefined,
        modelFile: o.model,
        target: o.target,
        folding: o.folding,
        targetCycles: flowCycles(o),
        out: o.out,
        dataset: o.dataset,
        windows: wholeNumber(o.windows, '--windows', 1),
        backpressure,
        seed: wholeNumber(o.seed, '--seed', 1),
        pnrSeeds: wholeNumber(o.pnrSeeds, '--pnr-seeds', 1),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(formatFlowSummary(result));
    });
}
