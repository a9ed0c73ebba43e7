import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { writeTransaction } from '../../src/usage/write-transaction.js';
import { freshStores } from './databases.js';

// Writes asked for in the same turn share one SQLite commit: they must still behave as if each had
// committed alone (a failing one undoes only itself; each sees the ones before it).
describe('SQLite group commit', () => {
  const fresh = freshStores('sqlite');

  const limitRow = (id: string) =>
    sql`insert into budget_limits (scope, scope_id, period, tokens_limit, cost_limit, currency, updated_at)
      values ('key', ${id}, 'day', 100, null, null, 0)`;
  const ids = async (s: Store) =>
    (await s.db.selectFrom('budget_limits').select('scope_id').orderBy('scope_id').execute()).map(
      (r) => r.scope_id,
    );

  it('rolls back a failing write alone, keeps the others, and lets each see the earlier ones', async () => {
    const { store: s } = await fresh();
    const seen: number[] = [];
    const count = async (db: Store['db']) =>
      Number(
        (
          await db
            .selectFrom('budget_limits')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );
    const results = await Promise.allSettled([
      writeTransaction(s, async (db) => {
        await limitRow('a').execute(db);
        return 'a';
      }),
      writeTransaction(s, async (db) => {
        await limitRow('b').execute(db);
        throw new Error('refused after writing');
      }),
      writeTransaction(s, async (db) => {
        seen.push(await count(db));
        await limitRow('c').execute(db);
        return 'c';
      }),
      // The same key again: a constraint error inside one write, not a broken batch.
      writeTransaction(s, async (db) => {
        await limitRow('a').execute(db);
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('refused after writing');
    expect(seen).toEqual([1]);
    expect(await ids(s)).toEqual(['a', 'c']);
  });

  it('waits for another writer without blocking the event loop, and commits once the lock is free', async () => {
    const { store: s, url } = await fresh({ busyTimeoutMs: 10_000 });
    // Another connection holds the write lock; only a timer of this process releases it. Had the wait
    // for the lock blocked the event loop (SQLite's own busy handler sleeps), the timer could not run
    // before the busy timeout and the writes would fail.
    const other = new SQLite(url);
    other.exec('begin immediate');
    let released = false;
    setTimeout(() => {
      other.exec('rollback');
      released = true;
    }, 50);
    const order: string[] = [];
    await Promise.all(
      ['p', 'q'].map((id) =>
        writeTransaction(s, async (db) => {
          await limitRow(id).execute(db);
          order.push(id);
        }),
      ),
    );
    other.close();
    expect(released).toBe(true);
    expect(order).toEqual(['p', 'q']);
    expect(await ids(s)).toEqual(['p', 'q']);
  });

  it('keeps nothing of a batch whose lock cannot be taken, and works again once it is free', async () => {
    const { store: s, url } = await fresh({ busyTimeoutMs: 50 });
    // Another process's writer holds the lock past the busy timeout.
    const other = new SQLite(url);
    other.exec('begin immediate');
    const results = await Promise.allSettled(
      ['x', 'y'].map((id) => writeTransaction(s, (db) => limitRow(id).execute(db))),
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    other.exec('rollback');
    other.close();
    expect(await ids(s)).toEqual([]);
    await writeTransaction(s, (db) => limitRow('z').execute(db));
    expect(await ids(s)).toEqual(['z']);
  });
});
