import { UserError } from '../cli/errors.ts';

/**
 * A tool ran but its output is not what bitbeat can read (missing file, invalid JSON, a field
 * missing). Names the step and the file, and keeps it (and the step's log) for inspection.
 */
export class MalformedToolOutputError extends UserError {
  constructor(
    readonly step: string,
    readonly file: string,
    problem: string,
    readonly logFile?: string,
  ) {
    super(`${step}: malformed tool output in ${file}: ${problem}${logFile ? `; log kept: ${logFile}` : ''}`);
    this.name = 'MalformedToolOutputError';
  }
}
