import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/cli/errors.ts';
import { optionalWholeNumber, wholeNumber } from '../../src/cli/options.ts';

describe('numeric CLI options', () => {
  it('accepts whole numbers at or above the minimum', () => {
    expect(wholeNumber('0', '--seed')).toBe(0);
    expect(wholeNumber('12', '--epochs', 1)).toBe(12);
    expect(optionalWholeNumber(undefined, '--windows', 1)).toBeUndefined();
    expect(optionalWholeNumber('3', '--windows', 1)).toBe(3);
  });

  it('refuses fractions, exponents, empty text, words and values below the minimum, naming the flag', () => {
    for (const bad of ['1.5', '1e3', '', ' ', 'x', '0x10', '99999999999999999999']) {
      expect(() => wholeNumber(bad, '--epochs', 0)).toThrow(UserError);
    }
    expect(() => wholeNumber('0', '--windows', 1)).toThrow('--windows 0: expected a whole number >= 1');
    expect(() => wholeNumber('-2', '--seed', 0)).toThrow('--seed -2: expected a whole number >= 0');
  });
});
