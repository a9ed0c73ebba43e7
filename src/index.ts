// The public API of steadychat: named exports only.
export { SteadyChatError, UsageError } from './errors/index.js';
export {
  type ConversationsTable,
  type Database,
  type MessagesTable,
  type Migration,
  type OpenStoreOptions,
  openStore,
  runMigrations,
  type Store,
  type StoreDialect,
  StoreError,
} from './store/index.js';
