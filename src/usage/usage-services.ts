import type { Stage } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import { type AlertNotifier, createAlertNotifier } from './alert-notifier.js';
import { type BudgetBook, createBudgetBook } from './budget-book.js';
import { type BudgetConfig, parseBudgetConfig } from './budget-config.js';
import { type BudgetSettlement, createBudgetStage } from './budget-stage.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import type { Clock } from './period.js';
import { createPriceTable, type ModelPrice, type PriceTable } from './prices.js';
import type { RateLimiter } from './rate-limiter.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';
import { createRunawayGuard } from './runaway-guard.js';
import { createUsageLedger, type LedgerEntry, type UsageLedger } from './usage-ledger.js';
import { silentLogger, type UsageLogger } from './usage-logger.js';
import { createUsageStage, type UsageStage } from './usage-stage.js';

/** Options of {@link createUsageServices}. */
export interface UsageServicesOptions {
  /** The open store (ledger, budgets). */
  store: Pick<Store, 'db' | 'dialect' | 'plain'>;
  /** The config file's sections (`settings.file`): `budgets` and `prices`. @default {} */
  file?: { budgets?: Record<string, unknown>; prices?: Record<string, unknown> };
  /** `settings.redisUrl`: rate limits shared through Redis; else in this process's memory. */
  redisUrl?: string;
  /** Rate limits kept elsewhere (e.g. by a multi-process gateway's primary); beats `redisUrl`. */
  rateLimiter?: RateLimiter;
  /** Name of the upstream recorded in the ledger. */
  upstream?: string;
  /** @default silent */
  logger?: UsageLogger;
  /** @default Date.now */
  clock?: Clock;
  /** A webhook fetch (tests). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Called after each ledger row is written. */
  onRecorded?: (entry: LedgerEntry) => void;
  /** Called after each call settles: its cost and the budget left. */
  onSettled?: (settlement: BudgetSettlement) => void;
}

/** Everything the usage folder offers, wired from the settings. */
export interface UsageServices {
  config: BudgetConfig;
  prices: PriceTable;
  ledger: UsageLedger;
  book: BudgetBook;
  notifier: AlertNotifier;
  rateLimiter: RateLimiter;
  usageStage: UsageStage;
  budgetStage: Stage;
  /** `[usageStage, budgetStage]`: put them first in the client's `stages` (outside retry). */
  stages: Stage[];
  /** Waits for ledger rows and alerts in flight, then closes the rate limiter. */
  close(): Promise<void>;
}

/**
 * Builds the ledger, price table, budgets, rate limiter, runaway guard and alert notifier from the
 * settings, and the two stages that use them: the usage stage (one ledger row per upstream attempt)
 * outermost, then the budget stage (runaway guard, rate limits, reserve → settle).
 */
export function createUsageServices(options: UsageServicesOptions): UsageServices {
  const logger = options.logger ?? silentLogger;
  const config = parseBudgetConfig(options.file?.budgets);
  const prices = createPriceTable({
    overrides: (options.file?.prices ?? {}) as Record<string, Partial<ModelPrice>>,
    logger,
  });
  const ledger = createUsageLedger(options.store, options.clock);
  const notifier = createAlertNotifier({
    logger,
    ...(config.alerts?.webhookUrl ? { webhookUrl: config.alerts.webhookUrl } : {}),
    ...(config.alerts?.format ? { format: config.alerts.format } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const book = createBudgetBook({
    store: options.store,
    limits: config.limits,
    notifier,
    ...(config.timeZone ? { timeZone: config.timeZone } : {}),
    ...(config.alerts?.thresholds ? { thresholds: config.alerts.thresholds } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const rateLimiter =
    options.rateLimiter ??
    (options.redisUrl
      ? createRedisRateLimiter({ redis: options.redisUrl })
      : createMemoryRateLimiter(options.clock ? { clock: options.clock } : {}));
  const runaway = createRunawayGuard({
    ...config.runaway,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const usageStage = createUsageStage({
    ledger,
    prices,
    logger,
    ...(options.upstream ? { upstream: options.upstream } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onRecorded ? { onRecorded: options.onRecorded } : {}),
  });
  const budgetStage = createBudgetStage({
    book,
    prices,
    rateLimiter,
    rateLimits: config.rateLimits ?? {},
    runaway,
    logger,
    ...(options.onSettled ? { onSettled: options.onSettled } : {}),
  });
  return {
    config,
    prices,
    ledger,
    book,
    notifier,
    rateLimiter,
    usageStage,
    budgetStage,
    stages: [usageStage, budgetStage],
    async close() {
      await usageStage.flush();
      await notifier.flush();
      await rateLimiter.close();
    },
  };
}
