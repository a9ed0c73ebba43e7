import { describe, expect, it } from 'vitest';
import { createUsageLedger, type LedgerEntry } from '../../src/usage/index.js';
import { freshStores, storeDialects } from './databases.js';

const dialects = await storeDialects();

const row = (over: Partial<LedgerEntry>): LedgerEntry => ({
  at: 0,
  model: 'gpt-4o-mini',
  attempt: 1,
  promptTokens: 100,
  completionTokens: 10,
  cachedTokens: 0,
  reasoningTokens: 0,
  cost: 0.001,
  currency: 'USD',
  latencyMs: 5,
  outcome: 'ok',
  estimated: false,
  ...over,
});

describe.each(dialects)('ledger summaries on %s', (kind) => {
  const fresh = freshStores(kind);

  it('groups by local day across a time zone, and by model / user, with costs per currency', async () => {
    const { store } = await fresh();
    const ledger = createUsageLedger(store);
    // 15:30 UTC is already the next day in Shanghai; 15:59 UTC is 23:59 there.
    await ledger.record(row({ at: Date.UTC(2026, 10, 24, 15, 59), userId: 'a' }));
    await ledger.record(
      row({ at: Date.UTC(2026, 10, 24, 16, 1), userId: 'a', cachedTokens: 50, reasoningTokens: 3 }),
    );
    await ledger.record(
      row({
        at: Date.UTC(2026, 10, 25, 3),
        model: 'deepseek-chat',
        cost: 0.02,
        currency: 'CNY',
        outcome: 'cut',
        estimated: true,
      }),
    );
    await ledger.record(
      row({ at: Date.UTC(2026, 10, 25, 4), model: 'mystery', cost: null, currency: null, outcome: 'error' }),
    );
    const range = { since: Date.UTC(2026, 10, 20), until: Date.UTC(2026, 10, 26) };

    const days = await ledger.summarize({ ...range, by: 'day', timeZone: 'Asia/Shanghai' });
    expect(days.map((d) => [d.group, d.attempts])).toEqual([
      ['2026-11-24', 1],
      ['2026-11-25', 3],
    ]);
    const utcDays = await ledger.summarize({ ...range, by: 'day', timeZone: 'UTC' });
    expect(utcDays.map((d) => [d.group, d.attempts])).toEqual([
      ['2026-11-24', 2],
      ['2026-11-25', 2],
    ]);
    const day25 = days[1]!;
    expect(day25).toMatchObject({
      failed: 2,
      cachedTokens: 50,
      reasoningTokens: 3,
      unpriced: 1,
      totalTokens: 330,
    });
    expect(day25.cost.USD).toBeCloseTo(0.001, 9);
    expect(day25.cost.CNY).toBeCloseTo(0.02, 9);

    const users = await ledger.summarize({ ...range, by: 'user' });
    // Ties in tokens are ordered by name.
    expect(users.map((u) => [u.group, u.attempts])).toEqual([
      ['(none)', 2],
      ['a', 2],
    ]);
    const entries = await ledger.entries({ ...range, userId: 'a' });
    expect(entries.map((e) => e.cachedTokens)).toEqual([50, 0]);
    const cut = await ledger.entries({ ...range, limit: 10 });
    expect(cut.find((e) => e.model === 'deepseek-chat')).toMatchObject({
      outcome: 'cut',
      estimated: true,
      currency: 'CNY',
    });
  });

  it('sums costs to what a person would add up, without binary noise', async () => {
    const { store } = await fresh();
    const ledger = createUsageLedger(store);
    const at = Date.UTC(2026, 10, 24, 12);
    // 0.1 + 0.2 is 0.30000000000000004 in binary floats; 0.0000179 three times, 0.000053700000000000004.
    await ledger.record(row({ at, cost: 0.1 }));
    await ledger.record(row({ at: at + 1, cost: 0.2 }));
    for (let i = 0; i < 3; i++)
      await ledger.record(row({ at: at + 2 + i, cost: 0.0000179, currency: 'CNY' }));
    const [day] = await ledger.summarize({ since: at, until: at + 10, by: 'day', timeZone: 'UTC' });
    expect(day!.cost).toEqual({ USD: 0.3, CNY: 0.0000537 });
    expect([JSON.stringify(day!.cost.USD), JSON.stringify(day!.cost.CNY)]).toEqual(['0.3', '0.0000537']);
  });
});
