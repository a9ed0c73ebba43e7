import type { Usage } from '../openai/index.js';
import type { AttemptEvent, ChatCall, RetryOptions } from '../pipeline/index.js';
import type { UsageOutcome } from './usage-ledger.js';

/**
 * A copy of the call whose retry stage also reports each upstream attempt to `observe`, after the
 * observers already there (the client's own).
 */
export function observeAttempts(call: ChatCall, observe: (event: AttemptEvent) => void): ChatCall {
  const retry = (call.options.retry ?? {}) as RetryOptions;
  const previous = retry.onAttempt;
  return {
    ...call,
    options: {
      ...call.options,
      retry: {
        ...retry,
        onAttempt: (event: AttemptEvent) => {
          previous?.(event);
          observe(event);
        },
      },
    },
  };
}

/** How an attempt ended, for the ledger. */
export function attemptOutcome(error: unknown, usage: Usage | undefined): UsageOutcome {
  if (error === undefined) return 'ok';
  const code = (error as { code?: unknown }).code;
  if (code === 'aborted') return 'aborted';
  if (code === 'stream_interrupted') return 'cut';
  if ((usage?.completion_tokens ?? 0) > 0) return 'cut';
  return 'error';
}

/** The error's stable code, when it has one. */
export function errorCode(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown_error';
}
