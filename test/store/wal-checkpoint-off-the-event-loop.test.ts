import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { createSqliteDatabase, type TestDatabase } from './test-databases.js';

// A WAL checkpoint copies the log back into the database file and syncs it: done inside a commit, it
// stalls that commit and the whole event loop. With background checkpoints no commit does it; a
// worker thread does, soon after.
describe('SQLite WAL checkpoints in the background', () => {
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await database?.drop();
    store = undefined;
  });

  async function writeMany(s: Store, count: number) {
    for (let i = 0; i < count; i++) {
      await sql`insert into budget_limits (scope, scope_id, period, tokens_limit, cost_limit, currency, updated_at)
        values ('key', ${`key_${i}_${'x'.repeat(200)}`}, 'day', ${i}, null, null, 0)`.execute(s.db);
    }
  }
  const size = (file: string) => statSync(file).size;

  it('never checkpoints inside a commit; the worker checkpoints on its period and on close', async () => {
    database = createSqliteDatabase();
    // A period longer than the test: only close() makes the worker checkpoint.
    const s = await openStore({
      url: database.url,
      synchronous: 'normal',
      backgroundCheckpoints: { intervalMs: 600_000 },
    });
    store = s;
    const before = size(database.url);
    // Far more than the 1,000 WAL pages after which a commit would checkpoint on its own.
    await writeMany(s, 3000);
    expect(size(database.url)).toBe(before);
    expect(size(`${database.url}-wal`)).toBeGreaterThan(1000 * 4096);
    await s.close();
    store = undefined;
    expect(size(database.url)).toBeGreaterThan(before);
    const reopened = await openStore({ url: database.url });
    store = reopened;
    const row = await reopened.db
      .selectFrom('budget_limits')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(3000);
  });

  it('checkpoints within moments with the default period, while the writes go on', async () => {
    database = createSqliteDatabase();
    const s = await openStore({ url: database.url, synchronous: 'normal', backgroundCheckpoints: true });
    store = s;
    const before = size(database.url);
    await writeMany(s, 3000);
    const deadline = Date.now() + 10_000;
    while (size(database.url) === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(size(database.url)).toBeGreaterThan(before);
  });

  it('checkpoints inside a commit without them (the stall the option removes)', async () => {
    database = createSqliteDatabase();
    const s = await openStore({ url: database.url, synchronous: 'normal' });
    store = s;
    const before = size(database.url);
    await writeMany(s, 3000);
    expect(size(database.url)).toBeGreaterThan(before);
  });
});
