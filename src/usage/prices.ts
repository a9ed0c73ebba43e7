import { SteadyChatError } from '../errors/index.js';
import type { UsageLogger } from './usage-logger.js';

/** Price of one model, per million tokens, in `currency`. */
export interface ModelPrice {
  /** Input (prompt) tokens not served from the provider's cache. */
  input: number;
  /**
   * Input tokens served from the provider's prompt cache.
   * @default the `input` price
   */
  cachedInput?: number;
  /** Output (completion) tokens, reasoning tokens included. */
  output: number;
  /** ISO 4217 code: `USD` or `CNY`. */
  currency: string;
}

/** Token counts a cost is computed from (as in the wire `usage`). */
export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  /** Part of `promptTokens` served from cache. @default 0 */
  cachedTokens?: number;
}

/** A cost in one currency. */
export interface Cost {
  amount: number;
  currency: string;
}

const usd = (input: number, cachedInput: number | undefined, output: number): ModelPrice =>
  cachedInput === undefined
    ? { input, output, currency: 'USD' }
    : { input, cachedInput, output, currency: 'USD' };
const cny = (input: number, cachedInput: number | undefined, output: number): ModelPrice =>
  cachedInput === undefined
    ? { input, output, currency: 'CNY' }
    : { input, cachedInput, output, currency: 'CNY' };

/**
 * Built-in list prices (standard tier, per million tokens) as published by each provider in 2025.
 * Providers change prices; override any entry under `prices` in the config file. Chinese providers
 * that price in CNY are in CNY. Dated snapshots (`gpt-4o-2024-08-06`) and suffixed names resolve to
 * the longest matching entry.
 */
export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = {
  // OpenAI
  'gpt-5': usd(1.25, 0.125, 10),
  'gpt-5-mini': usd(0.25, 0.025, 2),
  'gpt-5-nano': usd(0.05, 0.005, 0.4),
  'gpt-4.1': usd(2, 0.5, 8),
  'gpt-4.1-mini': usd(0.4, 0.1, 1.6),
  'gpt-4.1-nano': usd(0.1, 0.025, 0.4),
  'gpt-4o': usd(2.5, 1.25, 10),
  'gpt-4o-2024-05-13': usd(5, undefined, 15),
  'gpt-4o-mini': usd(0.15, 0.075, 0.6),
  o1: usd(15, 7.5, 60),
  'o1-mini': usd(1.1, 0.55, 4.4),
  o3: usd(2, 0.5, 8),
  'o3-mini': usd(1.1, 0.55, 4.4),
  'o4-mini': usd(1.1, 0.275, 4.4),
  'gpt-4-turbo': usd(10, undefined, 30),
  'gpt-4': usd(30, undefined, 60),
  'gpt-3.5-turbo': usd(0.5, undefined, 1.5),
  // DeepSeek (CNY; cache hit / miss / output)
  'deepseek-chat': cny(2, 0.2, 3),
  'deepseek-reasoner': cny(2, 0.2, 3),
  // Qwen, Alibaba Cloud Model Studio (CNY; implicit cache billed at 20% of input)
  'qwen-max': cny(2.4, 0.48, 9.6),
  'qwen-plus': cny(0.8, 0.16, 2),
  'qwen-turbo': cny(0.3, 0.06, 0.6),
  'qwen-long': cny(0.5, 0.1, 2),
  // Moonshot / Kimi (CNY)
  'moonshot-v1-8k': cny(2, undefined, 10),
  'moonshot-v1-32k': cny(5, undefined, 20),
  'moonshot-v1-128k': cny(10, undefined, 30),
  'kimi-k2': cny(4, 1, 16),
  // Doubao, Volcengine Ark (CNY; the lowest input-length tier)
  'doubao-seed-1-6': cny(0.8, 0.16, 8),
  'doubao-seed-1-6-flash': cny(0.15, 0.03, 1.5),
  'doubao-1-5-pro-32k': cny(0.8, 0.16, 2),
  'doubao-1-5-lite-32k': cny(0.3, 0.06, 0.6),
};

/** Options of {@link createPriceTable}. */
export interface PriceTableOptions {
  /**
   * Entries added to or replacing the built-in ones, by model name (the config file's `prices`).
   * A partial entry (e.g. only `output`) keeps the built-in values for the rest.
   * @default {}
   */
  overrides?: Record<string, Partial<ModelPrice>>;
  /**
   * Where "unknown model, cost unknown" is said, once per model name.
   * @default silent
   */
  logger?: UsageLogger;
  /**
   * The built-in table to start from.
   * @default BUILTIN_PRICES
   */
  builtin?: Readonly<Record<string, ModelPrice>>;
}

/** Looks up prices and computes costs. */
export interface PriceTable {
  /** The price of a model, or null when unknown (never a zero price). */
  lookup(model: string): ModelPrice | null;
  /** The cost of a usage, or null when the model has no price (logged once per model). */
  cost(model: string, tokens: TokenCounts): Cost | null;
  /** Every entry, built-in and overridden, by name. */
  entries(): Record<string, ModelPrice>;
}

/**
 * Builds a price table: the built-in list prices plus the overrides. An unknown model costs `null`
 * (unknown), never 0, and the logger says so once per model.
 */
export function createPriceTable(options: PriceTableOptions = {}): PriceTable {
  const table = new Map<string, ModelPrice>(Object.entries(options.builtin ?? BUILTIN_PRICES));
  for (const [name, override] of Object.entries(options.overrides ?? {})) {
    const merged = { ...table.get(name), ...override };
    const input = Number(merged.input);
    const output = Number(merged.output);
    if (!Number.isFinite(input) || !Number.isFinite(output) || input < 0 || output < 0) {
      throw new PriceConfigError(name);
    }
    const price: ModelPrice = { input, output, currency: (merged.currency ?? 'USD').toUpperCase() };
    if (merged.cachedInput !== undefined) price.cachedInput = Number(merged.cachedInput);
    table.set(name, price);
  }
  const logger = options.logger;
  const warned = new Set<string>();
  const resolved = new Map<string, ModelPrice | null>();

  function lookup(model: string): ModelPrice | null {
    const cached = resolved.get(model);
    if (cached !== undefined) return cached;
    const found = resolve(table, model);
    if (resolved.size > 10_000) resolved.clear();
    resolved.set(model, found);
    return found;
  }

  return {
    lookup,
    cost(model, tokens) {
      const price = lookup(model);
      if (!price) {
        if (logger && !warned.has(model) && warned.size < 1000) {
          warned.add(model);
          logger.warn(
            { model },
            `No price known for model ${model}: its cost is recorded as unknown. Add it under "prices" in the config file.`,
          );
        }
        return null;
      }
      return { amount: computeCost(price, tokens), currency: price.currency };
    },
    entries: () => Object.fromEntries(table),
  };
}

/** The cost of some tokens at a price (cached input at its own rate; reasoning is part of output). */
export function computeCost(price: ModelPrice, tokens: TokenCounts): number {
  const cached = Math.min(tokens.cachedTokens ?? 0, tokens.promptTokens);
  const fresh = tokens.promptTokens - cached;
  return roundCost(
    (fresh * price.input +
      cached * (price.cachedInput ?? price.input) +
      tokens.completionTokens * price.output) /
      1e6,
  );
}

/**
 * An amount of money as people read it: 12 significant digits. Sums of binary floats carry noise in
 * their last digits (0.0000537 comes out of a sum as 0.000053700000000000004); this drops it, and
 * nothing a price per million tokens can express.
 */
export function roundCost(amount: number): number {
  return amount === 0 || !Number.isFinite(amount) ? amount : Number(amount.toPrecision(12));
}

function resolve(table: Map<string, ModelPrice>, model: string): ModelPrice | null {
  const exact = table.get(model);
  if (exact) return exact;
  const lower = model.toLowerCase();
  // `openai/gpt-4o`, `ft:gpt-4o-mini:org::id`, `Qwen-Plus`: try the bare base name too.
  const candidates = [lower];
  const slash = lower.lastIndexOf('/');
  if (slash >= 0) candidates.push(lower.slice(slash + 1));
  if (lower.startsWith('ft:')) candidates.push(lower.slice(3).split(':')[0] ?? '');
  for (const name of candidates) {
    const hit = table.get(name);
    if (hit) return hit;
  }
  let best: ModelPrice | null = null;
  let bestLength = 0;
  for (const [name, price] of table) {
    if (name.length <= bestLength) continue;
    for (const candidate of candidates) {
      if (candidate.startsWith(`${name}-`)) {
        best = price;
        bestLength = name.length;
      }
    }
  }
  return best;
}

/** A `prices` entry in the config file is not usable. */
export class PriceConfigError extends SteadyChatError {
  constructor(model: string) {
    super(
      'invalid_price',
      `The price of ${model} in the config file needs numeric, non-negative "input" and "output" (per million tokens).`,
      { hint: 'Example: "prices": { "my-model": { "input": 1, "output": 2, "currency": "USD" } }' },
    );
  }
}
