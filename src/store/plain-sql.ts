import type SQLite from 'better-sqlite3';
import { CompiledQuery, type Kysely } from 'kysely';

/** What one plain statement gave back. */
export interface PlainResult<R> {
  /** The rows of a statement that returns rows (a SELECT, a PRAGMA, RETURNING), else none. */
  rows: R[];
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/**
 * Plain SQL for the hottest statements (a gateway call's reservation, settlement and ledger row),
 * where a query builder would cost more to compile than the statement costs to run. One text for
 * both dialects: `?` placeholders (numbered for PostgreSQL once per text, so a text holds no other
 * `?`) and SQL both understand.
 */
export interface PlainSql {
  run<R = Record<string, unknown>>(text: string, params: readonly unknown[]): Promise<PlainResult<R>>;
}

type Statements = (text: string) => SQLite.Statement;

/** Over a SQLite connection: each text prepared once (see cachedStatements), run synchronously. */
export function sqlitePlainSql(prepare: Statements): PlainSql {
  return {
    run<R>(text: string, params: readonly unknown[]): Promise<PlainResult<R>> {
      try {
        const statement = prepare(text);
        if (statement.reader) return Promise.resolve({ rows: statement.all(params) as R[], changes: 0 });
        return Promise.resolve({ rows: [], changes: statement.run(params).changes });
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

const numbered = new Map<string, string>();

/** Over Kysely on PostgreSQL (the pool, or a transaction's connection). */
export function kyselyPlainSql(db: Pick<Kysely<unknown>, 'executeQuery'>): PlainSql {
  return {
    async run<R>(text: string, params: readonly unknown[]): Promise<PlainResult<R>> {
      let sql = numbered.get(text);
      if (sql === undefined) {
        let n = 0;
        sql = text.replace(/\?/g, () => `$${++n}`);
        if (numbered.size > 1000) numbered.clear();
        numbered.set(text, sql);
      }
      const result = await db.executeQuery<R>(CompiledQuery.raw(sql, [...params]));
      return { rows: result.rows as R[], changes: Number(result.numAffectedRows ?? 0n) };
    },
  };
}
