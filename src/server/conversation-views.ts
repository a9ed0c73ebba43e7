import { sql } from 'kysely';
import type { ConversationInfo, StoredMessage } from '../memory/index.js';
import type { ChatMessage } from '../openai/index.js';
import type { Store } from '../store/index.js';
import { getModelInfo } from '../tokens/index.js';
import type { PriceTable } from '../usage/index.js';

/** A conversation as the API shows it. */
export interface ConversationView {
  id: string;
  title: string;
  model: string;
  system: string | null;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
}

/** A stored message as the API shows it. */
export interface MessageView {
  id: string;
  seq: number;
  role: string;
  content: string;
  status: 'complete' | 'interrupted';
  /** Tokens of this message (by the published chat rule). */
  tokens: number;
  /** Usage of the call that produced it (assistant replies). */
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    estimated?: boolean;
  } | null;
  /** Cost of that call; null when unknown (no usage or no price). */
  cost: number | null;
  currency: string | null;
  model: string | null;
  createdAt: number;
}

export function conversationView(info: ConversationInfo): ConversationView {
  return {
    id: info.id,
    title: info.title,
    model: info.model,
    system: info.system,
    createdAt: info.createdAt,
    updatedAt: info.updatedAt,
  };
}

export function messageView(m: StoredMessage, prices: PriceTable): MessageView {
  const u = m.usage;
  const cost =
    u && m.model
      ? prices.cost(m.model, {
          promptTokens: u.prompt_tokens,
          completionTokens: u.completion_tokens,
          cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
        })
      : null;
  return {
    id: m.id,
    seq: m.seq,
    role: m.message.role,
    content: textOf(m.message),
    status: m.status,
    tokens: m.tokens,
    usage: u
      ? {
          prompt_tokens: u.prompt_tokens,
          completion_tokens: u.completion_tokens,
          total_tokens: u.total_tokens,
          ...(u.estimated ? { estimated: true } : {}),
        }
      : null,
    cost: cost?.amount ?? null,
    currency: cost?.currency ?? null,
    model: m.model,
    createdAt: m.createdAt,
  };
}

/** How full the model's window is: the last call's prompt + reply, else the stored messages' tokens. */
export function contextUse(
  model: string,
  messages: readonly StoredMessage[],
  maxContextTokens: number | undefined,
): { used: number; limit: number } {
  const limit = Math.min(getModelInfo(model).contextWindow, maxContextTokens ?? Number.POSITIVE_INFINITY);
  for (let i = messages.length - 1; i >= 0; i--) {
    const usage = messages[i]!.usage;
    if (usage) return { used: usage.prompt_tokens + usage.completion_tokens, limit };
  }
  return { used: messages.reduce((sum, m) => sum + m.tokens, 0), limit };
}

function textOf(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) {
    return message.content
      .map((part) => ('text' in part && typeof part.text === 'string' ? part.text : ''))
      .join('');
  }
  return '';
}

/**
 * A caller's conversations, newest first; `q` matches titles and message text (case-insensitive).
 */
export async function searchConversations(
  store: Pick<Store, 'db'>,
  owner: string,
  q: string | undefined,
  limit = 200,
): Promise<ConversationView[]> {
  let query = store.db
    .selectFrom('conversations')
    .select(['id', 'title', 'model', 'system_prompt', 'created_at', 'updated_at'])
    .where('owner', '=', owner);
  const text = q?.trim();
  if (text) {
    const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`lower(title) like ${pattern} escape '\\'`,
        eb.exists(
          eb
            .selectFrom('messages')
            .select('messages.id')
            .whereRef('messages.conversation_id', '=', 'conversations.id')
            .where(sql<boolean>`lower(messages.content) like ${pattern} escape '\\'`),
        ),
      ]),
    );
  }
  const rows = await query.orderBy('updated_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    model: r.model,
    system: r.system_prompt,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }));
}
