import type { IncomingHttpHeaders } from 'node:http';
import { maskAuthorization, maskKey } from './openai-errors.js';

/** One request the emulator received. */
export interface JournalEntry {
  /** The `x-request-id` the emulator answered with. */
  requestId: string;
  /** ISO-8601 time the request arrived. */
  time: string;
  method: string;
  /** Path with query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-case header names; `authorization` and `api-key` masked. */
  headers: Record<string, string>;
  /** The parsed JSON body, the raw text when it was not JSON, or null when empty. */
  body: unknown;
  /** The HTTP status sent, once the response has started (null before). */
  status: number | null;
  /** The fault injected into this request, if any (the `x-emulator-fault` value). */
  fault: string | null;
}

/** What the emulator received, newest last, bounded in size. */
export interface EmulatorJournal {
  /** A copy of the entries, oldest first. */
  entries(): JournalEntry[];
  /** Entries whose path starts with `prefix` (e.g. `/v1/chat/completions`). */
  requests(prefix?: string): JournalEntry[];
  /** Forgets everything received so far. */
  clear(): number;
}

const SECRET_HEADERS = new Set(['authorization', 'api-key', 'x-api-key', 'proxy-authorization']);

/** Bodies kept in the journal, in bytes, before the oldest entries are dropped. */
const JOURNAL_BODY_BYTES = 64 * 1024 * 1024;

export class Journal implements EmulatorJournal {
  readonly #entries: JournalEntry[] = [];
  readonly #sizes: number[] = [];
  readonly #limit: number;
  #bytes = 0;

  constructor(limit: number) {
    this.#limit = Math.max(0, limit);
  }

  /** Records an entry; the oldest go when there are more than `limit` or their bodies pass 64 MiB. */
  add(bodyBytes: number, entry: JournalEntry): JournalEntry {
    if (this.#limit === 0) return entry;
    this.#entries.push(entry);
    this.#sizes.push(bodyBytes);
    this.#bytes += bodyBytes;
    while (
      this.#entries.length > this.#limit ||
      (this.#bytes > JOURNAL_BODY_BYTES && this.#entries.length > 1)
    ) {
      this.#entries.shift();
      this.#bytes -= this.#sizes.shift() ?? 0;
    }
    return entry;
  }

  entries(): JournalEntry[] {
    return this.#entries.slice();
  }

  requests(prefix = ''): JournalEntry[] {
    return this.#entries.filter((entry) => entry.path.startsWith(prefix));
  }

  clear(): number {
    const count = this.#entries.length;
    this.#entries.length = 0;
    this.#sizes.length = 0;
    this.#bytes = 0;
    return count;
  }
}

export function maskHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = SECRET_HEADERS.has(name)
      ? name === 'authorization'
        ? maskAuthorization(text)
        : maskKey(text)
      : text;
  }
  return out;
}
