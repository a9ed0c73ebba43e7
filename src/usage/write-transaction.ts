import { type Kysely, sql } from 'kysely';
import type { Database, Store } from '../store/index.js';

/**
 * Runs `fn` in a transaction that holds the write lock from its first statement:
 * SQLite `BEGIN IMMEDIATE` (one writer at a time, across processes, so a check and the write that
 * follows it cannot interleave with another writer); PostgreSQL a READ COMMITTED transaction whose
 * conditional UPDATEs lock the counter rows (retried on a deadlock or serialization failure).
 */
export async function writeTransaction<T>(
  store: Pick<Store, 'db' | 'dialect'>,
  fn: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (store.dialect === 'postgres') {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.db.transaction().execute(fn);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if ((code === '40P01' || code === '40001') && attempt < 5) continue;
        throw error;
      }
    }
  }
  return store.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
