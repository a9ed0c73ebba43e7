import type { Kysely } from 'kysely';
import {
  type Database,
  DEFAULT_BUSY_TIMEOUT_MS,
  kyselyPlainSql,
  type PlainSql,
  type Store,
} from '../store/index.js';

type Work = (db: Kysely<Database>, plain: PlainSql) => Promise<unknown>;

interface Job {
  fn: Work;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  jobs: Job[];
  scheduled: boolean;
  /** When the batch first found the write lock taken by another connection (it is waiting since). */
  lockedSince: number | undefined;
}

/** Jobs waiting for the next group commit, per SQLite database. */
const batches = new WeakMap<object, Batch>();

/** Most jobs one SQLite commit carries (the write lock is held while they run). */
const MAX_BATCH = 256;

/**
 * Runs `fn` in a transaction that holds the write lock from its first statement:
 * SQLite `BEGIN IMMEDIATE` (one writer at a time, across processes, so a check and the write that
 * follows it cannot interleave with another writer); PostgreSQL a READ COMMITTED transaction whose
 * conditional UPDATEs lock the counter rows (retried on a deadlock or serialization failure).
 *
 * On SQLite, the transactions asked for in the same turn of the event loop share ONE commit (group
 * commit): they run in the order asked, each sees the ones before it, and a failing one undoes only
 * its own writes (see commitBatch), exactly as if they had committed one after the other. Each
 * promise settles only after the shared COMMIT. A commit is most of what a small SQLite write costs,
 * so a busy gateway (a reservation, a ledger row and a settlement per call) writes several calls per
 * commit. When another connection (another process: the CLI, a second gateway on the same file) holds
 * the write lock, the batch tries again every millisecond without blocking the event loop, and fails
 * only once the store's busy timeout has passed.
 *
 * `fn` gets the transaction twice over, on the same connection: as Kysely (for queries built as
 * objects) and as plain SQL (for the hot statements; see PlainSql).
 */
export async function writeTransaction<T>(
  store: Pick<Store, 'db' | 'dialect' | 'plain' | 'busyTimeoutMs'>,
  fn: (db: Kysely<Database>, plain: PlainSql) => Promise<T>,
): Promise<T> {
  if (store.dialect === 'postgres') {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.db.transaction().execute((trx) => fn(trx, kyselyPlainSql(trx)));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if ((code === '40P01' || code === '40001') && attempt < 5) continue;
        throw error;
      }
    }
  }
  const batch = batchOf(store.db);
  const done = new Promise<T>((resolve, reject) => {
    batch.jobs.push({ fn, resolve: resolve as (value: unknown) => void, reject });
  });
  if (!batch.scheduled) {
    batch.scheduled = true;
    setImmediate(() => void commitBatch(store, batch));
  }
  return done;
}

function batchOf(db: object): Batch {
  let batch = batches.get(db);
  if (!batch) {
    batch = { jobs: [], scheduled: false, lockedSince: undefined };
    batches.set(db, batch);
  }
  return batch;
}

type SqliteStore = Pick<Store, 'db' | 'plain' | 'busyTimeoutMs'>;

/** How often a batch tries again for a write lock another connection holds, in ms. */
const LOCK_RETRY_MS = 1;

async function commitBatch(store: SqliteStore, batch: Batch): Promise<void> {
  const jobs = batch.jobs.splice(0, MAX_BATCH);
  if (batch.jobs.length > 0) setImmediate(() => void commitBatch(store, batch));
  else batch.scheduled = false;
  let outcomes: Outcome[];
  try {
    // Optimistically all in one transaction, no savepoints (two statements per job saved); should one
    // job fail, the batch is rolled back and run again with a savepoint per job, so the failure undoes
    // only its own writes. Jobs may run twice: like the PostgreSQL retries, they only touch the database.
    outcomes = (await runBatch(store, jobs, false)) ?? ((await runBatch(store, jobs, true)) as Outcome[]);
    batch.lockedSince = undefined;
  } catch (error) {
    if (error instanceof LockTaken) {
      // Another connection (another process) is writing: try again shortly, letting the event loop
      // run meanwhile, until the busy timeout; the jobs keep their places at the head of the queue.
      const now = Date.now();
      batch.lockedSince ??= now;
      if (now - batch.lockedSince < (store.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)) {
        batch.jobs.unshift(...jobs);
        if (!batch.scheduled) {
          batch.scheduled = true;
          setTimeout(() => void commitBatch(store, batch), LOCK_RETRY_MS);
        }
        return;
      }
      batch.lockedSince = undefined;
    }
    // BEGIN or COMMIT failed (locked past the busy timeout, disk full): nothing of the batch holds.
    const failure = error instanceof LockTaken ? error.cause : error;
    for (const job of jobs) job.reject(failure);
    return;
  }
  for (const [i, job] of jobs.entries()) {
    const outcome = outcomes[i]!;
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.error);
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs the jobs in one transaction and commits it. Without savepoints, a failing job rolls the whole
 * transaction back and the result is `undefined` (run again with savepoints); a job that is alone
 * in its batch needs none (the transaction is its boundary).
 */
async function runBatch(
  { db, plain, busyTimeoutMs }: SqliteStore,
  jobs: readonly Job[],
  savepoints: boolean,
): Promise<Outcome[] | undefined> {
  // Holding Kysely's connection keeps its other queries out of the transaction; the jobs' plain
  // statements run on that same connection.
  return db.connection().execute(async (conn) => {
    const outcomes: Outcome[] = [];
    await beginWithoutWaiting(plain, busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    try {
      for (const job of jobs) {
        if (savepoints) await plain.run('savepoint job', []);
        try {
          const value = await job.fn(conn, plain);
          if (savepoints) await plain.run('release job', []);
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (!savepoints) {
            await plain.run('rollback', []);
            return jobs.length > 1 ? undefined : [{ ok: false, error }];
          }
          await plain.run('rollback to job', []);
          await plain.run('release job', []);
          outcomes.push({ ok: false, error });
        }
      }
      await plain.run('commit', []);
      return outcomes;
    } catch (error) {
      await plain.run('rollback', []).catch(() => undefined);
      throw error;
    }
  });
}

/** The write lock was held by another connection when a batch asked for it (the cause says how). */
class LockTaken extends Error {
  constructor(cause: unknown) {
    super('the write lock is held by another connection', { cause });
  }
}

/**
 * `BEGIN IMMEDIATE` that fails at once (LockTaken) instead of waiting when another connection holds
 * the write lock: SQLite's busy handler would wait by sleeping, and block the event loop meanwhile.
 * The connection's own busy timeout is put back at once, for its other statements.
 */
async function beginWithoutWaiting(plain: PlainSql, busyTimeoutMs: number): Promise<void> {
  await plain.run('pragma busy_timeout = 0', []);
  try {
    await plain.run('begin immediate', []);
  } catch (error) {
    throw (error as { code?: unknown }).code === 'SQLITE_BUSY' ? new LockTaken(error) : error;
  } finally {
    await plain.run(`pragma busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`, []);
  }
}
