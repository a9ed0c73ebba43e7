import { SteadyChatError } from '../errors/index.js';

/** The store could not be opened, migrated or used; `code` says which. */
export class StoreError extends SteadyChatError {
  constructor(
    code: 'store_open_failed' | 'store_too_new' | 'store_migration_failed',
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(code, message, options);
  }
}
