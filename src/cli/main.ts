import { Command } from 'commander';
import { BITBEAT_VERSION } from '../version.ts';
import { UserError } from './errors.ts';

type Register = (program: Command) => void;

/**
 * Every subcommand, in the order `--help` lists them, each loaded from its own module under
 * commands/ only when needed: some pull in heavy code (TensorFlow.js for train and eval), and a
 * command should not pay for the others at start-up.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  flow: async () => (await import('./commands/flow.ts')).registerFlow,
  doctor: async () => (await import('./commands/doctor.ts')).registerDoctor,
  data: async () => (await import('./commands/data.ts')).registerData,
  train: async () => (await import('./commands/train.ts')).registerTrain,
  eval: async () => (await import('./commands/eval.ts')).registerEval,
  infer: async () => (await import('./commands/infer.ts')).registerInfer,
  generate: async () => (await import('./commands/generate.ts')).registerGenerate,
  cosim: async () => (await import('./commands/cosim.ts')).registerCosim,
  synth: async () => (await import('./commands/synth.ts')).registerSynth,
  report: async () => (await import('./commands/report.ts')).registerReport,
  sweep: async () => (await import('./commands/sweep.ts')).registerSweep,
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

/**
 * Builds the `bitbeat` program with the named subcommand only, none for --version, or all of
 * them (for help, and for anything that is not a known subcommand, so commander can report it).
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command();
  program
    .name('bitbeat')
    .description('Bit-exact FPGA accelerators for binarized ECG arrhythmia classifiers')
    .version(BITBEAT_VERSION, '-V, --version')
    .showHelpAfterError();
  const versionOnly = only === '-V' || only === '--version';
  const names = versionOnly ? [] : only !== undefined && only in COMMANDS ? [only] : COMMAND_NAMES;
  for (const register of await Promise.all(names.map((n) => COMMANDS[n]!()))) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    const first = argv[2];
    await (await buildProgram(first)).parseAsync(argv);
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`bitbeat: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
