import { Command } from 'commander';
import { BITBEAT_VERSION } from '../version.ts';
import { UserError } from './errors.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerFlow } from './commands/flow.ts';
import { registerData } from './commands/data.ts';
import { registerTrain } from './commands/train.ts';
import { registerEval } from './commands/eval.ts';
import { registerSynth } from './commands/synth.ts';
import { registerReport } from './commands/report.ts';
import { registerSweep } from './commands/sweep.ts';
import { registerInfer } from './commands/infer.ts';
import { registerCosim } from './commands/cosim.ts';
import { registerGenerate } from './commands/generate.ts';

/** Builds the `bitbeat` program. Each subcommand lives in its own module under commands/. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('bitbeat')
    .description('Bit-exact FPGA accelerators for binarized ECG arrhythmia classifiers')
    .version(BITBEAT_VERSION, '-V, --version')
    .showHelpAfterError();
  registerDoctor(program);
  registerFlow(program);
  registerData(program);
  registerTrain(program);
  registerEval(program);
  registerSynth(program);
  registerReport(program);
  registerSweep(program);
  registerInfer(program);
  registerCosim(program);
  registerGenerate(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`bitbeat: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
