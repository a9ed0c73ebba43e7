import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '../../src/openai/index.js';
import { type ChatCall, compose, type Next } from '../../src/pipeline/index.js';
import { createUsageServices } from '../../src/usage/index.js';
import { freshStores } from './databases.js';

const completion: ChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop', logprobs: null },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
} as ChatCompletion;
const upstream: Next = async () => ({ type: 'completion', completion, meta: { headers: {}, attempts: 1 } });

// The gateway answers before its ledger row is committed (the row is committed with the next group
// commit); the library answers only once the row is in.
describe('bookkeeping after the answer', () => {
  const fresh = freshStores('sqlite');

  it('answers before the row when the caller takes the bookkeeping, after it otherwise', async () => {
    const { store: s } = await fresh();
    const services = createUsageServices({ store: s, upstream: 'test' });
    const pipeline = compose([services.usageStage], upstream);
    const call = (options: ChatCall['options'], n: number): ChatCall => ({
      request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] },
      signal: new AbortController().signal,
      context: { requestId: `req_${n}` },
      options,
    });
    const rows = async () => (await s.db.selectFrom('usage_ledger').select('request_id').execute()).length;

    const handed: Promise<unknown>[] = [];
    const answered = await pipeline(call({ afterAnswer: (work: Promise<unknown>) => handed.push(work) }, 1));
    expect(answered.type).toBe('completion');
    expect(handed).toHaveLength(1);
    expect(await rows()).toBe(0);
    await Promise.all(handed);
    expect(await rows()).toBe(1);

    await pipeline(call({}, 2));
    expect(await rows()).toBe(2);
  });
});
