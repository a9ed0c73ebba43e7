import { SteadyChatError } from '../errors/index.js';
import type { WebhookFormat } from './alert-notifier.js';
import type { BudgetPeriod, BudgetScope } from './budget-exceeded-error.js';
import { checkTimeZone } from './period.js';
import type { RateLimits } from './rate-limiter.js';

/** An amount of money. */
export interface Money {
  amount: number;
  /** ISO 4217 code, upper case. */
  currency: string;
}

/** One budget: a limit in tokens and/or money for one scope over one period. */
export interface BudgetLimit {
  scope: BudgetScope;
  /** The key / user / conversation id; `*` = each one separately (and the only id of `global`). */
  scopeId: string;
  period: BudgetPeriod;
  /** Most tokens (prompt + completion) in the period. */
  tokens?: number;
  /** Most money in the period. */
  cost?: Money;
}

/** Everything the config file's `budgets` section can hold. */
export interface BudgetConfig {
  limits: BudgetLimit[];
  /** IANA zone the days and months are counted in. */
  timeZone?: string;
  alerts?: { thresholds?: number[]; webhookUrl?: string; format?: WebhookFormat };
  /** Per-caller rate limits: `*` applies to each caller without its own entry. */
  rateLimits?: Record<string, RateLimits>;
  runaway?: { maxRepeats?: number; windowMs?: number };
}

/** The config file's `budgets` section (or a `budget set` flag) is not usable. */
export class BudgetConfigError extends SteadyChatError {
  constructor(message: string) {
    super('invalid_budget', message, {
      hint: 'Example: "budgets": { "daily": { "scope": "global", "period": "day", "tokens": 1000000, "cost": "10USD" } }',
    });
  }
}

const SYMBOLS: Record<string, string> = { $: 'USD', '¥': 'CNY', '￥': 'CNY', '€': 'EUR' };

/** Parses `10USD`, `10 usd`, `$10`, `¥5.5`, `5CNY` or `{amount, currency}`. A bare number is USD. */
export function parseMoney(value: unknown): Money {
  if (typeof value === 'object' && value !== null) {
    const { amount, currency } = value as { amount?: unknown; currency?: unknown };
    if (
      typeof amount === 'number' &&
      amount >= 0 &&
      typeof currency === 'string' &&
      /^[a-z]{3}$/i.test(currency)
    ) {
      return { amount, currency: currency.toUpperCase() };
    }
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
    return { amount: value, currency: 'USD' };
  if (typeof value === 'string') {
    const text = value.trim();
    const symbol = SYMBOLS[text[0] ?? ''];
    const m = symbol ? /^.\s*(\d+(?:\.\d+)?)$/.exec(text) : /^(\d+(?:\.\d+)?)\s*([a-z]{3})?$/i.exec(text);
    if (m) return { amount: Number(m[1]), currency: symbol ?? (m[2] ?? 'USD').toUpperCase() };
  }
  throw new BudgetConfigError(
    `Cannot read ${JSON.stringify(value)} as money: write it like "10USD", "70CNY" or "$10".`,
  );
}

const SCOPES = new Set(['global', 'key', 'user', 'conversation']);

/**
 * Reads the config file's `budgets` section. Entries with a `scope` are limits; the reserved names
 * `timezone`, `alerts`, `rateLimits` and `runaway` hold the rest.
 */
export function parseBudgetConfig(section: Record<string, unknown> | undefined): BudgetConfig {
  const config: BudgetConfig = { limits: [] };
  for (const [name, raw] of Object.entries(section ?? {})) {
    if (name === 'timezone' || name === 'timeZone') {
      if (typeof raw !== 'string') throw new BudgetConfigError('budgets.timezone must be an IANA zone name.');
      config.timeZone = parseTimeZone(raw);
      continue;
    }
    if (typeof raw !== 'object' || raw === null) {
      throw new BudgetConfigError(`budgets.${name} must be an object.`);
    }
    const entry = raw as Record<string, unknown>;
    if (name === 'alerts') {
      const alerts: NonNullable<BudgetConfig['alerts']> = {};
      if (entry.thresholds !== undefined) {
        if (
          !Array.isArray(entry.thresholds) ||
          !entry.thresholds.every((t) => typeof t === 'number' && t > 0)
        ) {
          throw new BudgetConfigError(
            'budgets.alerts.thresholds must be a list of percentages, e.g. [50, 80, 100].',
          );
        }
        alerts.thresholds = entry.thresholds as number[];
      }
      if (typeof entry.webhook === 'string') alerts.webhookUrl = entry.webhook;
      if (typeof entry.webhookUrl === 'string') alerts.webhookUrl = entry.webhookUrl;
      if (entry.format !== undefined) {
        if (!['json', 'dingtalk', 'feishu', 'slack'].includes(String(entry.format))) {
          throw new BudgetConfigError('budgets.alerts.format must be json, dingtalk, feishu or slack.');
        }
        alerts.format = entry.format as WebhookFormat;
      }
      config.alerts = alerts;
      continue;
    }
    if (name === 'rateLimits') {
      config.rateLimits = {};
      for (const [caller, limits] of Object.entries(entry)) {
        const l = (limits ?? {}) as Record<string, unknown>;
        const rl: RateLimits = {};
        const rpm = l.requestsPerMinute ?? l.rpm;
        const tpm = l.tokensPerMinute ?? l.tpm;
        if (rpm !== undefined)
          rl.requestsPerMinute = positive(rpm, `budgets.rateLimits.${caller}.requestsPerMinute`);
        if (tpm !== undefined)
          rl.tokensPerMinute = positive(tpm, `budgets.rateLimits.${caller}.tokensPerMinute`);
        config.rateLimits[caller] = rl;
      }
      continue;
    }
    if (name === 'runaway') {
      const runaway: NonNullable<BudgetConfig['runaway']> = {};
      if (entry.maxRepeats !== undefined)
        runaway.maxRepeats = positive(entry.maxRepeats, 'budgets.runaway.maxRepeats');
      if (entry.windowSeconds !== undefined) {
        runaway.windowMs = positive(entry.windowSeconds, 'budgets.runaway.windowSeconds') * 1000;
      }
      config.runaway = runaway;
      continue;
    }
    const scope = String(entry.scope ?? 'global');
    if (!SCOPES.has(scope)) {
      throw new BudgetConfigError(`budgets.${name}.scope must be global, key, user or conversation.`);
    }
    const period = String(entry.period ?? '');
    if (period !== 'day' && period !== 'month') {
      throw new BudgetConfigError(`budgets.${name}.period must be "day" or "month".`);
    }
    const limit: BudgetLimit = {
      scope: scope as BudgetScope,
      scopeId: scope === 'global' ? '*' : String(entry.id ?? '*'),
      period,
    };
    if (entry.tokens !== undefined) limit.tokens = positive(entry.tokens, `budgets.${name}.tokens`);
    if (entry.cost !== undefined) limit.cost = parseMoney(entry.cost);
    if (limit.tokens === undefined && limit.cost === undefined) {
      throw new BudgetConfigError(`budgets.${name} needs "tokens", "cost" or both.`);
    }
    config.limits.push(limit);
  }
  return config;
}

/** Checks an IANA zone name. */
export function parseTimeZone(zone: string): string {
  try {
    return checkTimeZone(zone);
  } catch {
    throw new BudgetConfigError(
      `Unknown time zone ${JSON.stringify(zone)}: use an IANA name like "Asia/Shanghai".`,
    );
  }
}

function positive(value: unknown, where: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new BudgetConfigError(`${where} must be a non-negative number.`);
  }
  return n;
}
