import { sql } from 'kysely';
import type { Migration } from './migration.js';

/**
 * A change counter for the budgets set in the store: triggers add one to it on every insert, update
 * or delete of `budget_limits`, whoever writes (this process, the CLI, another instance, an older
 * version). A budget book re-reads the budgets in force only when the counter moved, instead of
 * whenever anything at all was written to the file by another connection.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'budget-limits-version',
  async up(db, dialect) {
    await db.schema
      .createTable('change_counters')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.insertInto('change_counters').values({ name: 'budget_limits', version: 0 }).execute();
    if (dialect === 'sqlite') {
      for (const event of ['insert', 'update', 'delete']) {
        await sql
          .raw(
            `create trigger budget_limits_${event}_counted after ${event} on budget_limits
            begin update change_counters set version = version + 1 where name = 'budget_limits'; end`,
          )
          .execute(db);
      }
      return;
    }
    await sql`create function steadychat_budget_limits_counted() returns trigger language plpgsql as $$
      begin
        update change_counters set version = version + 1 where name = 'budget_limits';
        return null;
      end $$`.execute(db);
    await sql`create trigger budget_limits_counted after insert or update or delete on budget_limits
      for each statement execute function steadychat_budget_limits_counted()`.execute(db);
  },
};
