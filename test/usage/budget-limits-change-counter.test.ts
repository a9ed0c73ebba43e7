import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { createBudgetBook, createUsageLedger } from '../../src/usage/index.js';
import { freshStores, storeDialects } from './databases.js';

const dialects = await storeDialects();

// The budget book re-reads the budgets in force only when this counter moves, so it must move on
// every change of `budget_limits`, by anyone, and on nothing else.
describe.each(dialects)('budget_limits change counter on %s', (kind) => {
  const fresh = freshStores(kind);
  const version = async (s: Store) =>
    Number(
      (
        await s.db
          .selectFrom('change_counters')
          .select('version')
          .where('name', '=', 'budget_limits')
          .executeTakeFirstOrThrow()
      ).version,
    );

  it('moves on every insert, update and delete of a budget, and not on other writes', async () => {
    const { store } = await fresh();
    const start = await version(store);

    // Other tables: the ledger and the counters a reservation holds.
    await createUsageLedger(store).record({
      at: Date.now(),
      model: 'gpt-4o-mini',
      attempt: 1,
      promptTokens: 1,
      completionTokens: 1,
      cachedTokens: 0,
      reasoningTokens: 0,
      cost: null,
      currency: null,
      latencyMs: 1,
      outcome: 'ok',
      estimated: false,
    });
    const book = createBudgetBook({ store, timeZone: 'UTC' });
    expect(await version(store)).toBe(start);

    // Through the book (`steadychat budget set`), and by hand (plain SQL, as any other writer). (An
    // upsert may move it twice on PostgreSQL, whose insert and update triggers both fire: what counts
    // is that it moves.)
    let seen = start;
    const moved = async () => {
      const now = await version(store);
      const result = now > seen;
      seen = now;
      return result;
    };
    await book.setLimit({ scope: 'key', scopeId: 'k1', period: 'day', tokens: 100 });
    expect(await moved()).toBe(true);
    await book.setLimit({ scope: 'key', scopeId: 'k1', period: 'day', tokens: 200 });
    expect(await moved()).toBe(true);
    await sql`delete from budget_limits where scope_id = 'k1'`.execute(store.db);
    expect(await moved()).toBe(true);
    expect(await book.limits()).toEqual([]);
    expect(await moved()).toBe(false);
  });

  it('lets a budget set by hand in the store apply to the next reservation', async () => {
    const { store } = await fresh();
    const book = createBudgetBook({ store, timeZone: 'UTC' });
    // Nothing applies yet: the reservation holds nothing.
    expect(
      (await book.reserve({ scopes: { keyId: 'k2' }, model: 'm', tokens: 50, cost: null })).id,
    ).toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    await sql`insert into budget_limits (scope, scope_id, period, tokens_limit, cost_limit, currency, updated_at)
      values ('key', 'k2', 'day', 40, null, null, 0)`.execute(store.db);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(
      book.reserve({ scopes: { keyId: 'k2' }, model: 'm', tokens: 50, cost: null }),
    ).rejects.toMatchObject({ code: 'budget_exceeded' });
  });
});
