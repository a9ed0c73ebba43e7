import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { countChatTokens } from '../../src/tokens/index.js';
import { BudgetExceededError, createUsageServices } from '../../src/usage/index.js';
import { freshDatabase as createTestDatabase, storeDialects, type TestDatabase } from './databases.js';

const dialects = await storeDialects();
const CALLS = 200;
const MAX_TOKENS = 20;

describe.each(dialects)('200 concurrent calls against a budget for about 50, on %s', (kind) => {
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  let emulator: EmulatorHandle | undefined;
  afterEach(async () => {
    await emulator?.close();
    await store?.close();
    await database?.drop();
    emulator = undefined;
    store = undefined;
    database = undefined;
  });

  it('never reserves or spends past the limit; refused calls never go upstream; the ledger matches', async () => {
    database = await createTestDatabase(kind);
    store = await openStore({ url: database.url });
    emulator = await startEmulator({ port: 0, replyTokens: 8 });
    const messages = (i: number) => [{ role: 'user' as const, content: `Question number ${1000 + i}?` }];
    const worst = countChatTokens({ model: 'gpt-4o-mini', messages: messages(0) }) + MAX_TOKENS;
    const limit = worst * 50;
    const services = createUsageServices({
      store,
      file: { budgets: { daily: { scope: 'global', period: 'day', tokens: limit, cost: '1USD' } } },
    });
    const client = createClient({
      settings: false,
      baseUrl: emulator.url,
      apiKey: 'sk-test-budget',
      maxRetries: 0,
      stages: services.stages,
    });

    // Watch the counters while the calls run: reserved + spent must never pass the limit.
    let peak = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const [status] = await services.book.status();
        if (status) peak = Math.max(peak, status.usedTokens + status.reservedTokens);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const reported: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: CALLS }, async (_, i) => {
        if (i % 2 === 0) {
          const completion = await client.chat({
            model: 'gpt-4o-mini',
            messages: messages(i),
            max_tokens: MAX_TOKENS,
          });
          reported.push(completion.usage!.total_tokens);
          return;
        }
        const stream = await client.chat({
          model: 'gpt-4o-mini',
          messages: messages(i),
          max_tokens: MAX_TOKENS,
          stream: true,
        });
        const final = await stream.finalCompletion();
        expect(final.usageEstimated).toBe(false);
        reported.push(final.usage!.total_tokens);
      }),
    );
    watching = false;
    await watcher;
    await services.close();
    await client.close();

    const completed = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected');
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BudgetExceededError);
    expect(completed + refused.length).toBe(CALLS);
    expect(completed).toBeGreaterThanOrEqual(50);
    expect(refused.length).toBeGreaterThan(0);

    // Refused calls never reached the upstream.
    expect(emulator.journal.requests('/v1/chat/completions')).toHaveLength(completed);

    // The ledger has one row per upstream attempt and its totals equal what the emulator reported.
    const rows = await services.ledger.entries({ since: 0, limit: 1000 });
    expect(rows).toHaveLength(completed);
    const reportedTotal = reported.reduce((a, b) => a + b, 0);
    expect(rows.reduce((a, r) => a + r.promptTokens + r.completionTokens, 0)).toBe(reportedTotal);
    expect(rows.every((r) => r.outcome === 'ok' && !r.estimated && r.cost !== null)).toBe(true);

    const [status] = await services.book.status();
    expect(status?.reservedTokens).toBe(0);
    expect(status?.usedTokens).toBe(reportedTotal);
    expect(peak).toBeLessThanOrEqual(limit);
    expect(status!.usedTokens).toBeLessThanOrEqual(limit);
  });
});
