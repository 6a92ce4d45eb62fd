/**
 * Parsing of numeric command-line options, shared by every subcommand so a bad value always
 * gets the same one-line error: the flag, what it got, and what it takes.
 */
import { UserError } from './errors.ts';

/** A whole number >= min ("12", not "12.5", "1e3" or ""). */
export function wholeNumber(text: string, flag: string, min = 0): number {
  const n = Number(text);
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new UserError(`${flag} ${text}: expected a whole number >= ${min}`);
  return n;
}

/** wholeNumber, or undefined when the option was not given. */
export function optionalWholeNumber(text: string | undefined, flag: string, min = 0): number | undefined {
  return text === undefined ? undefined : wholeNumber(text, flag, min);
}
