import { SteadyChatError } from '../errors/index.js';
import type { ChatRequest, Usage } from '../openai/index.js';
import {
  type AttemptEvent,
  afterAnswer,
  type CallContext,
  type ChatResponse,
  type Stage,
} from '../pipeline/index.js';
import { countChatTokens, getModelInfo } from '../tokens/index.js';
import { observeAttempts } from './attempt-observer.js';
import type { BudgetBook, BudgetStatus, Reservation } from './budget-book.js';
import { BudgetStoreError } from './budget-store-error.js';
import { LocalRateLimitError } from './local-rate-limit-error.js';
import { type Cost, createPriceTable, type PriceTable } from './prices.js';
import type { RateLimiter, RateLimits } from './rate-limiter.js';
import type { RunawayGuard } from './runaway-guard.js';
import { silentLogger, type UsageLogger } from './usage-logger.js';

/** What a settled call cost, and what is left of its budgets. */
export interface BudgetSettlement {
  context: CallContext;
  model: string;
  /** Tokens charged (all attempts). */
  tokens: number;
  /** Cost charged, null when the model has no price. */
  cost: Cost | null;
  /** The worst case that was held. */
  reservedTokens: number;
  /** The budgets of this call after settling (empty when none applies). */
  budgets: BudgetStatus[];
}

/** Options of {@link createBudgetStage}. */
export interface BudgetStageOptions {
  /** Budgets in the shared store; absent = no budgets (rate limits and the runaway guard still apply). */
  book?: BudgetBook;
  /** @default createPriceTable() */
  prices?: PriceTable;
  /**
   * Prompt tokens of a request, for the worst case.
   * @default countChatTokens from steadychat's tokenizer (OpenAI's published chat rule)
   */
  countPromptTokens?: (request: ChatRequest) => number;
  /**
   * Output tokens assumed for a request without `max_completion_tokens` / `max_tokens`.
   * @default the model's maximum output (16384 for an unknown model)
   */
  defaultMaxOutputTokens?: number;
  /** Token buckets; absent = no rate limits. */
  rateLimiter?: RateLimiter;
  /**
   * Limits by caller (`key:<id>`, `user:<id>`, or `anonymous`); `*` is each caller without an entry.
   * Or a function of the caller (e.g. reading a gateway key's own limits).
   * @default {}
   */
  rateLimits?:
    | Record<string, RateLimits>
    | ((caller: string, context: CallContext) => RateLimits | undefined | Promise<RateLimits | undefined>);
  /** The "bug in a loop" guard; absent = off. */
  runaway?: RunawayGuard;
  /** Called after each call settles (the CLI shows the turn's cost and the budget left). */
  onSettled?: (settlement: BudgetSettlement) => void;
  /**
   * After an abort, how long to wait for the stream to report its usage before settling with what is known.
   * @default 2000
   */
  abortGraceMs?: number;
  /** @default silent */
  logger?: UsageLogger;
}

/** The id rate limits and the runaway guard count by. */
export function callerOf(context: CallContext): string {
  if (context.keyId) return `key:${context.keyId}`;
  if (context.userId) return `user:${context.userId}`;
  return 'anonymous';
}

/**
 * The budget stage, in one pass before anything goes upstream: the runaway guard, the caller's rate
 * limits, then an atomic reservation of the worst case (prompt tokens + `n` × maximum output tokens,
 * priced) on every budget that applies. After the call it settles to the real usage of every attempt
 * and refunds the rest, on every exit path: success, error, abort, cut stream. (A crashed process's
 * reservation expires with its lease.)
 */
export function createBudgetStage(options: BudgetStageOptions = {}): Stage {
  const prices = options.prices ?? createPriceTable(options.logger ? { logger: options.logger } : {});
  const logger = options.logger ?? silentLogger;
  const countPrompt =
    options.countPromptTokens ??
    ((r: ChatRequest) => countChatTokens({ model: r.model, messages: r.messages, tools: r.tools ?? null }));
  const rateLimits = options.rateLimits ?? {};
  const graceMs = options.abortGraceMs ?? 2000;

  return async (call, next) => {
    const { request, context } = call;
    const caller = callerOf(context);
    // A guard kept in another process (`serve --workers`) answers later: its question goes out with
    // the rate limiter's (below), and is awaited before the rate limiter's answer is used.
    const repeated = options.runaway?.check(caller, request);
    repeated?.catch(() => undefined);

    const promptTokens = countPrompt(request);
    const maxOutput =
      request.max_completion_tokens ??
      request.max_tokens ??
      options.defaultMaxOutputTokens ??
      getModelInfo(request.model).maxOutputTokens;
    const worstTokens = promptTokens + Math.max(1, request.n ?? 1) * maxOutput;
    const worstCost = prices.cost(request.model, {
      promptTokens,
      completionTokens: worstTokens - promptTokens,
    });

    const limits =
      typeof rateLimits === 'function'
        ? await rateLimits(caller, context)
        : (rateLimits[caller] ?? rateLimits['*']);
    const giveBack = async (tokens: number) => {
      if (options.rateLimiter && limits && tokens > 0) {
        await options.rateLimiter.giveBack(caller, tokens, limits).catch(() => undefined);
      }
    };
    const taking =
      options.rateLimiter && limits
        ? options.rateLimiter.take(caller, { requests: 1, tokens: worstTokens }, limits)
        : undefined;
    if (repeated) {
      try {
        await repeated;
      } catch (error) {
        // Refused as a runaway: tokens the rate limiter gave meanwhile go back.
        void taking?.then(
          (decision) => (decision.ok ? giveBack(worstTokens) : undefined),
          () => undefined,
        );
        throw error;
      }
    }
    if (taking && limits) {
      const decision = await taking;
      if (!decision.ok) {
        const perMinute =
          (decision.limit === 'requests' ? limits.requestsPerMinute : limits.tokensPerMinute) ?? 0;
        throw new LocalRateLimitError(caller, decision.limit, decision.retryAfterMs, perMinute);
      }
    }

    let reservation: Reservation | undefined;
    if (options.book) {
      try {
        reservation = await options.book.reserve({
          scopes: context,
          model: request.model,
          tokens: worstTokens,
          cost: worstCost,
        });
      } catch (error) {
        await giveBack(worstTokens);
        if (error instanceof SteadyChatError) throw error;
        throw new BudgetStoreError(error);
      }
    }

    // Real usage, summed over every attempt the retry stage reports.
    let spentTokens = 0;
    let spentCost: Cost | null = { amount: 0, currency: worstCost?.currency ?? 'USD' };
    let reportedUsage = false;
    const add = (usage: Usage | undefined) => {
      if (!usage) return;
      reportedUsage = true;
      const tokens = usage.prompt_tokens + usage.completion_tokens;
      spentTokens += tokens;
      const cost = prices.cost(request.model, {
        promptTokens: usage.prompt_tokens,
        completionTokens: usage.completion_tokens,
        cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      });
      spentCost =
        cost && spentCost ? { amount: spentCost.amount + cost.amount, currency: cost.currency } : null;
    };
    const observed = observeAttempts(call, (event: AttemptEvent) => add(event.usage));

    let settled: Promise<void> | undefined;
    const settle = (fallbackUsage?: Usage | null): Promise<void> => {
      if (settled) return settled;
      if (!reportedUsage && fallbackUsage) add(fallbackUsage);
      settled = (async () => {
        await giveBack(worstTokens - spentTokens);
        if (reservation) {
          try {
            await options.book!.settle(reservation, { tokens: spentTokens, cost: spentCost });
          } catch (error) {
            logger.warn(
              { error: error instanceof Error ? error.message : String(error), requestId: context.requestId },
              'Could not settle a budget reservation; it is released when its lease expires.',
            );
          }
        }
        if (options.onSettled) {
          const budgets = options.book ? await options.book.status(context).catch(() => []) : [];
          try {
            options.onSettled({
              context,
              model: request.model,
              tokens: spentTokens,
              cost: spentCost,
              reservedTokens: worstTokens,
              budgets,
            });
          } catch {
            // An observer's failure must not change the call's outcome.
          }
        }
      })();
      return settled;
    };

    let response: ChatResponse;
    try {
      response = await next(observed);
    } catch (error) {
      await afterAnswer(call, settle((error as { usage?: Usage }).usage ?? null));
      throw error;
    }
    if (response.type === 'completion') {
      await afterAnswer(call, settle(response.completion.usage ?? null));
      return response;
    }

    const source = response.stream;
    let lastUsage: Usage | null = null;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      // A stream nobody reads any more: settle with what is known if it does not end by itself.
      // Nothing known: charge at least the prompt, which the upstream may already have processed.
      const promptOnly: Usage = {
        prompt_tokens: promptTokens,
        completion_tokens: 0,
        total_tokens: promptTokens,
      };
      timer = setTimeout(() => void settle(lastUsage ?? promptOnly), graceMs);
      timer.unref?.();
    };
    call.signal.addEventListener('abort', onAbort, { once: true });
    async function* settling() {
      try {
        for await (const chunk of source) {
          if (chunk.usage) lastUsage = chunk.usage;
          yield chunk;
        }
      } finally {
        call.signal.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
        await afterAnswer(call, settle(lastUsage));
      }
    }
    return { ...response, stream: settling() };
  };
}
