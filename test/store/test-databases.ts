import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** PostgreSQL on this machine (trust auth). */
export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** URL to pass to openStore. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Whether PostgreSQL answers. In CI a missing PostgreSQL throws (the suite must fail); locally it
 * prints why the PostgreSQL cases are skipped.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    await client.end().catch(() => undefined);
    const reason = `PostgreSQL at 127.0.0.1:5432 is not reachable (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI) throw new Error(`${reason}; CI must have it.`);
    console.warn(`Skipping PostgreSQL store tests: ${reason}.`);
    return false;
  }
}

/** A fresh PostgreSQL database with a random name, dropped by `drop()`. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const dbName = `steadychat_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  return {
    name: 'postgres',
    url: `postgres://postgres@127.0.0.1:5432/${dbName}`,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${dbName} with (force)`);
      await c.end();
    },
  };
}

/** A fresh SQLite file in a temporary directory. */
export function createSqliteDatabase(): TestDatabase & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'steadychat-store-'));
  return {
    name: 'sqlite',
    dir,
    url: join(dir, 'steadychat.db'),
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The dialects the store suite runs on here: SQLite always, PostgreSQL when available. */
export async function storeDialects(): Promise<Array<'sqlite' | 'postgres'>> {
  return (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  return kind === 'postgres' ? createPostgresDatabase() : createSqliteDatabase();
}
