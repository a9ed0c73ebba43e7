export type { Migration, StoreDialect } from './migrations/index.js';
export { migrations } from './migrations/index.js';
export { DEFAULT_BUSY_TIMEOUT_MS, type OpenStoreOptions, openStore, type Store } from './open-store.js';
export { kyselyPlainSql, type PlainResult, type PlainSql } from './plain-sql.js';
export { runMigrations } from './run-migrations.js';
export type {
  ConversationsTable,
  Database,
  GatewayKeysTable,
  MessagesTable,
  MigrationsTable,
} from './schema.js';
export { StoreError } from './store-error.js';
export { timeOrderedId } from './time-ordered-id.js';
