import { SteadyChatError } from '../errors/index.js';

/** Codes of {@link MemoryError}. */
export type MemoryErrorCode =
  | 'context_budget_too_small'
  | 'conversation_not_found'
  | 'nothing_to_retry'
  | 'conversation_busy';

/** A conversation operation that cannot be done as asked; `hint` says what to do. */
export class MemoryError extends SteadyChatError {
  declare readonly code: MemoryErrorCode;
  constructor(code: MemoryErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(code, message, options);
  }
}
