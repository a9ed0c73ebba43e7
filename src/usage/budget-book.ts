import { type Kysely, sql } from 'kysely';
import { type Database, type PlainSql, type Store, timeOrderedId } from '../store/index.js';
import type { AlertNotifier } from './alert-notifier.js';
import type { BudgetLimit, Money } from './budget-config.js';
import {
  BudgetExceededError,
  type BudgetPeriod,
  type BudgetScope,
  type BudgetUnit,
} from './budget-exceeded-error.js';
import { type Clock, periodBounds, systemClock, systemTimeZone } from './period.js';
import { type Cost, roundCost } from './prices.js';
import { writeTransaction } from './write-transaction.js';

/** Who a call is charged to (the ids of the call context). */
export interface BudgetScopes {
  keyId?: string | undefined;
  userId?: string | undefined;
  conversationId?: string | undefined;
}

/** One counter a reservation holds, and how much. */
export interface ReservationItem {
  scope: BudgetScope;
  scopeId: string;
  period: BudgetPeriod;
  periodKey: string;
  periodEnd: number;
  tokens: number;
  cost: number;
  tokensLimit: number | null;
  costLimit: number | null;
  currency: string | null;
}

/** A worst case held in the store until the call settles (or the lease expires). */
export interface Reservation {
  /** Null when no budget applied (nothing was held). */
  id: string | null;
  items: ReservationItem[];
  expiresAt: number;
  /** The worst case that was reserved. */
  tokens: number;
  cost: Cost | null;
}

/** The state of one budget in its current period. */
export interface BudgetStatus {
  scope: BudgetScope;
  /** The actual id (for a `*` budget, one row per id that has spent this period). */
  scopeId: string;
  period: BudgetPeriod;
  periodKey: string;
  resetsAt: number;
  tokensLimit: number | null;
  costLimit: Money | null;
  usedTokens: number;
  reservedTokens: number;
  usedCost: number;
  reservedCost: number;
  /** Where the limit comes from. */
  source: 'config' | 'store';
}

/** Options of {@link createBudgetBook}. */
export interface BudgetBookOptions {
  /** The store (SQLite or PostgreSQL) holding counters and reservations. */
  store: Pick<Store, 'db' | 'dialect' | 'plain'>;
  /**
   * Budgets from the config file; those set in the store (`steadychat budget set`) override them
   * for the same scope, id and period.
   * @default []
   */
  limits?: readonly BudgetLimit[];
  /**
   * IANA zone the days and months are counted in.
   * @default the system's
   */
  timeZone?: string;
  /** @default Date.now */
  clock?: Clock;
  /**
   * How long a reservation holds before it is considered abandoned (its process died) and reclaimed.
   * Must exceed the longest call.
   * @default 900000 (15 min)
   */
  leaseMs?: number;
  /**
   * Units of each currency per 1 USD, to charge a cost to a budget in another currency.
   * @default { USD: 1, CNY: 7.1 }
   */
  exchangeRates?: Record<string, number>;
  /**
   * Alert thresholds, in percent of a limit.
   * @default [50, 80, 100]
   */
  thresholds?: readonly number[];
  /** Receives each threshold crossed (once per scope, period and threshold). */
  notifier?: AlertNotifier;
}

/** Atomic reserve → settle bookkeeping of budgets in the shared store. */
export interface BudgetBook {
  /**
   * Holds the worst case on every budget that applies, atomically; throws
   * {@link BudgetExceededError} (and holds nothing) when any of them cannot fit it.
   */
  reserve(input: {
    scopes: BudgetScopes;
    model: string;
    tokens: number;
    cost: Cost | null;
  }): Promise<Reservation>;
  /** Releases the hold and charges the real usage. Call exactly once per reservation. */
  settle(reservation: Reservation, actual: { tokens: number; cost: Cost | null }): Promise<void>;
  /** Releases reservations whose lease expired; returns how many. */
  reclaimExpired(): Promise<number>;
  /** The budgets in force (config merged with the store). */
  limits(): Promise<Array<BudgetLimit & { source: 'config' | 'store' }>>;
  /** Sets (or, with `null`, removes) a budget in the store; fields left undefined keep their value. */
  setLimit(change: {
    scope: BudgetScope;
    scopeId: string;
    period: BudgetPeriod;
    tokens?: number | null;
    cost?: Money | null;
  }): Promise<void>;
  /** Budgets and their use this period: all of them, or those applying to some scopes. */
  status(scopes?: BudgetScopes): Promise<BudgetStatus[]>;
  readonly timeZone: string;
}

const EPSILON = 1e-9;
const LIMITS_VERSION_SQL = "select version from change_counters where name = 'budget_limits'";
const UNITS: readonly BudgetUnit[] = ['tokens', 'cost'];

/** Charges the usage to a counter and takes its hold back (a settlement, or a lease reclaimed). */
const RELEASE_SQL = `update budget_counters
  set reserved_tokens = reserved_tokens - ?, reserved_cost = reserved_cost - ?,
    used_tokens = used_tokens + ?, used_cost = used_cost + ?
  where scope = ? and scope_id = ? and period = ? and period_key = ?`;

const RELEASE_RETURNING_SQL = `${RELEASE_SQL} returning used_tokens, used_cost`;

const HOLD_SQL = `update budget_counters
  set reserved_tokens = reserved_tokens + ?, reserved_cost = reserved_cost + ?
  where scope = ? and scope_id = ? and period = ? and period_key = ?`;

const TOKENS_CHECK = ' and used_tokens + reserved_tokens + ? <= ?';
const COST_CHECK = ' and used_cost + reserved_cost + ? <= ?';
/** The texts of the conditional hold, by [has a token limit][has a cost limit] (each text made once). */
const HOLD_TEXTS = [
  [HOLD_SQL, HOLD_SQL + COST_CHECK],
  [HOLD_SQL + TOKENS_CHECK, HOLD_SQL + TOKENS_CHECK + COST_CHECK],
] as const;

/** The conditional hold on a counter: it changes no row when the budget cannot cover the item. */
function holdSql(item: ReservationItem): string {
  return HOLD_TEXTS[item.tokensLimit === null ? 0 : 1][item.costLimit === null ? 0 : 1];
}

function holdParams(item: ReservationItem): unknown[] {
  const params: unknown[] = [item.tokens, item.cost, item.scope, item.scopeId, item.period, item.periodKey];
  if (item.tokensLimit !== null) params.push(item.tokens, item.tokensLimit);
  if (item.costLimit !== null) params.push(item.cost, item.costLimit + EPSILON);
  return params;
}

/**
 * Bumped on each budget a book in this process sets, on any store: the other books re-read their
 * limits at once (another process's change is seen through the store's change counter for
 * `budget_limits`, from the next turn of the event loop; see limits()).
 */
let limitGeneration = 0;

/** Creates the budget bookkeeping over a store. */
export function createBudgetBook(options: BudgetBookOptions): BudgetBook {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const timeZone = options.timeZone ?? systemTimeZone();
  const leaseMs = options.leaseMs ?? 900_000;
  const rates = { USD: 1, CNY: 7.1, ...options.exchangeRates } as Record<string, number>;
  const thresholds = [...(options.thresholds ?? [50, 80, 100])].sort((a, b) => a - b);
  const configLimits = options.limits ?? [];
  const alerting = options.notifier !== undefined && thresholds.length > 0;
  let lastReclaim = 0;

  function convert(cost: Cost, to: string): number | null {
    if (cost.currency === to) return cost.amount;
    const from = rates[cost.currency];
    const into = rates[to];
    if (!from || !into) return null;
    return (cost.amount / from) * into;
  }

  let cachedLimits:
    | { generation: number; version: number; value: Array<BudgetLimit & { source: 'config' | 'store' }> }
    | undefined;
  // This turn's look at the budgets in force, shared by the reservations that start in the turn.
  let turnLimits: Promise<Array<BudgetLimit & { source: 'config' | 'store' }>> | undefined;
  let turnGeneration = -1;
  const endTurn = () => {
    turnLimits = undefined;
  };

  /**
   * The budgets in force. Every reservation needs them; on SQLite they are re-read only when the
   * `budget_limits` change counter moved (triggers move it on every change of that table, whoever
   * writes: another gateway's ledger rows on the same file do not) or a book in this process set one.
   * The reservations that start in one turn of the event loop (a busy gateway starts several) share
   * one check: they are as good as simultaneous. PostgreSQL has no such cheap check: read every time.
   */
  function limits(): Promise<Array<BudgetLimit & { source: 'config' | 'store' }>> {
    if (store.dialect !== 'sqlite') return readLimits();
    if (turnLimits === undefined) setImmediate(endTurn);
    else if (turnGeneration === limitGeneration) return turnLimits;
    turnGeneration = limitGeneration;
    turnLimits = checkedLimits(limitGeneration);
    return turnLimits;
  }

  async function checkedLimits(
    generation: number,
  ): Promise<Array<BudgetLimit & { source: 'config' | 'store' }>> {
    const version = await limitsVersion();
    if (cachedLimits?.generation === generation && cachedLimits.version === version)
      return cachedLimits.value;
    const value = await readLimits();
    cachedLimits = { generation, version, value };
    return value;
  }

  /** The `budget_limits` change counter; NaN (never equal: read the budgets every time) when unknown. */
  async function limitsVersion(): Promise<number> {
    try {
      const { rows } = await store.plain.run<{ version: number }>(LIMITS_VERSION_SQL, []);
      return rows.length === 1 ? Number(rows[0]!.version) : Number.NaN;
    } catch {
      // A store not migrated this far (opened without migrations): no counter to trust.
      return Number.NaN;
    }
  }

  async function readLimits(): Promise<Array<BudgetLimit & { source: 'config' | 'store' }>> {
    const merged = new Map<string, BudgetLimit & { source: 'config' | 'store' }>();
    for (const l of configLimits)
      merged.set(`${l.scope}\0${l.scopeId}\0${l.period}`, { ...l, source: 'config' });
    const rows = await store.db.selectFrom('budget_limits').selectAll().execute();
    for (const row of rows) {
      const limit: BudgetLimit & { source: 'store' } = {
        scope: row.scope as BudgetScope,
        scopeId: row.scope_id,
        period: row.period as BudgetPeriod,
        source: 'store',
      };
      if (row.tokens_limit !== null) limit.tokens = Number(row.tokens_limit);
      if (row.cost_limit !== null)
        limit.cost = { amount: Number(row.cost_limit), currency: row.currency ?? 'USD' };
      merged.set(`${row.scope}\0${row.scope_id}\0${row.period}`, limit);
    }
    return [...merged.values()].filter((l) => l.tokens !== undefined || l.cost !== undefined);
  }

  /** The budgets that apply to a call: for each scope and period, an id's own budget beats `*`. */
  function applicable<T extends BudgetLimit>(all: T[], scopes: BudgetScopes): Array<T & { id: string }> {
    const ids: Record<BudgetScope, string | undefined> = {
      global: '*',
      key: scopes.keyId,
      user: scopes.userId,
      conversation: scopes.conversationId,
    };
    const chosen = new Map<string, T & { id: string }>();
    for (const l of all) {
      const id = ids[l.scope];
      if (id === undefined) continue;
      const slot = `${l.scope}\0${l.period}`;
      if (l.scope === 'global' || l.scopeId === id) chosen.set(slot, { ...l, id });
      else if (l.scopeId === '*' && !chosen.has(slot)) chosen.set(slot, { ...l, id });
    }
    return [...chosen.values()];
  }

  type Applying = Array<BudgetLimit & { source: 'config' | 'store'; id: string }>;
  // The budgets that applied to recent callers under the budgets in force (reset when those change):
  // a busy key asks for the same ones on every call. Nested by id, so no id can pose as another.
  let applying:
    | {
        all: object;
        size: number;
        byKey: Map<string | undefined, Map<string | undefined, Map<string | undefined, Applying>>>;
      }
    | undefined;

  function applicableNow(
    all: Array<BudgetLimit & { source: 'config' | 'store' }>,
    scopes: BudgetScopes,
  ): Applying {
    // PostgreSQL reads the budgets afresh for every call: nothing to keep.
    if (store.dialect !== 'sqlite') return applicable(all, scopes);
    if (applying?.all !== all || applying.size > 10_000) applying = { all, size: 0, byKey: new Map() };
    let byUser = applying.byKey.get(scopes.keyId);
    if (!byUser) {
      byUser = new Map();
      applying.byKey.set(scopes.keyId, byUser);
    }
    let byConversation = byUser.get(scopes.userId);
    if (!byConversation) {
      byConversation = new Map();
      byUser.set(scopes.userId, byConversation);
    }
    let chosen = byConversation.get(scopes.conversationId);
    if (!chosen) {
      chosen = applicable(all, scopes);
      byConversation.set(scopes.conversationId, chosen);
      applying.size++;
    }
    return chosen;
  }

  // Counter rows known to exist (they are never deleted while a period runs): skipping their insert
  // keeps the locked part of a reservation to the conditional UPDATEs and the commit.
  const knownCounters = new Set<string>();

  async function ensureCounters(
    db: Kysely<Database>,
    items: ReservationItem[],
    force = false,
  ): Promise<void> {
    for (const item of items) {
      const key = counterKey(item);
      if (!force && knownCounters.has(key)) continue;
      const inserted = await db
        .insertInto('budget_counters')
        .values({
          scope: item.scope,
          scope_id: item.scopeId,
          period: item.period,
          period_key: item.periodKey,
          currency: item.currency,
          period_end: item.periodEnd,
        })
        .onConflict((oc) => oc.columns(['scope', 'scope_id', 'period', 'period_key']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) await seedFromLedger(db, item);
      if (knownCounters.size > 10_000) knownCounters.clear();
      knownCounters.add(key);
    }
  }

  /**
   * A new counter starts from what the ledger already holds for its scope since the period began, so
   * a budget set in the middle of the day counts the day's earlier spending.
   */
  async function seedFromLedger(db: Kysely<Database>, item: ReservationItem): Promise<void> {
    const { tokens, cost } = await ledgerUse(db, item);
    if (tokens === 0 && cost === 0) return;
    await db
      .updateTable('budget_counters')
      .set((eb) => ({ used_tokens: eb('used_tokens', '+', tokens), used_cost: eb('used_cost', '+', cost) }))
      .where('scope', '=', item.scope)
      .where('scope_id', '=', item.scopeId)
      .where('period', '=', item.period)
      .where('period_key', '=', item.periodKey)
      .execute();
  }

  /** Tokens and cost (in the budget's currency) the ledger holds for a scope in a period. */
  async function ledgerUse(
    db: Kysely<Database>,
    item: Pick<ReservationItem, 'scope' | 'scopeId' | 'period' | 'periodEnd' | 'currency'>,
  ): Promise<{ tokens: number; cost: number }> {
    const start = periodBounds(item.period, item.periodEnd - 1, timeZone).start;
    let q = db
      .selectFrom('usage_ledger')
      .select([
        'currency',
        sql<number>`coalesce(sum(prompt_tokens + completion_tokens), 0)`.as('tokens'),
        sql<number | null>`sum(cost)`.as('cost'),
      ])
      .where('created_at', '>=', start)
      .where('created_at', '<', item.periodEnd);
    if (item.scope === 'key') q = q.where('key_id', '=', item.scopeId);
    if (item.scope === 'user') q = q.where('user_id', '=', item.scopeId);
    if (item.scope === 'conversation') q = q.where('conversation_id', '=', item.scopeId);
    const rows = await q.groupBy('currency').execute();
    let tokens = 0;
    let cost = 0;
    for (const row of rows) {
      tokens += Number(row.tokens);
      if (item.currency && row.currency && row.cost !== null) {
        cost += convert({ amount: Number(row.cost), currency: row.currency }, item.currency) ?? 0;
      }
    }
    return { tokens, cost };
  }

  async function tryReserve(input: {
    scopes: BudgetScopes;
    model: string;
    tokens: number;
    cost: Cost | null;
  }): Promise<Reservation> {
    const now = clock();
    const items: ReservationItem[] = [];
    for (const l of applicableNow(await limits(), input.scopes)) {
      const bounds = periodBounds(l.period, now, timeZone);
      let cost = 0;
      if (l.cost) {
        const converted = input.cost ? convert(input.cost, l.cost.currency) : null;
        if (converted === null) {
          throw new BudgetExceededError({
            scope: l.scope,
            scopeId: l.id,
            period: l.period,
            periodKey: bounds.key,
            unit: 'cost',
            limit: l.cost.amount,
            used: 0,
            reserved: 0,
            requested: 0,
            currency: l.cost.currency,
            resetsAt: bounds.end,
            reason: 'unknown_price',
            model: input.model,
          });
        }
        cost = converted;
      }
      items.push({
        scope: l.scope,
        scopeId: l.id,
        period: l.period,
        periodKey: bounds.key,
        periodEnd: bounds.end,
        tokens: input.tokens,
        cost,
        tokensLimit: l.tokens ?? null,
        costLimit: l.cost?.amount ?? null,
        currency: l.cost?.currency ?? null,
      });
    }
    const reservation: Reservation = {
      id: null,
      items,
      expiresAt: now + leaseMs,
      tokens: input.tokens,
      cost: input.cost,
    };
    if (items.length === 0) return reservation;
    // One lock order for every transaction (see lockOrder), so concurrent ones never deadlock.
    if (items.length > 1) items.sort(lockOrder);
    const id = timeOrderedId(now);
    await ensureCounters(store.db, items);
    await writeTransaction(store, async (db, plain) => {
      // The reservation row first: it locks no counter.
      await plain.run(
        'insert into budget_reservations (id, created_at, expires_at, items) values (?, ?, ?, ?)',
        [id, now, now + leaseMs, JSON.stringify(items)],
      );
      for (const item of items) {
        // The check and the increment are one statement: on PostgreSQL the row lock taken by the
        // UPDATE makes a concurrent one wait and re-evaluate the WHERE against the committed value;
        // on SQLite the whole transaction holds the write lock (BEGIN IMMEDIATE).
        const hold = () => plain.run(holdSql(item), holdParams(item));
        let result = await hold();
        if (result.changes === 0 && !(await counterExists(db, item))) {
          await ensureCounters(db, [item], true);
          result = await hold();
        }
        if (result.changes === 0) throw await refusal(db, item, input.model);
      }
    });
    reservation.id = id;
    return reservation;
  }

  async function counterExists(db: Kysely<Database>, item: ReservationItem): Promise<boolean> {
    const row = await db
      .selectFrom('budget_counters')
      .select('period_end')
      .where('scope', '=', item.scope)
      .where('scope_id', '=', item.scopeId)
      .where('period', '=', item.period)
      .where('period_key', '=', item.periodKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  async function refusal(
    db: Kysely<Database>,
    item: ReservationItem,
    model: string,
  ): Promise<BudgetExceededError> {
    const row = await db
      .selectFrom('budget_counters')
      .selectAll()
      .where('scope', '=', item.scope)
      .where('scope_id', '=', item.scopeId)
      .where('period', '=', item.period)
      .where('period_key', '=', item.periodKey)
      .executeTakeFirstOrThrow();
    const usedTokens = Number(row.used_tokens);
    const reservedTokens = Number(row.reserved_tokens);
    const tokensShort =
      item.tokensLimit !== null && usedTokens + reservedTokens + item.tokens > item.tokensLimit;
    // Re-read after the failed attempt, a concurrent settlement may already have freed tokens: a
    // budget without a money limit is still refused on tokens.
    const unit: BudgetUnit = tokensShort || item.costLimit === null ? 'tokens' : 'cost';
    const details =
      unit === 'tokens'
        ? { limit: item.tokensLimit!, used: usedTokens, reserved: reservedTokens, requested: item.tokens }
        : {
            limit: item.costLimit!,
            used: Number(row.used_cost),
            reserved: Number(row.reserved_cost),
            requested: item.cost,
            currency: item.currency ?? 'USD',
          };
    return new BudgetExceededError({
      scope: item.scope,
      scopeId: item.scopeId,
      period: item.period,
      periodKey: item.periodKey,
      unit,
      resetsAt: item.periodEnd,
      reason: 'limit',
      model,
      ...details,
    });
  }

  async function reclaimExpired(): Promise<number> {
    const now = clock();
    lastReclaim = now;
    const expired = await store.db
      .selectFrom('budget_reservations')
      .select('id')
      .where('expires_at', '<', now)
      .limit(1000)
      .execute();
    let count = 0;
    for (const { id } of expired) {
      const released = await writeTransaction(store, async (db, plain) => {
        const row = await db
          .selectFrom('budget_reservations')
          .select('items')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) return false;
        await db.deleteFrom('budget_reservations').where('id', '=', id).execute();
        await release(plain, JSON.parse(row.items) as ReservationItem[], true);
        return true;
      });
      if (released) count++;
    }
    return count;
  }

  /**
   * Releases a hold and charges the usage; returns each counter's `used_*` after the update (read by
   * the UPDATE itself, for the threshold alerts), `undefined` for a counter that does not exist.
   */
  async function release(
    plain: PlainSql,
    items: ReservationItem[],
    held: boolean,
    actual?: Array<[number, number]>,
  ): Promise<Array<{ used_tokens: number; used_cost: number } | undefined>> {
    const after: Array<{ used_tokens: number; used_cost: number } | undefined> = [];
    // The counters after the update are read only for the alerts (RETURNING costs a result set).
    const text = alerting ? RELEASE_RETURNING_SQL : RELEASE_SQL;
    for (const [i, item] of items.entries()) {
      const [tokens, cost] = actual?.[i] ?? [0, 0];
      const returned = await plain.run<{ used_tokens: number; used_cost: number }>(text, [
        held ? item.tokens : 0,
        held ? item.cost : 0,
        tokens,
        cost,
        item.scope,
        item.scopeId,
        item.period,
        item.periodKey,
      ]);
      after.push(returned.rows[0]);
    }
    return after;
  }

  /**
   * The thresholds a settlement made a counter cross, sent once each; `undefined` (and nothing
   * allocated) when it crossed none, which is almost every call.
   */
  function alertCrossings(
    items: ReservationItem[],
    added: Array<[number, number]>,
    after: Array<{ used_tokens: number; used_cost: number } | undefined>,
  ): Promise<void> | undefined {
    if (!alerting) return undefined;
    let due: Array<[ReservationItem, BudgetUnit, number, number, number]> | undefined;
    for (let i = 0; i < items.length; i++) {
      const row = after[i];
      if (!row) continue;
      const item = items[i]!;
      for (const unit of UNITS) {
        const limit = unit === 'tokens' ? item.tokensLimit : item.costLimit;
        if (limit === null || limit <= 0) continue;
        const used = Number(unit === 'tokens' ? row.used_tokens : row.used_cost);
        const before = used - (added[i]?.[unit === 'tokens' ? 0 : 1] ?? 0);
        for (const t of thresholds) {
          if (used * 100 < t * limit - EPSILON || before * 100 >= t * limit) continue;
          due ??= [];
          due.push([item, unit, t, used, limit]);
        }
      }
    }
    return due && sendAll(due);
  }

  async function sendAll(due: Array<[ReservationItem, BudgetUnit, number, number, number]>): Promise<void> {
    for (const [item, unit, threshold, used, limit] of due)
      await sendOnce(item, unit, threshold, used, limit);
  }

  async function sendOnce(
    item: ReservationItem,
    unit: BudgetUnit,
    threshold: number,
    used: number,
    limit: number,
  ) {
    const result = await store.db
      .insertInto('budget_alerts')
      .values({
        scope: item.scope,
        scope_id: item.scopeId,
        period: item.period,
        period_key: item.periodKey,
        unit,
        threshold,
        sent_at: clock(),
      })
      .onConflict((oc) =>
        oc.columns(['scope', 'scope_id', 'period', 'period_key', 'unit', 'threshold']).doNothing(),
      )
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return;
    const alert = {
      scope: item.scope,
      scopeId: item.scopeId,
      period: item.period,
      periodKey: item.periodKey,
      unit,
      threshold,
      used,
      limit,
      at: clock(),
    };
    options.notifier?.notify(
      unit === 'cost' && item.currency ? { ...alert, currency: item.currency } : alert,
    );
  }

  return {
    timeZone,
    async reserve(input) {
      if (clock() - lastReclaim > 10_000) await reclaimExpired();
      try {
        return await tryReserve(input);
      } catch (error) {
        if (!(error instanceof BudgetExceededError) || error.details.reason !== 'limit') throw error;
        // A dead process may still hold part of the budget: reclaim, then try once more.
        if ((await reclaimExpired()) > 0) return tryReserve(input).catch((e) => refused(e));
        return refused(error);
      }
    },
    async settle(reservation, actual) {
      if (reservation.items.length === 0 || reservation.id === null) return;
      const amounts = reservation.items.map((item): [number, number] => {
        // An unpriceable actual cost is charged at the reserved worst case (never as free).
        const cost = !item.currency
          ? 0
          : actual.cost
            ? (convert(actual.cost, item.currency) ?? item.cost)
            : item.cost;
        return [actual.tokens, cost];
      });
      const id = reservation.id;
      const after = await writeTransaction(store, async (_db, plain) => {
        const deleted = await plain.run('delete from budget_reservations where id = ?', [id]);
        // Not found: the lease expired and the hold was reclaimed already; charge the usage only.
        return release(plain, reservation.items, deleted.changes > 0, amounts);
      });
      const alerts = alertCrossings(reservation.items, amounts, after);
      if (alerts) await alerts.catch(() => undefined);
    },
    reclaimExpired,
    limits,
    async setLimit(change) {
      const current = (await limits()).find(
        (l) => l.scope === change.scope && l.scopeId === change.scopeId && l.period === change.period,
      );
      const tokens = change.tokens === undefined ? (current?.tokens ?? null) : change.tokens;
      const cost = change.cost === undefined ? (current?.cost ?? null) : change.cost;
      const values = {
        scope: change.scope,
        scope_id: change.scope === 'global' ? '*' : change.scopeId,
        period: change.period,
        tokens_limit: tokens,
        cost_limit: cost?.amount ?? null,
        currency: cost?.currency ?? null,
        updated_at: clock(),
      };
      await store.db
        .insertInto('budget_limits')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['scope', 'scope_id', 'period']).doUpdateSet({
            tokens_limit: values.tokens_limit,
            cost_limit: values.cost_limit,
            currency: values.currency,
            updated_at: values.updated_at,
          }),
        )
        .execute();
      limitGeneration++;
    },
    async status(scopes) {
      const now = clock();
      const all = await limits();
      const chosen: Array<BudgetLimit & { source: 'config' | 'store'; id: string }> = scopes
        ? applicable(all, scopes)
        : [];
      if (!scopes) {
        for (const l of all) {
          if (l.scope === 'global' || l.scopeId !== '*') {
            chosen.push({ ...l, id: l.scopeId });
            continue;
          }
          // A budget for each id: one row per id that has a counter this period (and no own budget).
          const key = periodBounds(l.period, now, timeZone).key;
          const rows = await store.db
            .selectFrom('budget_counters')
            .select('scope_id')
            .where('scope', '=', l.scope)
            .where('period', '=', l.period)
            .where('period_key', '=', key)
            .execute();
          const own = new Set(
            all.filter((o) => o.scope === l.scope && o.period === l.period).map((o) => o.scopeId),
          );
          chosen.push({ ...l, id: '*' });
          for (const row of rows) if (!own.has(row.scope_id)) chosen.push({ ...l, id: row.scope_id });
        }
      }
      const out: BudgetStatus[] = [];
      for (const l of chosen) {
        const bounds = periodBounds(l.period, now, timeZone);
        const row = await store.db
          .selectFrom('budget_counters')
          .selectAll()
          .where('scope', '=', l.scope)
          .where('scope_id', '=', l.id)
          .where('period', '=', l.period)
          .where('period_key', '=', bounds.key)
          .executeTakeFirst();
        // No counter yet (no call since the budget was set): what the ledger holds so far.
        const fromLedger =
          row || (l.scope !== 'global' && l.id === '*')
            ? undefined
            : await ledgerUse(store.db, {
                scope: l.scope,
                scopeId: l.id,
                period: l.period,
                periodEnd: bounds.end,
                currency: l.cost?.currency ?? null,
              });
        out.push({
          scope: l.scope,
          scopeId: l.id,
          period: l.period,
          periodKey: bounds.key,
          resetsAt: bounds.end,
          tokensLimit: l.tokens ?? null,
          costLimit: l.cost ?? null,
          usedTokens: Number(row?.used_tokens ?? fromLedger?.tokens ?? 0),
          reservedTokens: Number(row?.reserved_tokens ?? 0),
          usedCost: roundCost(Number(row?.used_cost ?? fromLedger?.cost ?? 0)),
          reservedCost: roundCost(Number(row?.reserved_cost ?? 0)),
          source: l.source,
        });
      }
      return out;
    },
  };

  async function refused(error: unknown): Promise<never> {
    if (error instanceof BudgetExceededError && error.details.reason === 'limit') {
      const d = error.details;
      const item = {
        scope: d.scope,
        scopeId: d.scopeId,
        period: d.period,
        periodKey: d.periodKey,
        currency: d.currency ?? null,
      } as ReservationItem;
      if (thresholds.includes(100)) await sendOnce(item, d.unit, 100, d.used, d.limit).catch(() => undefined);
    }
    throw error;
  }
}

const SCOPE_RANK: Record<BudgetScope, number> = { conversation: 0, user: 1, key: 2, global: 3 };

/**
 * The one order every transaction locks counters in (no deadlocks). The most shared counters come
 * last, so they are held for the shortest time: the global row only from its UPDATE to the commit.
 */
function lockOrder(a: ReservationItem, b: ReservationItem): number {
  return (
    SCOPE_RANK[a.scope] - SCOPE_RANK[b.scope] ||
    byCodeUnits(a.scopeId, b.scopeId) ||
    byCodeUnits(a.period, b.period) ||
    byCodeUnits(a.periodKey, b.periodKey)
  );
}

/** Plain code-unit order (the same in every process and locale, and far cheaper than a collation). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function counterKey(item: ReservationItem): string {
  return `${item.scope}\0${item.scopeId}\0${item.period}\0${item.periodKey}`;
}
