/**
 * An error the user can act on: its message is one line that names the problem and the fix.
 * The CLI prints only the message (no stack) and exits with `exitCode`.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
