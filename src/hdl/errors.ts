import { UserError } from '../cli/errors.ts';

/**
 * A mistake in a hardware description (width mismatch, unbound port, duplicate name,
 * combinational loop...). Raised when the offending construct is built or elaborated, with a
 * one-line message naming the signals involved.
 */
export class HdlError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'HdlError';
  }
}
