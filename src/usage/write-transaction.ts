import { type Kysely, sql } from 'kysely';
import type { Database, Store } from '../store/index.js';

type Work = (db: Kysely<Database>) => Promise<unknown>;

interface Job {
  fn: Work;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  jobs: Job[];
  scheduled: boolean;
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
 * promise settles only after the shared COMMIT. A commit is most of what a small SQLite write costs, so a busy
 * gateway (a reservation, a ledger row and a settlement per call) writes several calls per commit.
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
  const batch = batchOf(store.db);
  const done = new Promise<T>((resolve, reject) => {
    batch.jobs.push({ fn, resolve: resolve as (value: unknown) => void, reject });
  });
  if (!batch.scheduled) {
    batch.scheduled = true;
    setImmediate(() => void commitBatch(store.db, batch));
  }
  return done;
}

function batchOf(db: Kysely<Database>): Batch {
  let batch = batches.get(db);
  if (!batch) {
    batch = { jobs: [], scheduled: false };
    batches.set(db, batch);
  }
  return batch;
}

async function commitBatch(db: Kysely<Database>, batch: Batch): Promise<void> {
  const jobs = batch.jobs.splice(0, MAX_BATCH);
  if (batch.jobs.length > 0) setImmediate(() => void commitBatch(db, batch));
  else batch.scheduled = false;
  let outcomes: Outcome[];
  try {
    // Optimistically all in one transaction, no savepoints (two statements per job saved); should one
    // job fail, the batch is rolled back and run again with a savepoint per job, so the failure undoes
    // only its own writes. Jobs may run twice: like the PostgreSQL retries, they only touch the database.
    outcomes = (await runBatch(db, jobs, false)) ?? ((await runBatch(db, jobs, true)) as Outcome[]);
  } catch (error) {
    // BEGIN or COMMIT failed (locked past the busy timeout, disk full): nothing of the batch holds.
    for (const job of jobs) job.reject(error);
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
  db: Kysely<Database>,
  jobs: readonly Job[],
  savepoints: boolean,
): Promise<Outcome[] | undefined> {
  return db.connection().execute(async (conn) => {
    const outcomes: Outcome[] = [];
    await sql`begin immediate`.execute(conn);
    try {
      for (const job of jobs) {
        if (savepoints) await sql`savepoint job`.execute(conn);
        try {
          const value = await job.fn(conn);
          if (savepoints) await sql`release job`.execute(conn);
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (!savepoints) {
            await sql`rollback`.execute(conn);
            return jobs.length > 1 ? undefined : [{ ok: false, error }];
          }
          await sql`rollback to job`.execute(conn);
          await sql`release job`.execute(conn);
          outcomes.push({ ok: false, error });
        }
      }
      await sql`commit`.execute(conn);
      return outcomes;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
