import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { createPostgresDatabase, PG_ADMIN_URL, postgresAvailable } from './test-databases.js';

const available = await postgresAvailable();

describe.skipIf(!available)('PostgreSQL server kills an idle store connection', () => {
  it('reports it and keeps serving queries instead of crashing the process', async () => {
    const database = await createPostgresDatabase();
    const seen: Error[] = [];
    const store = await openStore({ url: database.url, onPoolError: (error) => seen.push(error) });
    try {
      await sql`select 1`.execute(store.db);
      const dbName = new URL(database.url).pathname.slice(1);
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [dbName],
      );
      await admin.end();
      await expect.poll(() => seen.length, { timeout: 5000 }).toBeGreaterThan(0);
      const row = await sql<{ n: number }>`select 2 as n`.execute(store.db);
      expect(row.rows[0]?.n).toBe(2);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
