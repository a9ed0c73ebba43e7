import { sql } from 'kysely';
import { type Store, timeOrderedId } from '../store/index.js';
import { periodBounds, systemTimeZone } from './period.js';
import { roundCost } from './prices.js';
import { writeTransaction } from './write-transaction.js';

/** How an upstream attempt ended. `cut`: the stream broke off midway; `aborted`: the caller stopped. */
export type UsageOutcome = 'ok' | 'error' | 'aborted' | 'cut';

/** One upstream attempt, as recorded in the ledger. */
export interface LedgerEntry {
  /** Epoch ms when the attempt ended. */
  at: number;
  keyId?: string | undefined;
  userId?: string | undefined;
  conversationId?: string | undefined;
  model: string;
  /** Upstream service name (`openai`, `deepseek`, …). */
  upstream?: string | undefined;
  /** Our request id, shared by the attempts of one call. */
  requestId?: string | undefined;
  upstreamRequestId?: string | undefined;
  /** 1 for the first attempt. */
  attempt: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Null when the model has no known price. */
  cost: number | null;
  currency: string | null;
  latencyMs: number | null;
  outcome: UsageOutcome;
  /** The error's `code`, when the attempt failed. */
  errorCode?: string | undefined;
  /** True when the counts are steadychat's estimate (upstream reported no usage). */
  estimated: boolean;
}

/** What to group usage by. */
export type UsageGrouping = 'day' | 'model' | 'key' | 'user' | 'conversation';

/** A usage query. */
export interface UsageQuery {
  /** Epoch ms, inclusive. @default 7 days ago */
  since?: number;
  /** Epoch ms, exclusive. @default now (the current millisecond included) */
  until?: number;
  /** @default 'day' */
  by?: UsageGrouping;
  /** Zone of the days when grouping by day. @default the system's */
  timeZone?: string;
  keyId?: string;
  userId?: string;
  conversationId?: string;
}

/** Totals of one group. Costs are per currency; attempts of unpriced models are counted apart. */
export interface UsageGroup {
  /** The day (`2026-11-25`), model, key, user or conversation; `(none)` when unset. */
  group: string;
  attempts: number;
  /** Attempts that did not end `ok`. */
  failed: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  /** Known cost by currency. */
  cost: Record<string, number>;
  /** Attempts whose cost is unknown (no price). */
  unpriced: number;
}

/** A group with nothing counted yet. */
export function emptyUsageGroup(group: string): UsageGroup {
  return {
    group,
    attempts: 0,
    failed: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    totalTokens: 0,
    cost: {},
    unpriced: 0,
  };
}

/** The usage ledger: one row per upstream attempt. */
export interface UsageLedger {
  record(entry: LedgerEntry): Promise<void>;
  /** Totals by day / model / key / user / conversation, in group order. */
  summarize(query?: UsageQuery): Promise<UsageGroup[]>;
  /** Raw rows, newest first. */
  entries(query?: UsageQuery & { limit?: number }): Promise<LedgerEntry[]>;
}

const INSERT_ENTRY = `insert into usage_ledger (id, created_at, key_id, user_id, conversation_id, model,
  upstream, request_id, upstream_request_id, attempt, prompt_tokens, completion_tokens, cached_tokens,
  reasoning_tokens, cost, currency, latency_ms, outcome, error_code, estimated)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const COLUMN = { model: 'model', key: 'key_id', user: 'user_id', conversation: 'conversation_id' } as const;

/** The ledger over a store (the same code on SQLite and PostgreSQL). */
export function createUsageLedger(
  store: Pick<Store, 'db' | 'dialect' | 'plain'>,
  clock: () => number = Date.now,
): UsageLedger {
  const { db } = store;

  function filtered(query: UsageQuery) {
    // By default up to now inclusive: a row written this very millisecond counts.
    const until = query.until ?? clock() + 1;
    const since = query.since ?? until - 7 * 86_400_000;
    let q = db.selectFrom('usage_ledger').where('created_at', '>=', since).where('created_at', '<', until);
    if (query.keyId !== undefined) q = q.where('key_id', '=', query.keyId);
    if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
    if (query.conversationId !== undefined) q = q.where('conversation_id', '=', query.conversationId);
    return q;
  }

  return {
    async record(e) {
      // Plain SQL: one row per upstream attempt is the hottest write; Kysely would cost more to
      // compile the query than the insert costs to run. A write transaction: on SQLite it joins the group
      // commit of the other calls' rows, reservations and settlements.
      await writeTransaction(store, (_db, plain) =>
        plain.run(INSERT_ENTRY, [
          timeOrderedId(e.at),
          e.at,
          e.keyId ?? null,
          e.userId ?? null,
          e.conversationId ?? null,
          e.model,
          e.upstream ?? null,
          e.requestId ?? null,
          e.upstreamRequestId ?? null,
          e.attempt,
          e.promptTokens,
          e.completionTokens,
          e.cachedTokens,
          e.reasoningTokens,
          e.cost,
          e.cost === null ? null : e.currency,
          e.latencyMs === null ? null : Math.round(e.latencyMs),
          e.outcome,
          e.errorCode ?? null,
          e.estimated ? 1 : 0,
        ]),
      );
    },

    async summarize(query = {}) {
      const by = query.by ?? 'day';
      // Days are folded from 15-minute buckets in JS, so any zone (DST, +05:45) works on both dialects.
      const groupExpr = by === 'day' ? sql<string>`created_at / 900000` : sql<string>`${sql.ref(COLUMN[by])}`;
      const rows = await filtered(query)
        .select([
          groupExpr.as('g'),
          'currency',
          sql<number>`count(*)`.as('attempts'),
          sql<number>`sum(case when outcome = 'ok' then 0 else 1 end)`.as('failed'),
          sql<number>`sum(prompt_tokens)`.as('prompt'),
          sql<number>`sum(completion_tokens)`.as('completion'),
          sql<number>`sum(cached_tokens)`.as('cached'),
          sql<number>`sum(reasoning_tokens)`.as('reasoning'),
          sql<number | null>`sum(cost)`.as('cost'),
          sql<number>`sum(case when cost is null then 1 else 0 end)`.as('unpriced'),
        ])
        .groupBy([groupExpr, 'currency'])
        .execute();
      const zone = query.timeZone ?? systemTimeZone();
      const groups = new Map<string, UsageGroup>();
      for (const row of rows) {
        const name =
          by === 'day'
            ? periodBounds('day', Number(row.g) * 900_000, zone).key
            : row.g === null || row.g === undefined
              ? '(none)'
              : String(row.g);
        let g = groups.get(name);
        if (!g) {
          g = emptyUsageGroup(name);
          groups.set(name, g);
        }
        g.attempts += Number(row.attempts);
        g.failed += Number(row.failed);
        g.promptTokens += Number(row.prompt ?? 0);
        g.completionTokens += Number(row.completion ?? 0);
        g.cachedTokens += Number(row.cached ?? 0);
        g.reasoningTokens += Number(row.reasoning ?? 0);
        g.totalTokens = g.promptTokens + g.completionTokens;
        g.unpriced += Number(row.unpriced);
        if (row.currency && row.cost !== null)
          g.cost[row.currency] = (g.cost[row.currency] ?? 0) + Number(row.cost);
      }
      const out = [...groups.values()];
      for (const g of out)
        for (const currency of Object.keys(g.cost)) g.cost[currency] = roundCost(g.cost[currency]!);
      return by === 'day'
        ? out.sort((a, b) => a.group.localeCompare(b.group))
        : out.sort((a, b) => b.totalTokens - a.totalTokens || a.group.localeCompare(b.group));
    },

    async entries(query = {}) {
      const rows = await filtered(query)
        .selectAll()
        .orderBy('created_at', 'desc')
        .limit(query.limit ?? 1000)
        .execute();
      return rows.map((r) => ({
        at: Number(r.created_at),
        keyId: r.key_id ?? undefined,
        userId: r.user_id ?? undefined,
        conversationId: r.conversation_id ?? undefined,
        model: r.model,
        upstream: r.upstream ?? undefined,
        requestId: r.request_id ?? undefined,
        upstreamRequestId: r.upstream_request_id ?? undefined,
        attempt: Number(r.attempt),
        promptTokens: Number(r.prompt_tokens),
        completionTokens: Number(r.completion_tokens),
        cachedTokens: Number(r.cached_tokens),
        reasoningTokens: Number(r.reasoning_tokens),
        cost: r.cost === null ? null : Number(r.cost),
        currency: r.currency,
        latencyMs: r.latency_ms === null ? null : Number(r.latency_ms),
        outcome: r.outcome as UsageOutcome,
        errorCode: r.error_code ?? undefined,
        estimated: Number(r.estimated) === 1,
      }));
    },
  };
}
