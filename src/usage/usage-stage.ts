import type { ChatRequest, Usage } from '../openai/index.js';
import { type AttemptEvent, afterAnswer, type CallContext, type Stage } from '../pipeline/index.js';
import { attemptOutcome, errorCode, observeAttempts } from './attempt-observer.js';
import { type Clock, systemClock } from './period.js';
import { createPriceTable, type PriceTable } from './prices.js';
import type { LedgerEntry, UsageLedger } from './usage-ledger.js';
import { silentLogger, type UsageLogger } from './usage-logger.js';

/** Codes of the errors our own stages refuse a call with, before anything goes upstream. */
const REFUSALS = new Set(['budget_exceeded', 'local_rate_limited', 'runaway_request']);

/** Options of {@link createUsageStage}. */
export interface UsageStageOptions {
  /** Where the rows go. */
  ledger: UsageLedger;
  /** @default createPriceTable() (built-in prices) */
  prices?: PriceTable;
  /** Name of the upstream service written in each row (`openai`, `deepseek`, …). */
  upstream?: string;
  /** @default silent */
  logger?: UsageLogger;
  /** @default Date.now */
  clock?: Clock;
  /** Called after each row is written (e.g. to show the turn's cost). */
  onRecorded?: (entry: LedgerEntry) => void;
}

/** The usage stage, plus a way to wait for rows still being written. */
export type UsageStage = Stage & {
  /** Resolves when every row reported so far is written. */
  flush(): Promise<void>;
};

/**
 * Records ONE LEDGER ROW PER UPSTREAM ATTEMPT (retries, errors, aborts and cut streams included) from
 * the retry stage's attempt reports. Place it outside the retry stage (e.g. in the client's
 * `stages`). A call resolves (or its stream ends) only once its rows are written, unless the caller
 * lets them be written after the answer (see {@link afterAnswer}). A ledger failure is logged, never
 * turned into a failed call.
 */
export function createUsageStage(options: UsageStageOptions): UsageStage {
  const prices = options.prices ?? createPriceTable(options.logger ? { logger: options.logger } : {});
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;

  function entryFor(
    request: ChatRequest,
    context: CallContext,
    attempt: number,
    fields: {
      usage?: Usage | undefined;
      estimated?: boolean | undefined;
      error?: unknown;
      latencyMs: number | null;
      upstreamRequestId?: string | undefined;
    },
  ): LedgerEntry {
    const u = fields.usage;
    const promptTokens = u?.prompt_tokens ?? 0;
    const completionTokens = u?.completion_tokens ?? 0;
    const cachedTokens = u?.prompt_tokens_details?.cached_tokens ?? 0;
    const cost = prices.cost(request.model, { promptTokens, completionTokens, cachedTokens });
    return {
      at: clock(),
      keyId: context.keyId,
      userId: context.userId,
      conversationId: context.conversationId,
      model: request.model,
      upstream: options.upstream,
      requestId: context.requestId,
      upstreamRequestId: fields.upstreamRequestId,
      attempt,
      promptTokens,
      completionTokens,
      cachedTokens,
      reasoningTokens: u?.completion_tokens_details?.reasoning_tokens ?? 0,
      cost: cost?.amount ?? null,
      currency: cost?.currency ?? null,
      latencyMs: fields.latencyMs,
      outcome: attemptOutcome(fields.error, u),
      errorCode: errorCode(fields.error),
      estimated: fields.estimated === true,
    };
  }

  // Rows being written, and who waits for there to be none (flush).
  let inFlight = 0;
  let drained: Array<() => void> = [];

  /** Writes one row; never rejects (a ledger failure is logged). */
  async function record(entry: LedgerEntry): Promise<void> {
    inFlight++;
    try {
      await options.ledger.record(entry);
      options.onRecorded?.(entry);
    } catch (error) {
      logger.warn(
        { error: error instanceof Error ? error.message : String(error), requestId: entry.requestId },
        'Could not write a usage ledger row.',
      );
    } finally {
      if (--inFlight === 0 && drained.length > 0) {
        const waiting = drained;
        drained = [];
        for (const resolve of waiting) resolve();
      }
    }
  }

  /** The rows of one call, as one promise (most calls write one row). */
  const allOf = (rows: Promise<void>[]): Promise<unknown> =>
    rows.length === 1 ? rows[0]! : Promise.all(rows);

  const stage: Stage = async (call, next) => {
    const mine: Promise<void>[] = [];
    let reported = 0;
    const started = clock();
    const observed = observeAttempts(call, (event: AttemptEvent) => {
      reported++;
      mine.push(
        record(
          entryFor(event.request, event.context, event.attempt, {
            usage: event.usage,
            estimated: event.usageEstimated,
            error: event.error,
            latencyMs: event.latencyMs,
            upstreamRequestId: event.requestId,
          }),
        ),
      );
    });
    // Without a retry stage below, nothing reports attempts: record the call itself.
    const fallback = (fields: Parameters<typeof entryFor>[3]) => {
      if (reported === 0) mine.push(record(entryFor(call.request, call.context, 1, fields)));
    };
    let response: Awaited<ReturnType<typeof next>>;
    try {
      response = await next(observed);
    } catch (error) {
      const usage = (error as { usage?: Usage }).usage;
      // A refusal by a stage of ours (budget, rate limit, runaway guard) never went upstream.
      if (!REFUSALS.has(errorCode(error) ?? '')) fallback({ error, usage, latencyMs: clock() - started });
      await afterAnswer(call, allOf(mine));
      throw error;
    }
    if (response.type === 'completion') {
      fallback({
        usage: response.completion.usage,
        latencyMs: clock() - started,
        upstreamRequestId: response.meta.upstreamRequestId,
      });
      await afterAnswer(call, allOf(mine));
      return response;
    }
    const source = response.stream;
    let lastUsage: Usage | undefined;
    async function* recorded() {
      let failure: unknown;
      let ended = false;
      try {
        for await (const chunk of source) {
          if (chunk.usage) lastUsage = chunk.usage;
          yield chunk;
        }
        ended = true;
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        const outcomeError = ended ? undefined : (failure ?? { code: 'aborted' });
        fallback({ usage: lastUsage, error: outcomeError, latencyMs: clock() - started });
        await afterAnswer(call, allOf(mine));
      }
    }
    return { ...response, stream: recorded() };
  };

  return Object.assign(stage, {
    flush(): Promise<void> {
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drained.push(resolve);
      });
    },
  });
}
