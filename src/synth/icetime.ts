/**
 * Reading icetime's timing summary. icetime has no JSON output, so this reads the two summary
 * lines it always prints last:
 *   Total number of logic levels: 11
 *   Total path delay: 24.07 ns (41.54 MHz)
 */
import { MalformedToolOutputError } from './errors.ts';

export interface IcetimeResult {
  pathDelayNs: number;
  fmaxMhz: number;
  logicLevels: number | null;
}

export function parseIcetime(text: string, file: string, step = 'static timing (icetime)'): IcetimeResult {
  const delay = /^Total path delay:\s*([0-9.]+)\s*ns\s*\(\s*([0-9.]+)\s*MHz\s*\)\s*$/m.exec(text);
  if (!delay) throw new MalformedToolOutputError(step, file, 'no "Total path delay: <ns> ns (<MHz> MHz)" line');
  const levels = /^Total number of logic levels:\s*(\d+)\s*$/m.exec(text);
  const pathDelayNs = Number(delay[1]);
  const fmaxMhz = Number(delay[2]);
  if (!Number.isFinite(pathDelayNs) || !Number.isFinite(fmaxMhz) || fmaxMhz <= 0) {
    throw new MalformedToolOutputError(step, file, `unreadable numbers in "${delay[0]}"`);
  }
  return { pathDelayNs, fmaxMhz, logicLevels: levels ? Number(levels[1]) : null };
}
