/**
 * The one base class of every error steadychat throws on purpose.
 *
 * `code` is a stable string a caller can switch on; `message` says what happened and what to do
 * next; `hint` is the "what to do" part alone, so a CLI can print it on its own line.
 */
export class SteadyChatError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** A mistake in how the program was called (bad flag, missing argument): exit code 2 in the CLI. */
export class UsageError extends SteadyChatError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('usage_error', message, options);
  }
}
