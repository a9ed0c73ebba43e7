import type SQLite from 'better-sqlite3';

/** A better-sqlite3 database as Kysely's SQLite dialect and the plain-SQL path both use it. */
export interface CachedStatements {
  prepare(sql: string): SQLite.Statement;
  close(): void;
}

/**
 * The better-sqlite3 database with each statement prepared once per SQL text instead of once per
 * query (preparing costs more than running the small statements a gateway call makes). At most
 * `limit` statements are kept; once the cache is full, the one least recently used since then goes
 * first (before, statements were kept in the order prepared). A statement still being iterated (a
 * streamed query) is not shared: a fresh one is prepared.
 */
export function cachedStatements(sqlite: SQLite.Database, limit = 256): CachedStatements {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string): SQLite.Statement {
      const cached = cache.get(sql);
      if (cached !== undefined) {
        if (cached.busy) return sqlite.prepare(sql);
        // Once the cache is full, a statement used is moved to the end (the Map's order is then the
        // recency order, and the least recently used goes first). Before, nothing is evicted and the
        // order does not matter: the hot statements skip the move.
        if (cache.size >= limit) {
          cache.delete(sql);
          cache.set(sql, cached);
        }
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > limit) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return statement;
    },
  };
}
