import type { Migration } from './migration.js';

/** Gateway keys (DESIGN §7): stored hashed, with their name, limits and revocation time. */
export const migration0003: Migration = {
  version: 3,
  name: 'gateway-keys',
  async up(db) {
    await db.schema
      .createTable('gateway_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('models', 'text')
      .addColumn('rpm', 'integer')
      .addColumn('tpm', 'integer')
      .addColumn('max_tokens', 'integer')
      .addColumn('max_messages', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .execute();
  },
};
