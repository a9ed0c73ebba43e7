import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAvailable, type TestDatabase } from '../store/test-databases.js';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

const LIMIT = 1000;

async function burst(gw: TestGateway, secret: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `question ${i}` }],
          max_tokens: 100,
          stream: i % 2 === 0,
        }),
      }).then(async (r) => ({ status: r.status, body: await r.text() })),
    ),
  );
}

async function checkNoOverspend(
  gw: TestGateway,
  keyId: string,
  results: Array<{ status: number; body: string }>,
) {
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 429);
  const other = results.filter((r) => r.status !== 200 && r.status !== 429);
  expect(other, JSON.stringify(other)).toEqual([]);
  expect(ok.length).toBeGreaterThan(0);
  expect(refused.length).toBeGreaterThan(0);
  for (const r of refused) expect(JSON.parse(r.body).error.code).toBe('budget_exceeded');

  // The ledger rows and settlements are written just after each answer.
  await gw.gateway.gateway.settled();
  const rows = await gw.store.db.selectFrom('usage_ledger').selectAll().where('key_id', '=', keyId).execute();
  const spent = rows.reduce((sum, r) => sum + Number(r.prompt_tokens) + Number(r.completion_tokens), 0);
  expect(spent).toBeLessThanOrEqual(LIMIT);
  // Every upstream call is in the ledger, and only those: refused calls never went upstream.
  expect(rows.length).toBe(ok.length);
  expect(gw.emulator.journal.requests('/v1/chat/completions').length).toBe(ok.length);
  // The budget counters agree with the ledger, and nothing stays reserved.
  const counters = await gw.store.db
    .selectFrom('budget_counters')
    .selectAll()
    .where('scope', '=', 'key')
    .where('scope_id', '=', keyId)
    .execute();
  expect(counters.length).toBe(1);
  expect(Number(counters[0]!.used_tokens)).toBe(spent);
  expect(Number(counters[0]!.reserved_tokens)).toBe(0);
}

describe('concurrent calls against one key’s budget', () => {
  let gw: TestGateway | undefined;
  let pg: TestDatabase | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    await pg?.drop();
    pg = undefined;
  });

  it('never overspend on SQLite: worst cases are reserved before going upstream', async () => {
    gw = await startTestGateway({ emulator: { interChunkDelayMs: 5 } });
    const created = await gw.gateway.gateway.keys.create({ name: 'budgeted' });
    await setDailyTokens(gw, created.key.id);
    const results = await burst(gw, created.secret, 30);
    await checkNoOverspend(gw, created.key.id, results);
  });

  it('never overspend on PostgreSQL', async () => {
    if (!(await postgresAvailable())) return;
    pg = await createPostgresDatabase();
    gw = await startTestGateway({ storeUrl: pg.url, emulator: { interChunkDelayMs: 5 } });
    const created = await gw.gateway.gateway.keys.create({ name: 'budgeted' });
    await setDailyTokens(gw, created.key.id);
    const results = await burst(gw, created.secret, 30);
    await checkNoOverspend(gw, created.key.id, results);
  });
});

async function setDailyTokens(gw: TestGateway, keyId: string) {
  await gw.store.db
    .insertInto('budget_limits')
    .values({
      scope: 'key',
      scope_id: keyId,
      period: 'day',
      tokens_limit: LIMIT,
      cost_limit: null,
      currency: null,
      updated_at: Date.now(),
    })
    .execute();
}
