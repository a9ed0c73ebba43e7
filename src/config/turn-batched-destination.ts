/** Where log lines go: anything with `write(string)` (a stream, a pino destination). */
export interface LineSink {
  write(chunk: string): unknown;
}

/** A destination that writes the lines of one event-loop turn together. */
export interface TurnBatchedDestination extends LineSink {
  /** Writes what is gathered now (pino's `logger.flush()` calls this). */
  flush(callback?: (error?: Error) => void): void;
}

/** Most bytes gathered before they are written without waiting for the end of the turn. */
const MAX_PENDING = 64 * 1024;

/** Destinations with lines waiting for the end of the turn, flushed when the process exits. */
const unflushed = new Set<TurnBatchedDestination>();
let exitHooked = false;

/**
 * Gathers the lines logged in one turn of the event loop and writes them in one write at the end of
 * that turn (a busy server logs a line per request, several per turn: one write instead of one per
 * line). Lines are written in order, in the same turn of the event loop, so they appear as soon as
 * with a write per line; those gathered when the process exits are written then.
 */
export function turnBatchedDestination(target: LineSink): TurnBatchedDestination {
  let pending = '';
  const destination: TurnBatchedDestination = {
    write(line) {
      pending += line;
      if (pending.length >= MAX_PENDING) writePending();
      else if (!unflushed.has(destination)) {
        unflushed.add(destination);
        setImmediate(writePending);
      }
      return true;
    },
    flush(callback) {
      writePending();
      callback?.();
    },
  };
  function writePending(): void {
    unflushed.delete(destination);
    if (pending === '') return;
    const out = pending;
    pending = '';
    target.write(out);
  }
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const d of [...unflushed]) d.flush();
    });
  }
  return destination;
}
