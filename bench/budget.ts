// Budget reservation throughput: reserve + settle per second against a plain single-row insert
// (the baseline), on SQLite and PostgreSQL, sequential and with 16 calls in flight, in alternating
// rounds.
// Run: npx tsx bench/budget.ts   (PostgreSQL at 127.0.0.1:5432 is used when it answers)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../src/store/index.js';
import { createBudgetBook, createUsageLedger } from '../src/usage/index.js';

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

interface Result {
  dialect: string;
  inFlight: number;
  insertPerSec: number;
  budgetPerSec: number;
}

async function timed(ops: number, inFlight: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < ops) await op(next++);
    }),
  );
  return ops / ((performance.now() - started) / 1000);
}

async function measure(store: Store, dialect: string, ops: number): Promise<Result[]> {
  const ledger = createUsageLedger(store);
  const book = createBudgetBook({
    store,
    timeZone: 'UTC',
    limits: [
      { scope: 'global', scopeId: '*', period: 'day', tokens: 1e15, cost: { amount: 1e12, currency: 'USD' } },
      { scope: 'user', scopeId: '*', period: 'month', tokens: 1e15 },
    ],
  });
  const insert = (i: number) =>
    ledger.record({
      at: Date.now(),
      model: 'gpt-4o-mini',
      userId: `u${i % 8}`,
      attempt: 1,
      promptTokens: 100,
      completionTokens: 50,
      cachedTokens: 0,
      reasoningTokens: 0,
      cost: 0.0001,
      currency: 'USD',
      latencyMs: 10,
      outcome: 'ok',
      estimated: false,
    });
  const reserveSettle = async (i: number) => {
    const r = await book.reserve({
      scopes: { userId: `u${i % 8}` },
      model: 'gpt-4o-mini',
      tokens: 600,
      cost: { amount: 0.0004, currency: 'USD' },
    });
    await book.settle(r, { tokens: 150, cost: { amount: 0.0001, currency: 'USD' } });
  };
  // Warm-up (connections, statement caches, counter rows).
  for (let i = 0; i < 50; i++) {
    await insert(i);
    await reserveSettle(i);
  }
  const out: Result[] = [];
  // Alternating short rounds, so both sides share whatever else the machine is doing.
  const rounds = 5;
  for (const inFlight of [1, 16]) {
    let insertSeconds = 0;
    let budgetSeconds = 0;
    for (let round = 0; round < rounds; round++) {
      insertSeconds += ops / rounds / (await timed(ops / rounds, inFlight, insert));
      budgetSeconds += ops / rounds / (await timed(ops / rounds, inFlight, reserveSettle));
    }
    out.push({ dialect, inFlight, insertPerSec: ops / insertSeconds, budgetPerSec: ops / budgetSeconds });
  }
  const [status] = await book.status({ userId: 'u0' });
  if (status?.reservedTokens !== 0) throw new Error('bench: reservations left behind');
  return out;
}

async function postgres(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    console.log('PostgreSQL at 127.0.0.1:5432 not reachable: measuring SQLite only.');
    return undefined;
  }
  const name = `steadychat_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      // Let the closed pool's connections finish ending before the database goes.
      for (let i = 0; i < 100; i++) {
        const { rows } = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [
          name,
        ]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const results: Result[] = [];
const dir = mkdtempSync(join(tmpdir(), 'steadychat-bench-budget-'));
try {
  const sqlite = await openStore({ url: join(dir, 'bench.db') });
  results.push(...(await measure(sqlite, 'sqlite', 2000)));
  await sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const pgDb = await postgres();
if (pgDb) {
  try {
    const store = await openStore({ url: pgDb.url });
    results.push(...(await measure(store, 'postgres', 1000)));
    await store.close();
  } finally {
    await pgDb.drop();
  }
}

console.log(`node ${process.version}, ${new Date().toISOString()}`);
console.log('| store | calls in flight | plain insert /s | reserve + settle /s | ratio (budget / insert) |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.dialect} | ${r.inFlight} | ${Math.round(r.insertPerSec)} | ${Math.round(r.budgetPerSec)} | ${(r.budgetPerSec / r.insertPerSec).toFixed(2)} |`,
  );
}
