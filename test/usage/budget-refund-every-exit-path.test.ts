import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  BudgetExceededError,
  createBudgetStage,
  createUsageServices,
  LocalRateLimitError,
  RunawayRequestError,
  type UsageServices,
} from '../../src/usage/index.js';
import { freshDatabase, type TestDatabase } from './databases.js';

let emulator: EmulatorHandle;
let database: TestDatabase;
let store: Store;
let services: UsageServices;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, replyTokens: 12 });
  database = await freshDatabase('sqlite');
  store = await openStore({ url: database.url });
});
afterAll(async () => {
  await emulator.close();
  await store.close();
  await database.drop();
});

let n = 0;
const ask = () => [{ role: 'user' as const, content: `Tell me something, please (${n++}).` }];

function client(maxRetries = 0) {
  return createClient({
    settings: false,
    baseUrl: emulator.url,
    apiKey: 'sk-test',
    maxRetries,
    stages: services.stages,
  });
}

async function counters() {
  const [status] = await services.book.status();
  return { reserved: status!.reservedTokens, used: status!.usedTokens };
}

async function ledger() {
  await services.usageStage.flush();
  return (await services.ledger.entries({ since: 0 })).reverse();
}

describe('budget refunds on every exit path', () => {
  beforeEach(async () => {
    await store.db.deleteFrom('usage_ledger').execute();
    await store.db.deleteFrom('budget_counters').execute();
    await store.db.deleteFrom('budget_reservations').execute();
    services = createUsageServices({
      store,
      file: {
        budgets: {
          daily: { scope: 'global', period: 'day', tokens: 100_000 },
          rateLimits: { 'user:limited': { requestsPerMinute: 2 } },
          runaway: { maxRepeats: 3, windowSeconds: 60 },
        },
      },
    });
  });

  it('settles a completed call to its real usage and releases the rest', async () => {
    const c = client();
    const result = await c.chat({ model: 'gpt-4o-mini', messages: ask(), max_tokens: 500 });
    expect(await counters()).toEqual({ reserved: 0, used: result.usage!.total_tokens });
    const rows = await ledger();
    expect(rows).toMatchObject([{ outcome: 'ok', attempt: 1, estimated: false }]);
    expect(rows[0]!.cost).toBeGreaterThan(0);
  });

  it('refunds everything when the upstream fails, and records the failed attempt', async () => {
    const c = client();
    await expect(
      c.chat(
        { model: 'gpt-4o-mini', messages: ask(), max_tokens: 500 },
        { headers: { 'x-emulator-fault': '500' } },
      ),
    ).rejects.toMatchObject({ status: 500 });
    expect(await counters()).toEqual({ reserved: 0, used: 0 });
    expect(await ledger()).toMatchObject([
      { outcome: 'error', attempt: 1, promptTokens: 0, completionTokens: 0 },
    ]);
  });

  it('writes one ledger row per attempt when a retry succeeds', async () => {
    const c = client(2);
    const result = await c.chat(
      { model: 'gpt-4o-mini', messages: ask(), max_tokens: 500 },
      { headers: { 'x-emulator-fault': '500;times=1;retry-after-ms=1' } },
    );
    const rows = await ledger();
    expect(rows.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'error'],
      [2, 'ok'],
    ]);
    expect(rows.every((r) => r.requestId === rows[0]!.requestId)).toBe(true);
    expect(await counters()).toEqual({ reserved: 0, used: result.usage!.total_tokens });
  });

  it('charges a cut stream its estimated usage and records it as cut', async () => {
    const c = client();
    const stream = await c.chat(
      { model: 'gpt-4o-mini', messages: ask(), max_tokens: 500, stream: true },
      { headers: { 'x-emulator-fault': 'drop-after=3' } },
    );
    await expect(stream.finalCompletion()).rejects.toMatchObject({ code: 'stream_interrupted' });
    const rows = await ledger();
    expect(rows).toMatchObject([{ outcome: 'cut', estimated: true }]);
    expect(rows[0]!.completionTokens).toBeGreaterThan(0);
    expect(await counters()).toEqual({
      reserved: 0,
      used: rows[0]!.promptTokens + rows[0]!.completionTokens,
    });
  });

  it('charges an aborted stream what it used so far', async () => {
    const c = client();
    const stream = await c.chat(
      { model: 'gpt-4o-mini', messages: ask(), max_tokens: 500, stream: true },
      { headers: { 'x-emulator-fault': 'slow=20' } },
    );
    let chunks = 0;
    await expect(
      (async () => {
        for await (const _ of stream) {
          if (++chunks === 3) stream.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'aborted' });
    const rows = await ledger();
    expect(rows).toMatchObject([{ outcome: 'aborted' }]);
    const { reserved, used } = await counters();
    expect(reserved).toBe(0);
    expect(used).toBe(rows[0]!.promptTokens + rows[0]!.completionTokens);
  });

  it('releases the hold when the reader stops reading early', async () => {
    const c = client();
    const stream = await c.chat(
      { model: 'gpt-4o-mini', messages: ask(), max_tokens: 500, stream: true },
      { headers: { 'x-emulator-fault': 'slow=10' } },
    );
    for await (const _ of stream) break;
    expect((await counters()).reserved).toBe(0);
    expect(await ledger()).toMatchObject([{ outcome: 'aborted' }]);
  });

  it('settles a stream that is aborted and never read, after a short grace, charging the prompt', async () => {
    const c = createClient({
      settings: false,
      baseUrl: emulator.url,
      apiKey: 'sk-test',
      maxRetries: 0,
      stages: [createBudgetStage({ book: services.book, abortGraceMs: 20 })],
    });
    const stream = await c.chat(
      { model: 'gpt-4o-mini', messages: ask(), max_tokens: 500, stream: true },
      { headers: { 'x-emulator-fault': 'slow=50' } },
    );
    expect((await counters()).reserved).toBeGreaterThan(500);
    stream.abort();
    for (let i = 0; i < 100 && (await counters()).reserved > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const { reserved, used } = await counters();
    expect(reserved).toBe(0);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(100);
  });

  it('refuses before going upstream: budget, rate limit (with when to retry), runaway loop', async () => {
    const c = client();
    const before = emulator.journal.requests('/v1/chat/completions').length;
    await expect(
      c.chat({ model: 'gpt-4o-mini', messages: ask(), max_tokens: 200_000 }),
    ).rejects.toBeInstanceOf(BudgetExceededError);
    const limited = { context: { userId: 'limited' } };
    await c.chat({ model: 'gpt-4o-mini', messages: ask(), max_tokens: 5 }, limited);
    await c.chat({ model: 'gpt-4o-mini', messages: ask(), max_tokens: 5 }, limited);
    const error = await c
      .chat({ model: 'gpt-4o-mini', messages: ask(), max_tokens: 5 }, limited)
      .catch((e) => e);
    expect(error).toBeInstanceOf(LocalRateLimitError);
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const same = ask();
    for (let i = 0; i < 3; i++) await c.chat({ model: 'gpt-4o-mini', messages: same, max_tokens: 5 });
    await expect(c.chat({ model: 'gpt-4o-mini', messages: same, max_tokens: 5 })).rejects.toBeInstanceOf(
      RunawayRequestError,
    );
    // Only the 5 accepted calls reached the upstream, and only they are in the ledger.
    expect(emulator.journal.requests('/v1/chat/completions').length - before).toBe(5);
    expect(await ledger()).toHaveLength(5);
    expect((await counters()).reserved).toBe(0);
  });
});
