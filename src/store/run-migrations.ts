import { type Kysely, sql } from 'kysely';
import type { Migration, StoreDialect } from './migrations/index.js';
import type { Database } from './schema.js';
import { StoreError } from './store-error.js';

/** Arbitrary constant key of the PostgreSQL advisory lock that serialises migrations. */
const PG_LOCK_KEY = 7_305_112_941;

/**
 * Apply every pending migration, in order, in one transaction that holds a lock against other
 * processes starting at the same time (PostgreSQL: advisory lock; SQLite: `BEGIN IMMEDIATE`).
 * A process that waited for the lock sees the versions the other one applied and skips them.
 * @returns the versions this call applied.
 */
export async function runMigrations(
  db: Kysely<Database>,
  dialect: StoreDialect,
  migrations: readonly Migration[],
  now: () => number = Date.now,
): Promise<number[]> {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  try {
    if (dialect === 'postgres') {
      return await db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${sql.lit(PG_LOCK_KEY)})`.execute(trx);
        return applyPending(trx, dialect, sorted, now);
      });
    }
    return await db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const applied = await applyPending(conn, dialect, sorted, now);
        await sql`commit`.execute(conn);
        return applied;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError('store_migration_failed', `Migrating the database failed: ${describe(error)}`, {
      cause: error,
      hint: 'Nothing was changed (the migration runs in one transaction). Check that the database is writable and reachable, then start again.',
    });
  }
}

async function applyPending(
  db: Kysely<Database>,
  dialect: StoreDialect,
  migrations: readonly Migration[],
  now: () => number,
): Promise<number[]> {
  await db.schema
    .createTable('steadychat_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const rows = await db.selectFrom('steadychat_migrations').select('version').execute();
  const applied = new Set(rows.map((r) => Number(r.version)));
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new StoreError(
      'store_too_new',
      `The database has schema version ${Math.max(...unknown)}, newer than this steadychat knows (${Math.max(0, ...known)}).`,
      {
        hint: 'Upgrade steadychat, or point it at another database (STEADYCHAT_DATABASE_URL / STEADYCHAT_HOME).',
      },
    );
  }
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await migration.up(db, dialect);
    await db
      .insertInto('steadychat_migrations')
      .values({ version: migration.version, name: migration.name, applied_at: now() })
      .execute();
    done.push(migration.version);
  }
  return done;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
