import pg from 'pg';
import { afterEach } from 'vitest';
import { type OpenStoreOptions, openStore, type Store } from '../../src/store/index.js';
import {
  createTestDatabase,
  PG_ADMIN_URL,
  storeDialects,
  type TestDatabase,
} from '../store/test-databases.js';

export { storeDialects, type TestDatabase };

/**
 * A fresh database of the given kind. Dropping a PostgreSQL one first waits for the pool's
 * connections to finish closing, so dropping never kills a connection that is still ending.
 */
export async function freshDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const database = await createTestDatabase(kind);
  if (kind === 'sqlite') return database;
  const name = new URL(database.url).pathname.slice(1);
  return {
    ...database,
    async drop() {
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      try {
        for (let i = 0; i < 100; i++) {
          const { rows } = await admin.query(
            'select count(*)::int as n from pg_stat_activity where datname = $1',
            [name],
          );
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await admin.end();
      }
      await database.drop();
    },
  };
}

/**
 * For a describe block: each call opens a store on a fresh database of that kind, closed and dropped
 * after the test that opened it. Returns the store and its database's URL (for other processes).
 */
export function freshStores(
  kind: 'sqlite' | 'postgres',
): (options?: Omit<OpenStoreOptions, 'url'>) => Promise<{ store: Store; url: string }> {
  const opened: Array<{ store: Store; database: TestDatabase }> = [];
  afterEach(async () => {
    for (const { store, database } of opened.splice(0)) {
      await store.close();
      await database.drop();
    }
  });
  return async (options = {}) => {
    const database = await freshDatabase(kind);
    const store = await openStore({ ...options, url: database.url });
    opened.push({ store, database });
    return { store, url: database.url };
  };
}
