export {
  type AlertNotifier,
  type AlertNotifierOptions,
  alertText,
  type BudgetAlert,
  createAlertNotifier,
  guessWebhookFormat,
  type WebhookFormat,
  webhookPayload,
} from './alert-notifier.js';
export {
  type BudgetBook,
  type BudgetBookOptions,
  type BudgetScopes,
  type BudgetStatus,
  createBudgetBook,
  type Reservation,
  type ReservationItem,
} from './budget-book.js';
export {
  type BudgetConfig,
  BudgetConfigError,
  type BudgetLimit,
  type Money,
  parseBudgetConfig,
  parseMoney,
  parseTimeZone,
} from './budget-config.js';
export {
  type BudgetExceededDetails,
  BudgetExceededError,
  type BudgetPeriod,
  type BudgetScope,
  type BudgetUnit,
} from './budget-exceeded-error.js';
export {
  type BudgetSettlement,
  type BudgetStageOptions,
  callerOf,
  createBudgetStage,
} from './budget-stage.js';
export { BudgetStoreError } from './budget-store-error.js';
export { LocalRateLimitError } from './local-rate-limit-error.js';
export { createMemoryRateLimiter, type MemoryRateLimiterOptions } from './memory-rate-limiter.js';
export { type Clock, type PeriodBounds, periodBounds, systemClock, systemTimeZone } from './period.js';
export {
  BUILTIN_PRICES,
  type Cost,
  computeCost,
  createPriceTable,
  type ModelPrice,
  PriceConfigError,
  type PriceTable,
  type PriceTableOptions,
  roundCost,
  type TokenCounts,
} from './prices.js';
export { RateLimitStoreError } from './rate-limit-store-error.js';
export type { RateDecision, RateLimiter, RateLimits } from './rate-limiter.js';
export { createRedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
export {
  createRunawayCounter,
  createRunawayGuard,
  type RunawayCounter,
  type RunawayGuard,
  type RunawayGuardOptions,
  runawayKey,
} from './runaway-guard.js';
export { RunawayRequestError } from './runaway-request-error.js';
export {
  createUsageLedger,
  emptyUsageGroup,
  type LedgerEntry,
  type UsageGroup,
  type UsageGrouping,
  type UsageLedger,
  type UsageOutcome,
  type UsageQuery,
} from './usage-ledger.js';
export { silentLogger, type UsageLogger } from './usage-logger.js';
export { createUsageServices, type UsageServices, type UsageServicesOptions } from './usage-services.js';
export { createUsageStage, type UsageStage, type UsageStageOptions } from './usage-stage.js';
