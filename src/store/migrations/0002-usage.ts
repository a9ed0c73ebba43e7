import type { Migration } from './migration.js';

/** The usage ledger and budgets: limits, counters per period, reservations, alerts sent (DESIGN §7). */
export const migration0002: Migration = {
  version: 2,
  name: 'usage',
  async up(db) {
    await db.schema
      .createTable('usage_ledger')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('conversation_id', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('upstream', 'text')
      .addColumn('request_id', 'text')
      .addColumn('upstream_request_id', 'text')
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('prompt_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('completion_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cached_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('cost', 'double precision')
      .addColumn('currency', 'text')
      .addColumn('latency_ms', 'integer')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('estimated', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('usage_ledger_created').on('usage_ledger').column('created_at').execute();
    await db.schema
      .createIndex('usage_ledger_user')
      .on('usage_ledger')
      .columns(['user_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('usage_ledger_key')
      .on('usage_ledger')
      .columns(['key_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('usage_ledger_conversation')
      .on('usage_ledger')
      .columns(['conversation_id', 'created_at'])
      .execute();

    await db.schema
      .createTable('budget_limits')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('tokens_limit', 'bigint')
      .addColumn('cost_limit', 'double precision')
      .addColumn('currency', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('budget_limits_pk', ['scope', 'scope_id', 'period'])
      .execute();

    await db.schema
      .createTable('budget_counters')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('period_key', 'text', (c) => c.notNull())
      .addColumn('used_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('reserved_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('used_cost', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('reserved_cost', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('currency', 'text')
      .addColumn('period_end', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('budget_counters_pk', ['scope', 'scope_id', 'period', 'period_key'])
      .execute();

    await db.schema
      .createTable('budget_reservations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('items', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('budget_reservations_expires')
      .on('budget_reservations')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('budget_alerts')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('scope_id', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('period_key', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('threshold', 'integer', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('budget_alerts_pk', [
        'scope',
        'scope_id',
        'period',
        'period_key',
        'unit',
        'threshold',
      ])
      .execute();
  },
};
