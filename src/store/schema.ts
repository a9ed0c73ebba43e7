import type { Generated } from 'kysely';

/**
 * The tables of the steadychat store, one interface per table (snake_case columns, as in SQL).
 * Timestamps are milliseconds since the epoch; JSON columns hold text. Each migration that adds a
 * table adds its interface here and a key in {@link Database}.
 */
export interface Database {
  steadychat_migrations: MigrationsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  usage_ledger: UsageLedgerTable;
  budget_limits: BudgetLimitsTable;
  change_counters: ChangeCountersTable;
  budget_counters: BudgetCountersTable;
  budget_reservations: BudgetReservationsTable;
  budget_alerts: BudgetAlertsTable;
  gateway_keys: GatewayKeysTable;
}

/** Applied schema versions (written by the migration runner). */
export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface ConversationsTable {
  id: string;
  /** Owner (end user or gateway key), when known. */
  owner: string | null;
  title: string;
  system_prompt: string | null;
  model: string;
  /** Running summary of evicted turns, or null. */
  summary: string | null;
  /** The summary covers every message with `seq <= summary_through_seq`. */
  summary_through_seq: number | null;
  summary_tokens: number | null;
  /** JSON of per-conversation memory settings, or null for defaults. */
  settings: string | null;
  /** Highest `seq` used by a message of this conversation (0 when empty). */
  last_seq: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  /** Order within the conversation, from 1. */
  seq: number;
  role: string;
  /** String content, or null. */
  content: string | null;
  /** JSON array of content parts when the content was not a plain string. */
  content_parts: string | null;
  name: string | null;
  /** JSON array of tool calls (assistant messages). */
  tool_calls: string | null;
  tool_call_id: string | null;
  /** Tokens of this message by the published chat rule (cached count). */
  token_count: number;
  /** The encoding the count was made with (a different model family recounts). */
  token_encoding: string | null;
  /** 'complete' or 'interrupted'. */
  status: string;
  /** JSON usage of the call that produced this message (assistant replies). */
  usage: string | null;
  model: string | null;
  created_at: number;
}

/** One row per upstream attempt (retries included), whatever its outcome. */
export interface UsageLedgerTable {
  id: string;
  created_at: number;
  key_id: string | null;
  user_id: string | null;
  conversation_id: string | null;
  model: string;
  /** Name of the upstream service (e.g. `openai`, `deepseek`). */
  upstream: string | null;
  /** Our request id (one per call; shared by its attempts). */
  request_id: string | null;
  upstream_request_id: string | null;
  /** 1 for the first attempt. */
  attempt: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  /** Null when the model has no known price (never 0 for "unknown"). */
  cost: number | null;
  currency: string | null;
  latency_ms: number | null;
  /** 'ok' | 'error' | 'aborted' | 'cut'. */
  outcome: string;
  error_code: string | null;
  /** 1 when the token counts were estimated (no usage from upstream). */
  estimated: number;
}

/** Counters that triggers move on every change of a table (`budget_limits`), to notice changes cheaply. */
export interface ChangeCountersTable {
  name: string;
  version: number;
}

/** Budgets set with `steadychat budget set` (they override the config file's for the same scope and period). */
export interface BudgetLimitsTable {
  /** 'global' | 'key' | 'user' | 'conversation'. */
  scope: string;
  /** The key / user / conversation id; `*` = each one (and the only id of `global`). */
  scope_id: string;
  /** 'day' | 'month'. */
  period: string;
  tokens_limit: number | null;
  cost_limit: number | null;
  currency: string | null;
  updated_at: number;
}

/** Spent and reserved amounts of one scope in one period: the rows reservations lock. */
export interface BudgetCountersTable {
  scope: string;
  scope_id: string;
  period: string;
  /** `2026-11-25` or `2026-11` in the budget's time zone. */
  period_key: string;
  used_tokens: Generated<number>;
  reserved_tokens: Generated<number>;
  used_cost: Generated<number>;
  reserved_cost: Generated<number>;
  currency: string | null;
  period_end: number;
}

/** Worst cases held by calls in flight; reclaimed once `expires_at` passes (a crashed process). */
export interface BudgetReservationsTable {
  id: string;
  created_at: number;
  expires_at: number;
  /** JSON array of the counters held and the amounts. */
  items: string;
}

/** Alert thresholds already sent, once per scope, period and threshold. */
export interface BudgetAlertsTable {
  scope: string;
  scope_id: string;
  period: string;
  period_key: string;
  unit: string;
  threshold: number;
  sent_at: number;
}

/** Gateway keys (`sc-…`): only a SHA-256 hash of the secret is stored. */
export interface GatewayKeysTable {
  id: string;
  name: string;
  /** The first characters of the key (`sc-ab12…`), to recognise it in lists. */
  prefix: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  /** JSON array of the models the key may use; null for any. */
  models: string | null;
  /** Requests per minute; null for no limit. */
  rpm: number | null;
  /** Tokens per minute; null for no limit. */
  tpm: number | null;
  /** Largest `max_tokens` / `max_completion_tokens` a request may ask for; null for no cap. */
  max_tokens: number | null;
  /** Most messages in one request; null for the gateway's default. */
  max_messages: number | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}
