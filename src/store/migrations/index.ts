import { migration0001 } from './0001-conversations.js';
import { migration0002 } from './0002-usage.js';
import { migration0003 } from './0003-gateway-keys.js';
import { migration0004 } from './0004-budget-limits-version.js';
import type { Migration } from './migration.js';

export type { Migration, StoreDialect } from './migration.js';

/** Every migration, in version order. Add one line per new migration file. */
export const migrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004];
