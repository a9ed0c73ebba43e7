import { SteadyChatError } from '../errors/index.js';

/** The store holding the budgets could not be read or written: the call is refused (budgets fail closed). */
export class BudgetStoreError extends SteadyChatError {
  /** HTTP status the gateway answers with. */
  readonly status = 503;

  constructor(cause: unknown) {
    super(
      'budget_store_unavailable',
      `The budget could not be checked because the database did not answer, so the call was refused (budgets fail closed): ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
        hint: 'Check that the database (STEADYCHAT_DATABASE_URL, or the SQLite file) is reachable and writable.',
      },
    );
  }
}
