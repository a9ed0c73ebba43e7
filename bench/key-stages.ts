/**
 * The gateway's stages for a keyed call, as the benchmarks set them up: the key's budgets and rate
 * limit set high (checked on every call, never reached), the runaway guard on with a limit the
 * benchmarks' one repeated request never reaches; and the gateway's way of writing the bookkeeping
 * after the answer. Shared by bench/stages.ts and bench/gateway.ts.
 */
import type { Stage } from '../src/pipeline/index.js';
import type { createUsageServices } from '../src/usage/index.js';
import { built } from './built.js';

type Services = ReturnType<typeof createUsageServices>;

/** The key whose calls the benchmarks make (`call.context.keyId`). */
export const BENCH_KEY_ID = 'bench';

/** The benchmark key's daily tokens and monthly cost. */
export async function setBenchKeyBudgets(services: Services): Promise<void> {
  await services.book.setLimit({ scope: 'key', scopeId: BENCH_KEY_ID, period: 'day', tokens: 1e12 });
  await services.book.setLimit({
    scope: 'key',
    scopeId: BENCH_KEY_ID,
    period: 'month',
    cost: { amount: 1e6, currency: 'USD' },
  });
}

/** The budget stage, with the key's rate limit when `keyed` (else no budget or limit applies). */
export async function benchBudgetStage(services: Services, keyed: boolean): Promise<Stage> {
  const { createBudgetStage, createRunawayGuard } =
    await built<typeof import('../src/usage/index.js')>('usage');
  return createBudgetStage({
    book: services.book,
    prices: services.prices,
    rateLimiter: services.rateLimiter,
    rateLimits: keyed ? { [`key:${BENCH_KEY_ID}`]: { requestsPerMinute: 1e9, tokensPerMinute: 1e15 } } : {},
    runaway: createRunawayGuard({ maxRepeats: 1_000_000_000 }),
  });
}

/**
 * As the gateway answers: a call's bookkeeping (ledger rows, settlements) is handed to `afterAnswer`
 * (`call.options.afterAnswer`) and written after the answer; `settled()` waits for all of it.
 */
export function afterAnswerSink(): {
  afterAnswer: (work: Promise<unknown>) => void;
  settled: () => Promise<void>;
} {
  const pending = new Set<Promise<unknown>>();
  return {
    afterAnswer(work) {
      pending.add(work);
      const done = () => pending.delete(work);
      work.then(done, done);
    },
    async settled() {
      await Promise.all([...pending]);
    },
  };
}
