// Child process for the concurrent-start test: opens the store, runs the migrations given plus a
// slow one, prints the versions it applied as JSON.
import { type Migration, migrations, openStore, runMigrations } from '../../src/store/index.js';

const url = process.argv[2] ?? '';
const slow: Migration = {
  version: 1000,
  name: 'slow',
  async up(db) {
    await new Promise((r) => setTimeout(r, 50));
    await db.schema.createTable('counted').addColumn('x', 'integer').execute();
  },
};
const store = await openStore({ url, migrate: false });
const applied = await runMigrations(store.db, store.dialect, [...migrations, slow]);
await store.close();
process.stdout.write(JSON.stringify(applied));
