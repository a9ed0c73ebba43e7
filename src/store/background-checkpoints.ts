import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** WAL pages after which SQLite checkpoints on its own (its default), restored if the worker stops. */
const SQLITE_AUTOCHECKPOINT = 1000;

// The worker is plain CommonJS given as text, so it runs the same from `src/` (tsx) and `dist/`.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true, timeout: 5000 });
// A failing checkpoint throws out of the worker: its 'error' event hands checkpoints back.
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)');
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/** A running checkpointer; `stop()` checkpoints once more and ends its thread. */
export interface BackgroundCheckpoints {
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the connection's thread: the connection stops checkpointing on its own
 * (`wal_autocheckpoint = 0`) and a worker thread with its own connection to the same file runs a
 * PASSIVE checkpoint every `intervalMs`. A checkpoint copies the WAL back into the database and, with
 * `synchronous = NORMAL`, is the only moment SQLite syncs to disk: done in a commit, it stalls that
 * commit (and the whole event loop) for milliseconds every few hundred writes. Should the worker
 * fail, the connection checkpoints on its own again.
 */
export function startBackgroundCheckpoints(
  sqlite: SQLite.Database,
  file: string,
  options: { intervalMs?: number } = {},
): BackgroundCheckpoints {
  sqlite.pragma('wal_autocheckpoint = 0');
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { driver, file, intervalMs: options.intervalMs ?? 200 },
  });
  // The checkpointer never keeps a process alive on its own.
  worker.unref();
  let stopping = false;
  const fallBack = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
  };
  worker.on('error', fallBack);
  const exited = once(worker, 'exit').then(() => {
    if (!stopping) fallBack();
  });
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      worker.postMessage('stop');
      await exited;
    },
  };
}
