import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Migration, migrations, openStore, StoreError } from '../../src/store/index.js';
import { createTestDatabase, storeDialects, type TestDatabase } from './test-databases.js';

const dialects = await storeDialects();
const child = fileURLToPath(new URL('./migrate-child.ts', import.meta.url));

function runChild(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', child, url], (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe.each(dialects)('store migrations on %s', (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('creates the schema on first open and records the applied versions', async () => {
    database = await createTestDatabase(kind);
    const store = await openStore({ url: database.url });
    expect(store.dialect).toBe(kind);
    const versions = await store.db.selectFrom('steadychat_migrations').select('version').execute();
    expect(versions.map((v) => v.version)).toEqual(migrations.map((m) => m.version));
    const now = Date.now();
    await store.db
      .insertInto('conversations')
      .values({
        id: 'c1',
        owner: null,
        title: 'Hello 你好',
        system_prompt: null,
        model: 'gpt-4o-mini',
        summary: null,
        summary_through_seq: null,
        summary_tokens: null,
        settings: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const row = await store.db.selectFrom('conversations').selectAll().executeTakeFirstOrThrow();
    // Timestamps (bigint) come back as numbers on both dialects.
    expect(row.created_at).toBe(now);
    expect(row.last_seq).toBe(0);
    const count = await store.db
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
    await store.close();

    // Reopening applies nothing and keeps the data.
    const again = await openStore({ url: database.url });
    const titles = await again.db.selectFrom('conversations').select('title').execute();
    expect(titles).toEqual([{ title: 'Hello 你好' }]);
    await again.close();
  });

  it('applies each migration once when three processes start at the same time', async () => {
    database = await createTestDatabase(kind);
    const url = database.url;
    const outputs = await Promise.all([1, 2, 3].map(() => runChild(url)));
    const applied = outputs.map((o) => JSON.parse(o) as number[]);
    // Every version was applied by exactly one of the processes.
    const all = applied.flat().sort((a, b) => a - b);
    expect(all).toEqual([...migrations.map((m) => m.version), 1000]);
  });

  it('rolls a failing migration back completely and says so', async () => {
    database = await createTestDatabase(kind);
    const broken: Migration = {
      version: 1001,
      name: 'broken',
      async up(db) {
        await db.schema.createTable('half_done').addColumn('x', 'integer').execute();
        await sql`select * from no_such_table`.execute(db);
      },
    };
    const error = await openStore({ url: database.url, migrations: [...migrations, broken] }).catch((e) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('store_migration_failed');
    // Nothing of the failed run is left: not the table, not even migration 0001 of the same run.
    const store = await openStore({ url: database.url, migrate: false });
    const tables =
      kind === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store.db)
        : await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(
            store.db,
          );
    expect(tables.rows.map((r) => r.name)).not.toContain('half_done');
    expect(tables.rows.map((r) => r.name)).not.toContain('conversations');
    await store.close();
  });

  it('refuses a database written by a newer steadychat with a clear error', async () => {
    database = await createTestDatabase(kind);
    const future: Migration = { version: 9999, name: 'future', async up() {} };
    const newer = await openStore({ url: database.url, migrations: [...migrations, future] });
    await newer.close();
    const error = await openStore({ url: database.url }).catch((e) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('store_too_new');
    expect(error.message).toMatch(/9999/);
  });
});

describe('store location', () => {
  it('puts the SQLite file at $home/steadychat.db in WAL mode', async () => {
    const database = await createTestDatabase('sqlite');
    const home = `${(database as TestDatabase & { dir: string }).dir}/home`;
    const store = await openStore({ home });
    expect(store.location).toBe(`${home}/steadychat.db`);
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    await store.close();
    await database.drop();
  });

  it('fails with an actionable error when PostgreSQL is unreachable', async () => {
    const error = await openStore({ url: 'postgres://postgres@127.0.0.1:1/none' }).catch((e) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('store_open_failed');
    expect(error.hint).toMatch(/STEADYCHAT_DATABASE_URL/);
  });
});
