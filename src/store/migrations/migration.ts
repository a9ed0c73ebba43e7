import type { Kysely } from 'kysely';

/** Which SQL engine the store runs on. */
export type StoreDialect = 'sqlite' | 'postgres';

/**
 * One schema change. `up` runs inside the runner's transaction (and lock); it must use only `db`.
 * Versions are increasing integers and never reused; a file per migration (`0002-ledger.ts`).
 */
export interface Migration {
  version: number;
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
  up: (db: Kysely<any>, dialect: StoreDialect) => Promise<void>;
}
