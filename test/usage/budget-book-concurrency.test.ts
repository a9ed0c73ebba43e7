import { describe, expect, it } from 'vitest';
import { BudgetExceededError, createBudgetBook } from '../../src/usage/index.js';
import { freshStores, storeDialects } from './databases.js';

const dialects = await storeDialects();

describe.each(dialects)('budget reservations on %s', (kind) => {
  const fresh = freshStores(kind);
  const open = async () => (await fresh()).store;

  it('never holds more than the limit when 200 reservations race', async () => {
    const s = await open();
    const book = createBudgetBook({
      store: s,
      timeZone: 'UTC',
      limits: [
        { scope: 'global', scopeId: '*', period: 'day', tokens: 5000, cost: { amount: 1, currency: 'USD' } },
      ],
    });
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () =>
        book.reserve({
          scopes: {},
          model: 'gpt-4o-mini',
          tokens: 100,
          cost: { amount: 0.01, currency: 'USD' },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(50);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BudgetExceededError);
    const [status] = await book.status();
    expect(status?.reservedTokens).toBe(5000);
    // Settle half of the real use; the rest is refunded.
    await Promise.all(
      ok.map((r) =>
        book.settle((r as PromiseFulfilledResult<never>).value, {
          tokens: 50,
          cost: { amount: 0.005, currency: 'USD' },
        }),
      ),
    );
    const [after] = await book.status();
    expect(after?.reservedTokens).toBe(0);
    expect(after?.usedTokens).toBe(2500);
    expect(after?.usedCost).toBeCloseTo(0.25, 9);
  });
});
