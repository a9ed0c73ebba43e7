import { createClient } from '../../src/client/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { type ConversationsOptions, createConversations } from '../../src/memory/index.js';
import type { ChatMessage } from '../../src/openai/wire-types.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { ModelInfo } from '../../src/tokens/index.js';
import { createTestDatabase, type TestDatabase } from '../store/test-databases.js';

/** A small model so a few turns overflow its window. */
export const TINY: ModelInfo = {
  id: 'tiny-test-model',
  snapshot: 'tiny-test-model-2025-01-01',
  contextWindow: 1200,
  maxOutputTokens: 200,
  encoding: 'o200k_base',
  reasoning: false,
  created: 1700000000,
  owned_by: 'system',
};

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** A client on the emulator, optionally with a fault header on every call. */
export function clientFor(emulator: Emulator, headers: Record<string, string> = {}) {
  return createClient({
    baseUrl: emulator.url,
    apiKey: 'sk-test-memory-0000',
    settings: false,
    maxRetries: 0,
    headers,
  });
}

export interface Harness {
  emulator: Emulator;
  database: TestDatabase;
  store: Store;
  conversations(options?: Partial<ConversationsOptions>): ReturnType<typeof createConversations>;
  /** Reopen the store (a new process would). */
  reopen(): Promise<void>;
  /** The messages of each chat request the emulator received, oldest first. */
  sent(): ChatMessage[][];
  close(): Promise<void>;
}

export async function startHarness(kind: 'sqlite' | 'postgres'): Promise<Harness> {
  const emulator = await startEmulator({ reply: 'echo', models: [TINY] });
  const database = await createTestDatabase(kind);
  const h: Harness = {
    emulator,
    database,
    store: await openStore({ url: database.url }),
    conversations: (options = {}) =>
      createConversations({ store: h.store, chat: clientFor(emulator), model: 'gpt-4o-mini', ...options }),
    async reopen() {
      await h.store.close();
      h.store = await openStore({ url: database.url });
    },
    sent: () =>
      emulator.journal
        .requests('/v1/chat/completions')
        .map((e) => (e.body as { messages: ChatMessage[] }).messages),
    async close() {
      await h.store.close();
      await emulator.close();
      await database.drop();
    },
  };
  return h;
}
