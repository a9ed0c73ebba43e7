import type { Logger, Settings } from '../config/index.js';
import type { Conversations, MemoryOptions } from '../memory/index.js';
import type { ModelObject } from '../openai/index.js';
import type { Next } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import type { UsageServices } from '../usage/index.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { GatewayKey, KeyStore } from './key-store.js';
import type { UpstreamPool } from './upstream-pool.js';

/** Who is calling: a gateway key, or the built-in `local` caller of an open gateway. */
export interface Caller {
  /** The key id, or `local`. */
  id: string;
  key: GatewayKey | null;
}

/** A stream in flight, so shutdown can wait for it or cut it. */
export interface OpenStream {
  /** Ends the stream with an error frame saying the gateway is shutting down. */
  cut(): void;
  done: Promise<void>;
}

/** What the route modules share. */
export interface GatewayContext {
  settings: Settings;
  logger: Logger;
  store: Store;
  keys: KeyStore;
  services: UsageServices;
  pool: UpstreamPool;
  /** usage → budget (and rate limits) → redaction → fallback(retry → upstream). */
  pipeline: Next;
  metrics: GatewayMetrics;
  limits: { bodyBytes: number; maxMessages: number; maxTokens: number | undefined };
  keepAliveMs: number;
  forwardHeaders: readonly string[];
  /** Upstream keys and the admin key: masked wherever they could appear. */
  secrets: readonly string[];
  defaultModel: string;
  memory: MemoryOptions;
  demo: boolean;
  /** Conversations scoped to one caller (calls charged to its key). */
  conversationsFor(caller: Caller): Conversations;
  /** The models offered (upstream list, cached). */
  listModels(): Promise<ModelObject[]>;
  /** Whether requests without a key are accepted (loopback, no keys). */
  isOpen(): Promise<boolean>;
  /** Streams in flight. */
  streams: Set<OpenStream>;
  /** True once shutdown began. */
  closing(): boolean;
  /** Takes an answer's bookkeeping (ledger rows, settlement) so the answer need not wait for it. */
  afterAnswer(work: Promise<unknown>): void;
  /** Resolves when the bookkeeping of every answer given so far is written. */
  settled(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
    startedAt: number;
  }
}
