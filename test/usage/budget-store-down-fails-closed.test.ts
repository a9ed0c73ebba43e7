import { describe, expect, it } from 'vitest';
import { compose } from '../../src/pipeline/index.js';
import { openStore } from '../../src/store/index.js';
import { BudgetStoreError, createBudgetBook, createBudgetStage } from '../../src/usage/index.js';
import { freshDatabase } from './databases.js';

describe('budget store unavailable', () => {
  it('refuses the call before going upstream, with a typed error', async () => {
    const database = await freshDatabase('sqlite');
    const store = await openStore({ url: database.url });
    const book = createBudgetBook({
      store,
      limits: [{ scope: 'global', scopeId: '*', period: 'day', tokens: 1000 }],
    });
    let upstreamCalls = 0;
    const pipeline = compose([createBudgetStage({ book })], async () => {
      upstreamCalls++;
      throw new Error('never reached');
    });
    await store.close();
    const error = await pipeline({
      request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 },
      signal: new AbortController().signal,
      context: { requestId: 'r1' },
      options: {},
    }).catch((e) => e);
    await database.drop();
    expect(error).toBeInstanceOf(BudgetStoreError);
    expect(error.code).toBe('budget_store_unavailable');
    expect(upstreamCalls).toBe(0);
  });
});
