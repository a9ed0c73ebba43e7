import type { Migration } from './migration.js';

/** Conversations and their messages (DESIGN §7). */
export const migration0001: Migration = {
  version: 1,
  name: 'conversations',
  async up(db) {
    await db.schema
      .createTable('conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text')
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('system_prompt', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('summary', 'text')
      .addColumn('summary_through_seq', 'integer')
      .addColumn('summary_tokens', 'integer')
      .addColumn('settings', 'text')
      .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('conversations_owner_updated')
      .on('conversations')
      .columns(['owner', 'updated_at'])
      .execute();
    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) =>
        c.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('content', 'text')
      .addColumn('content_parts', 'text')
      .addColumn('name', 'text')
      .addColumn('tool_calls', 'text')
      .addColumn('tool_call_id', 'text')
      .addColumn('token_count', 'integer', (c) => c.notNull())
      .addColumn('token_encoding', 'text')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('complete'))
      .addColumn('usage', 'text')
      .addColumn('model', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('messages_conversation_seq', ['conversation_id', 'seq'])
      .execute();
  },
};
