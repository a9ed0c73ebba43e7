import { SteadyChatError } from '../errors/index.js';

/** The redaction settings (config file `redact` section or API options) are not usable. */
export class InvalidRedactConfigError extends SteadyChatError {
  constructor(message: string, hint: string, cause?: unknown) {
    super('invalid_redact_config', `${message} ${hint}`, cause === undefined ? { hint } : { hint, cause });
  }
}
