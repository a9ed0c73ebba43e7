import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { startBackgroundCheckpoints } from './background-checkpoints.js';
import { cachedStatements } from './cached-statements.js';
import { migrations as allMigrations, type Migration, type StoreDialect } from './migrations/index.js';
import { kyselyPlainSql, type PlainSql, sqlitePlainSql } from './plain-sql.js';
import { runMigrations } from './run-migrations.js';
import type { Database } from './schema.js';
import { StoreError } from './store-error.js';

/** Where and how to open the store. */
export interface OpenStoreOptions {
  /**
   * `postgres://…` / `postgresql://…` for PostgreSQL; `sqlite:PATH`, `file:PATH`, a plain path or
   * `:memory:` for SQLite.
   * @default SQLite at `${home}/steadychat.db`
   */
  url?: string;
  /**
   * Directory of the default SQLite file (created if missing).
   * @default `~/.steadychat`
   */
  home?: string;
  /**
   * How long a SQLite writer waits for another process's lock before failing, in ms.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Size of the PostgreSQL connection pool.
   * @default 10
   */
  poolSize?: number;
  /**
   * Told when an idle PostgreSQL connection fails (server restart, database dropped). The pool drops
   * that connection and opens a new one on the next query; the process keeps running.
   * @default ignored
   */
  onPoolError?: (error: Error) => void;
  /**
   * Run pending migrations on open.
   * @default true
   */
  migrate?: boolean;
  /**
   * SQLite only: `full` syncs every commit to disk (survives power loss); `normal` syncs at WAL
   * checkpoints (survives a killed process, may lose the last commits on power loss or an OS crash),
   * several times faster per commit on a real disk.
   * @default 'full'
   */
  synchronous?: 'full' | 'normal';
  /**
   * SQLite file only: checkpoint the WAL from a worker thread (every 200 ms) instead of inside the
   * commit that fills it, so no write stalls the event loop on the checkpoint's disk sync. For
   * long-running processes that write often (the gateway). `{ intervalMs }` sets the period.
   * @default false
   */
  backgroundCheckpoints?: boolean | { intervalMs: number };
  /** @internal Migrations to run instead of the built-in list (tests). */
  migrations?: readonly Migration[];
}

/** How long a SQLite writer waits for another connection's write lock by default, in ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** An open store: one Kysely instance over SQLite or PostgreSQL, migrated. */
export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** Human-readable location (a file path, or the PostgreSQL URL without password). */
  location: string;
  /**
   * Plain SQL on the store's connection (SQLite) or pool (PostgreSQL), for the hottest statements.
   * Inside a write transaction use the one `writeTransaction` hands over instead.
   */
  plain: PlainSql;
  /**
   * SQLite: how long a writer waits for another connection's write lock before failing, in ms (the
   * group commit waits that long without blocking the event loop; see writeTransaction).
   */
  busyTimeoutMs?: number;
  close(): Promise<void>;
}

/** PostgreSQL `int8` (bigint, `count(*)`, `sum()` of integers) read as JS numbers, like SQLite. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Open (and migrate) the store: SQLite in WAL mode by default, PostgreSQL when the URL says so.
 * Migrations run automatically, in one transaction, under a lock that keeps two processes starting
 * together from applying the same one twice.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.url?.trim() || undefined;
  const isPostgres = url !== undefined && /^postgres(ql)?:\/\//i.test(url);
  let store: Store;
  if (isPostgres) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID || oid === NUMERIC_OID
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection killed by the server (restart, dropped database) is reported on the pool;
    // without a listener Node would crash the process. The pool already discards that connection.
    pool.on('error', (error) => options.onPoolError?.(error));
    const location = redactUrl(url);
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new StoreError(
        'store_open_failed',
        `Cannot connect to PostgreSQL at ${location}: ${describe(error)}`,
        {
          cause: error,
          hint: 'Check STEADYCHAT_DATABASE_URL, that the server runs and that the database exists.',
        },
      );
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', location, plain: kyselyPlainSql(db), close: () => db.destroy() };
  } else {
    const file = sqlitePath(url, options.home);
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    let sqlite: SQLite.Database;
    try {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      sqlite = new SQLite(file, { timeout: busyTimeoutMs });
      sqlite.pragma('journal_mode = WAL');
      // FULL: a committed turn survives power loss too, not only a killed process.
      sqlite.pragma(options.synchronous === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
      sqlite.pragma('foreign_keys = ON');
    } catch (error) {
      throw new StoreError(
        'store_open_failed',
        `Cannot open the SQLite database ${file}: ${describe(error)}`,
        {
          cause: error,
          hint: 'Check that the directory exists and is writable, or set STEADYCHAT_HOME / STEADYCHAT_DATABASE_URL.',
        },
      );
    }
    const statements = cachedStatements(sqlite);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
    const checkpoints =
      options.backgroundCheckpoints && file !== ':memory:'
        ? startBackgroundCheckpoints(
            sqlite,
            file,
            options.backgroundCheckpoints === true ? {} : options.backgroundCheckpoints,
          )
        : undefined;
    store = {
      db,
      dialect: 'sqlite',
      location: file,
      plain: sqlitePlainSql((text) => statements.prepare(text)),
      busyTimeoutMs,
      close: async () => {
        await checkpoints?.stop();
        await db.destroy();
      },
    };
  }
  if (options.migrate !== false) {
    try {
      await runMigrations(store.db, store.dialect, options.migrations ?? allMigrations);
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  }
  return store;
}

function sqlitePath(url: string | undefined, home: string | undefined): string {
  if (url === undefined) return join(resolve(home ?? join(homedir(), '.steadychat')), 'steadychat.db');
  if (url === ':memory:' || url === 'sqlite::memory:') return ':memory:';
  const path = url.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '');
  return resolve(path);
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
