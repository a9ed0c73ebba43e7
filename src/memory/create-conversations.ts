import type { Next } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import { countMessageTokens, countTextTokens, countToolsTokens, type TokenCounter } from '../tokens/index.js';
import { type ChatClientLike, toNext } from './chat-adapter.js';
import { Conversation } from './conversation.js';
import { ConversationRepo, notFound } from './conversation-repo.js';
import type { ConversationInfo, MemoryLogger, MemoryOptions } from './types.js';

/** Options of {@link createConversations}. */
export interface ConversationsOptions {
  /** The store from `openStore()`. */
  store: Pick<Store, 'db'>;
  /** Where calls go: a client from `createClient()`, or a pipeline function (`compose(stages, upstream)`). */
  chat: Next | ChatClientLike;
  /**
   * Model of new conversations.
   * @default 'gpt-4o-mini'
   */
  model?: string;
  /** Window, reserve, interrupted replies and summaries. */
  memory?: MemoryOptions;
  /** @default the shared counter of `steadychat` (`countMessageTokens`, …) */
  counter?: MemoryCounter;
  /** Where warnings (count drift, failed summaries) go. @default none */
  logger?: MemoryLogger;
  /** @default Date.now */
  now?: () => number;
}

/** Creating a conversation. */
export interface CreateConversationOptions {
  /** @default a random `conv_…` id */
  id?: string;
  /** @default '' (set from the first question) */
  title?: string;
  /** System prompt, always sent first. @default none */
  system?: string | null;
  /** @default the layer's model */
  model?: string;
  /** End user or gateway key the conversation belongs to. @default none */
  owner?: string | null;
}

/** The conversations of one store. */
export interface Conversations {
  create(options?: CreateConversationOptions): Promise<Conversation>;
  /** Open by id; throws `conversation_not_found` when there is none. */
  open(id: string): Promise<Conversation>;
  /** Open by id, or null. */
  find(id: string): Promise<Conversation | null>;
  /** Most recently updated first. */
  list(filter?: { owner?: string | null; limit?: number; offset?: number }): Promise<ConversationInfo[]>;
  /** @returns whether it existed. */
  delete(id: string): Promise<boolean>;
}

/** The counting a conversation needs (the shared counter of `steadychat` by default). */
export type MemoryCounter = Pick<TokenCounter, 'countTextTokens' | 'countMessageTokens' | 'countToolsTokens'>;

const sharedCounter: MemoryCounter = { countTextTokens, countMessageTokens, countToolsTokens };

/** Conversations with memory over a store and a chat pipeline. */
export function createConversations(options: ConversationsOptions): Conversations {
  const repo = new ConversationRepo(options.store.db, options.now ?? Date.now);
  const deps = {
    repo,
    chat: toNext(options.chat),
    counter: options.counter ?? sharedCounter,
    memory: options.memory ?? {},
    logger: options.logger,
  };
  const defaultModel = options.model ?? 'gpt-4o-mini';
  const find = async (id: string) => {
    const info = await repo.get(id);
    return info ? new Conversation(info, deps) : null;
  };
  return {
    async create(init = {}) {
      const info = await repo.create({
        ...(init.id === undefined ? {} : { id: init.id }),
        owner: init.owner ?? null,
        title: init.title ?? '',
        system: init.system ?? null,
        model: init.model ?? defaultModel,
      });
      return new Conversation({ ...info, lastSeq: 0 }, deps);
    },
    find,
    async open(id) {
      const conversation = await find(id);
      if (!conversation) throw notFound(id);
      return conversation;
    },
    list: (filter = {}) => repo.list(filter),
    delete: (id) => repo.delete(id),
  };
}
