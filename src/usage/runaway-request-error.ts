import { SteadyChatError } from '../errors/index.js';

/**
 * The same request came from the same caller too many times in a short window: almost always a bug
 * calling the model in a loop. Refused before going upstream; never retried.
 */
export class RunawayRequestError extends SteadyChatError {
  /** HTTP status the gateway answers with. */
  readonly status = 429;
  readonly caller: string;
  /** Milliseconds until the oldest repeat leaves the window. */
  readonly retryAfterMs: number;

  constructor(caller: string, maxRepeats: number, windowMs: number, retryAfterMs: number) {
    super(
      'runaway_request',
      `Runaway guard: ${caller} sent the same request more than ${maxRepeats} times in ${Math.round(windowMs / 1000)} s; refused so a loop cannot burn the budget. Check the calling code for a loop, or raise budgets.runaway.maxRepeats if the repeats are intended.`,
      {
        hint: 'Check the calling code for a loop, or raise budgets.runaway.maxRepeats if the repeats are intended.',
      },
    );
    this.caller = caller;
    this.retryAfterMs = retryAfterMs;
  }

  /** OpenAI's error envelope for this refusal. */
  toErrorBody(): { error: { message: string; type: string; param: null; code: string } } {
    return { error: { message: this.message, type: 'requests', param: null, code: 'runaway_request' } };
  }
}
