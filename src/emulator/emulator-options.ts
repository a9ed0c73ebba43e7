import type { ModelInfo } from '../tokens/index.js';
import type { ReplyMode } from './generate-reply.js';
import type { EmulatorJournal } from './journal.js';

/** Options of {@link startEmulator}. Every field is optional. */
export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Seed of the deterministic replies: same seed and request → same answer. @default 0 */
  seed?: number;
  /**
   * `lorem` (seeded words), `echo` (the last user message) or `refusal`; per request: `x-emulator-reply`.
   * @default 'lorem'
   */
  reply?: ReplyMode;
  /** Length of a lorem reply in tokens; per request: `x-emulator-reply-tokens`. @default 16 */
  replyTokens?: number;
  /** Wait before the first chunk (streaming) or the response (non-streaming). @default 0 */
  timeToFirstTokenMs?: number;
  /** Wait between streamed chunks. @default 0 */
  interChunkDelayMs?: number;
  /** Requests per minute per API key; unset means no request limit (and no x-ratelimit-*-requests headers). */
  rpm?: number;
  /** Tokens per minute per API key (prompt + requested completion limit); unset means no token limit. */
  tpm?: number;
  /** Keys answered with 401 `invalid_api_key`. @default [] */
  invalidKeys?: readonly string[];
  /** Answer 401 when no `Authorization: Bearer …` is sent. @default true */
  requireAuth?: boolean;
  /** Models added to (or replacing) the built-in table. @default [] */
  models?: readonly ModelInfo[];
  /** Serve unknown model names (with the o200k fallback) instead of answering 404. @default false */
  acceptUnknownModels?: boolean;
  /** Reject unknown top-level request fields ("Unrecognized request argument supplied"). @default false */
  strictFields?: boolean;
  /** Most journal entries kept (oldest dropped first). @default 1000 */
  journalLimit?: number;
  /** Organization named in headers and rate-limit messages. @default 'org-emulator' */
  organization?: string;
  /** Largest request body accepted, in bytes. @default 33554432 (32 MiB) */
  maxBodyBytes?: number;
  /** Clock in milliseconds (rate limits, `created`). @default Date.now */
  now?: () => number;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** Base URL for SDKs, ending in `/v1`, e.g. `http://127.0.0.1:4010/v1`. */
  url: string;
  port: number;
  host: string;
  /** What the emulator received (also at `GET /emulator/requests`). */
  journal: EmulatorJournal;
  /** Stops listening and closes every open connection (stalled streams included). */
  close(): Promise<void>;
}

export interface ResolvedEmulatorOptions {
  port: number;
  host: string;
  seed: number;
  reply: ReplyMode;
  replyTokens: number;
  timeToFirstTokenMs: number;
  interChunkDelayMs: number;
  rpm: number | undefined;
  tpm: number | undefined;
  invalidKeys: ReadonlySet<string>;
  requireAuth: boolean;
  models: readonly ModelInfo[];
  acceptUnknownModels: boolean;
  strictFields: boolean;
  journalLimit: number;
  organization: string;
  maxBodyBytes: number;
  now: () => number;
}

export function resolveEmulatorOptions(options: EmulatorOptions): ResolvedEmulatorOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    seed: options.seed ?? 0,
    reply: options.reply ?? 'lorem',
    replyTokens: Math.max(0, Math.floor(options.replyTokens ?? 16)),
    timeToFirstTokenMs: options.timeToFirstTokenMs ?? 0,
    interChunkDelayMs: options.interChunkDelayMs ?? 0,
    rpm: options.rpm,
    tpm: options.tpm,
    invalidKeys: new Set(options.invalidKeys ?? []),
    requireAuth: options.requireAuth ?? true,
    models: options.models ?? [],
    acceptUnknownModels: options.acceptUnknownModels ?? false,
    strictFields: options.strictFields ?? false,
    journalLimit: options.journalLimit ?? 1000,
    organization: options.organization ?? 'org-emulator',
    maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024,
    now: options.now ?? Date.now,
  };
}
