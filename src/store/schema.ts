import type { Generated } from 'kysely';

/**
 * The tables of the steadychat store, one interface per table (snake_case columns, as in SQL).
 * Timestamps are milliseconds since the epoch; JSON columns hold text. Each migration that adds a
 * table adds its interface here and a key in {@link Database}.
 */
export interface Database {
  steadychat_migrations: MigrationsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
}

/** Applied schema versions (written by the migration runner). */
export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface ConversationsTable {
  id: string;
  /** Owner (end user or gateway key), when known. */
  owner: string | null;
  title: string;
  system_prompt: string | null;
  model: string;
  /** Running summary of evicted turns, or null. */
  summary: string | null;
  /** The summary covers every message with `seq <= summary_through_seq`. */
  summary_through_seq: number | null;
  summary_tokens: number | null;
  /** JSON of per-conversation memory settings, or null for defaults. */
  settings: string | null;
  /** Highest `seq` used by a message of this conversation (0 when empty). */
  last_seq: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  /** Order within the conversation, from 1. */
  seq: number;
  role: string;
  /** String content, or null. */
  content: string | null;
  /** JSON array of content parts when the content was not a plain string. */
  content_parts: string | null;
  name: string | null;
  /** JSON array of tool calls (assistant messages). */
  tool_calls: string | null;
  tool_call_id: string | null;
  /** Tokens of this message by the published chat rule (cached count). */
  token_count: number;
  /** The encoding the count was made with (a different model family recounts). */
  token_encoding: string | null;
  /** 'complete' or 'interrupted'. */
  status: string;
  /** JSON usage of the call that produced this message (assistant replies). */
  usage: string | null;
  model: string | null;
  created_at: number;
}
