import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Updateable } from 'kysely';
import type { ChatMessage } from '../openai/wire-types.js';
import type { Database } from '../store/index.js';
import { MemoryError } from './memory-error.js';
import type { ConversationInfo, MessageStatus, StoredMessage } from './types.js';

/** A message about to be stored (its seq is assigned at commit). */
export interface NewMessage {
  message: ChatMessage;
  tokens: number;
  encoding: string | null;
  status: MessageStatus;
  usage: StoredMessage['usage'];
  model: string | null;
}

/** What one turn changes, committed in one transaction. */
export interface TurnCommit {
  /** Delete messages with `seq >= deleteFromSeq` first (retry / edit). */
  deleteFromSeq?: number;
  /** The conversation must still end at this seq (no other writer in between); else nothing is written. */
  expectLastSeq?: number;
  add: NewMessage[];
  summary?: { text: string; throughSeq: number; tokens: number };
  title?: string;
}

type ConversationRow = Database['conversations'] extends infer T
  ? { [K in keyof T]: T[K] extends import('kysely').Generated<infer U> ? U : T[K] }
  : never;

/** SQL of conversations and messages; the same queries on SQLite and PostgreSQL. */
export class ConversationRepo {
  constructor(
    readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(init: {
    id?: string;
    owner: string | null;
    title: string;
    system: string | null;
    model: string;
  }): Promise<ConversationInfo> {
    const now = this.now();
    const row = {
      id: init.id ?? `conv_${randomUUID().replaceAll('-', '')}`,
      owner: init.owner,
      title: init.title,
      system_prompt: init.system,
      model: init.model,
      summary: null,
      summary_through_seq: null,
      summary_tokens: null,
      settings: null,
      last_seq: 0,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('conversations').values(row).execute();
    return toInfo(row);
  }

  async get(id: string): Promise<(ConversationInfo & { lastSeq: number }) | null> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { ...toInfo(row), lastSeq: Number(row.last_seq) } : null;
  }

  async lastSeq(id: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('conversations')
      .select('last_seq')
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? Number(row.last_seq) : null;
  }

  async list(filter: {
    owner?: string | null;
    limit?: number;
    offset?: number;
  }): Promise<ConversationInfo[]> {
    let query = this.db.selectFrom('conversations').selectAll();
    if (filter.owner !== undefined) {
      query =
        filter.owner === null ? query.where('owner', 'is', null) : query.where('owner', '=', filter.owner);
    }
    const rows = await query
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(filter.limit ?? 100)
      .offset(filter.offset ?? 0)
      .execute();
    return rows.map(toInfo);
  }

  async update(
    id: string,
    changes: { title?: string; system?: string | null; model?: string },
  ): Promise<void> {
    const set: Updateable<Database['conversations']> = { updated_at: this.now() };
    if (changes.title !== undefined) set.title = changes.title;
    if (changes.system !== undefined) set.system_prompt = changes.system;
    if (changes.model !== undefined) set.model = changes.model;
    const result = await this.db
      .updateTable('conversations')
      .set(set)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound(id);
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('messages').where('conversation_id', '=', id).execute();
      const result = await trx.deleteFrom('conversations').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  /** Remove every message and the summary. */
  async clear(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('conversations')
        .set({ summary: null, summary_through_seq: null, summary_tokens: null, updated_at: this.now() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound(id);
      await trx.deleteFrom('messages').where('conversation_id', '=', id).execute();
    });
  }

  async messages(id: string): Promise<StoredMessage[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', id)
      .orderBy('seq')
      .execute();
    return rows.map((r) => {
      const message: ChatMessage = { role: r.role as ChatMessage['role'] };
      message.content = r.content_parts !== null ? JSON.parse(r.content_parts) : r.content;
      if (r.name !== null) message.name = r.name;
      if (r.tool_calls !== null) message.tool_calls = JSON.parse(r.tool_calls);
      if (r.tool_call_id !== null) message.tool_call_id = r.tool_call_id;
      return {
        id: r.id,
        seq: Number(r.seq),
        message,
        tokens: Number(r.token_count),
        encoding: r.token_encoding,
        status: r.status === 'interrupted' ? 'interrupted' : 'complete',
        usage: r.usage === null ? null : JSON.parse(r.usage),
        model: r.model,
        createdAt: Number(r.created_at),
      };
    });
  }

  /**
   * Write a whole turn atomically: the conversation row is updated first (taking the write lock on
   * SQLite, the row lock on PostgreSQL), then old messages deleted and new ones inserted.
   */
  async commitTurn(id: string, commit: TurnCommit): Promise<StoredMessage[]> {
    const now = this.now();
    const count = commit.add.length;
    return this.db.transaction().execute(async (trx) => {
      const set: Record<string, unknown> = {
        last_seq: sql`last_seq + ${count}`,
        updated_at: now,
      };
      if (commit.summary) {
        set.summary = commit.summary.text;
        set.summary_through_seq = commit.summary.throughSeq;
        set.summary_tokens = commit.summary.tokens;
      }
      if (commit.title !== undefined) set.title = commit.title;
      const row = await trx
        .updateTable('conversations')
        .set(set)
        .where('id', '=', id)
        .returning('last_seq')
        .executeTakeFirst();
      if (!row) throw notFound(id);
      const last = Number(row.last_seq);
      const before = last - count;
      if (commit.expectLastSeq !== undefined && before !== commit.expectLastSeq) {
        throw new MemoryError(
          'conversation_busy',
          `Conversation ${id} changed while the reply was being generated; nothing was saved.`,
          { hint: 'Reload the conversation and try again.' },
        );
      }
      if (commit.deleteFromSeq !== undefined) {
        await trx
          .deleteFrom('messages')
          .where('conversation_id', '=', id)
          .where('seq', '>=', commit.deleteFromSeq)
          .execute();
      }
      const stored: StoredMessage[] = commit.add.map((m, i) => ({
        id: `msg_${randomUUID().replaceAll('-', '')}`,
        seq: before + i + 1,
        message: m.message,
        tokens: m.tokens,
        encoding: m.encoding,
        status: m.status,
        usage: m.usage,
        model: m.model,
        createdAt: now,
      }));
      if (stored.length > 0) {
        await trx
          .insertInto('messages')
          .values(
            stored.map((s) => ({
              id: s.id,
              conversation_id: id,
              seq: s.seq,
              role: s.message.role,
              content: typeof s.message.content === 'string' ? s.message.content : null,
              content_parts: Array.isArray(s.message.content) ? JSON.stringify(s.message.content) : null,
              name: s.message.name ?? null,
              tool_calls: s.message.tool_calls?.length ? JSON.stringify(s.message.tool_calls) : null,
              tool_call_id: s.message.tool_call_id ?? null,
              token_count: s.tokens,
              token_encoding: s.encoding,
              status: s.status,
              usage: s.usage === null ? null : JSON.stringify(s.usage),
              model: s.model,
              created_at: s.createdAt,
            })),
          )
          .execute();
      }
      return stored;
    });
  }
}

export function notFound(id: string): MemoryError {
  return new MemoryError('conversation_not_found', `No conversation with id ${id}.`, {
    hint: 'List conversations to find the id, or create a new one.',
  });
}

function toInfo(row: ConversationRow): ConversationInfo {
  return {
    id: row.id,
    owner: row.owner,
    title: row.title,
    system: row.system_prompt,
    model: row.model,
    summary: row.summary,
    summaryThroughSeq: row.summary_through_seq === null ? null : Number(row.summary_through_seq),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
