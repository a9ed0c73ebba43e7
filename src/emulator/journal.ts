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

export class Journal implements EmulatorJournal {
  readonly #entries: JournalEntry[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = Math.max(0, limit);
  }

  add(entry: JournalEntry): JournalEntry {
    if (this.#limit === 0) return entry;
    this.#entries.push(entry);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
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
