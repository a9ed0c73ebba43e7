import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, createBudgetBook, createUsageLedger } from '../../src/usage/index.js';
import { freshStores, storeDialects } from './databases.js';

const dialects = await storeDialects();
const child = fileURLToPath(new URL('./reserve-and-die-child.ts', import.meta.url));

function runChild(url: string, now: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', child, url, String(now)], (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

const sources = {
  store: new URL('../../src/store/index.ts', import.meta.url).href,
  usage: new URL('../../src/usage/index.ts', import.meta.url).href,
};

/** Runs an ES module body in another Node process, with openStore and createBudgetBook in scope. */
function runNode(body: string): Promise<void> {
  const script = `import { openStore } from '${sources.store}';
    import { createBudgetBook } from '${sources.usage}';
    ${body}`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
    );
  });
}

describe.each(dialects)('budget bookkeeping on %s', (kind) => {
  const fresh = freshStores(kind);
  let url = '';
  async function open() {
    const opened = await fresh();
    url = opened.url;
    return opened.store;
  }

  it('reclaims the reservation of a process that died mid-call once its lease expires', async () => {
    const s = await open();
    const start = Date.UTC(2026, 10, 25, 9);
    const id = await runChild(url, start);
    expect(id).toMatch(/[0-9a-f-]{36}/);
    let now = start + 1000;
    const book = createBudgetBook({
      store: s,
      timeZone: 'UTC',
      clock: () => now,
      limits: [{ scope: 'global', scopeId: '*', period: 'day', tokens: 1000 }],
    });
    // The dead process still holds 900 of 1000 tokens.
    await expect(book.reserve({ scopes: {}, model: 'm', tokens: 500, cost: null })).rejects.toBeInstanceOf(
      BudgetExceededError,
    );
    now = start + 61_000;
    const r = await book.reserve({ scopes: {}, model: 'm', tokens: 500, cost: null });
    expect(r.id).not.toBeNull();
    const [status] = await book.status();
    expect(status).toMatchObject({ reservedTokens: 500, usedTokens: 0 });
  });

  it('starts a new day from zero at local midnight (controllable clock)', async () => {
    const s = await open();
    // 23:59 in Shanghai on the 25th.
    let now = Date.UTC(2026, 10, 25, 15, 59);
    const book = createBudgetBook({
      store: s,
      timeZone: 'Asia/Shanghai',
      clock: () => now,
      limits: [{ scope: 'user', scopeId: '*', period: 'day', tokens: 100 }],
    });
    const r = await book.reserve({ scopes: { userId: 'u1' }, model: 'm', tokens: 100, cost: null });
    await book.settle(r, { tokens: 100, cost: null });
    await expect(
      book.reserve({ scopes: { userId: 'u1' }, model: 'm', tokens: 1, cost: null }),
    ).rejects.toMatchObject({
      code: 'budget_exceeded',
      details: { scope: 'user', scopeId: 'u1', periodKey: '2026-11-25', used: 100 },
    });
    // Another user has a budget of their own.
    await book.reserve({ scopes: { userId: 'u2' }, model: 'm', tokens: 100, cost: null });
    now += 60_000; // 00:00 on the 26th in Shanghai
    const next = await book.reserve({ scopes: { userId: 'u1' }, model: 'm', tokens: 100, cost: null });
    expect(next.items[0]?.periodKey).toBe('2026-11-26');
  });

  it('refuses a money budget for a model without a price, and converts between currencies', async () => {
    const s = await open();
    const book = createBudgetBook({
      store: s,
      timeZone: 'UTC',
      exchangeRates: { CNY: 7 },
      limits: [{ scope: 'global', scopeId: '*', period: 'month', cost: { amount: 1, currency: 'USD' } }],
    });
    await expect(
      book.reserve({ scopes: {}, model: 'mystery', tokens: 10, cost: null }),
    ).rejects.toMatchObject({
      details: { reason: 'unknown_price' },
    });
    // 7 CNY = 1 USD: fits exactly once.
    await book.reserve({
      scopes: {},
      model: 'deepseek-chat',
      tokens: 10,
      cost: { amount: 7, currency: 'CNY' },
    });
    await expect(
      book.reserve({
        scopes: {},
        model: 'deepseek-chat',
        tokens: 10,
        cost: { amount: 0.07, currency: 'CNY' },
      }),
    ).rejects.toMatchObject({ details: { unit: 'cost', currency: 'USD' } });
  });

  it('lets a budget set in the store override the config file, for one id or for all', async () => {
    const s = await open();
    const book = createBudgetBook({
      store: s,
      timeZone: 'UTC',
      limits: [{ scope: 'key', scopeId: '*', period: 'day', tokens: 10 }],
    });
    await expect(
      book.reserve({ scopes: { keyId: 'k1' }, model: 'm', tokens: 50, cost: null }),
    ).rejects.toThrow(BudgetExceededError);
    await book.setLimit({ scope: 'key', scopeId: 'k1', period: 'day', tokens: 100 });
    await book.reserve({ scopes: { keyId: 'k1' }, model: 'm', tokens: 50, cost: null });
    await expect(
      book.reserve({ scopes: { keyId: 'k2' }, model: 'm', tokens: 50, cost: null }),
    ).rejects.toThrow(BudgetExceededError);
    await book.setLimit({ scope: 'key', scopeId: '*', period: 'day', tokens: null });
    await book.reserve({ scopes: { keyId: 'k2' }, model: 'm', tokens: 50, cost: null });
    const limits = await book.limits();
    expect(limits).toEqual([
      expect.objectContaining({ scope: 'key', scopeId: 'k1', tokens: 100, source: 'store' }),
    ]);
  });

  it('applies a budget set by another process to the next reservation', async () => {
    const s = await open();
    const mine = createBudgetBook({ store: s, timeZone: 'UTC' });
    // Reservations in one turn of the event loop share one look at the budgets in force.
    await Promise.all([
      mine.reserve({ scopes: { keyId: 'k1' }, model: 'm', tokens: 50, cost: null }),
      mine.reserve({ scopes: { keyId: 'k1' }, model: 'm', tokens: 50, cost: null }),
    ]);
    await runNode(
      `const store = await openStore({ url: ${JSON.stringify(url)} });
       await createBudgetBook({ store }).setLimit({ scope: 'key', scopeId: 'k1', period: 'day', tokens: 10 });
       await store.close();`,
    );
    await expect(
      mine.reserve({ scopes: { keyId: 'k1' }, model: 'm', tokens: 50, cost: null }),
    ).rejects.toThrow(BudgetExceededError);
  });

  it('counts what was already spent today when a budget is set mid-day', async () => {
    const s = await open();
    const now = Date.UTC(2026, 10, 25, 15);
    const ledger = createUsageLedger(s);
    const row = {
      attempt: 1,
      cachedTokens: 0,
      reasoningTokens: 0,
      latencyMs: 5,
      outcome: 'ok' as const,
      estimated: false,
      model: 'gpt-4o-mini',
    };
    await ledger.record({
      ...row,
      at: now - 3_600_000,
      userId: 'bob',
      promptTokens: 600,
      completionTokens: 300,
      cost: 0.5,
      currency: 'USD',
    });
    await ledger.record({
      ...row,
      at: now - 3_600_000,
      userId: 'eve',
      promptTokens: 5000,
      completionTokens: 0,
      cost: 7.1,
      currency: 'CNY',
    });
    // Yesterday: not counted.
    await ledger.record({
      ...row,
      at: now - 86_400_000,
      userId: 'bob',
      promptTokens: 5000,
      completionTokens: 0,
      cost: 1,
      currency: 'USD',
    });
    const book = createBudgetBook({ store: s, timeZone: 'UTC', clock: () => now });
    await book.setLimit({
      scope: 'global',
      scopeId: '*',
      period: 'day',
      tokens: 6000,
      cost: { amount: 2, currency: 'USD' },
    });
    await book.setLimit({ scope: 'user', scopeId: 'bob', period: 'day', tokens: 1000 });
    const shown = await book.status();
    expect(shown.find((b) => b.scope === 'global')).toMatchObject({ usedTokens: 5900, usedCost: 1.5 });
    expect(shown.find((b) => b.scope === 'user')).toMatchObject({ usedTokens: 900 });
    await expect(
      book.reserve({
        scopes: { userId: 'bob' },
        model: 'm',
        tokens: 101,
        cost: { amount: 0, currency: 'USD' },
      }),
    ).rejects.toMatchObject({
      details: { scope: 'user', used: 900 },
    });
    await book.reserve({
      scopes: { userId: 'bob' },
      model: 'm',
      tokens: 100,
      cost: { amount: 0.5, currency: 'USD' },
    });
    await expect(
      book.reserve({
        scopes: { userId: 'eve' },
        model: 'm',
        tokens: 1,
        cost: { amount: 0, currency: 'USD' },
      }),
    ).rejects.toMatchObject({ details: { scope: 'global', used: 5900, reserved: 100 } });
  });
});
