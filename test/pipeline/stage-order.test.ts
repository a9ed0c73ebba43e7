import { describe, expect, it } from 'vitest';
import { type ChatCall, type ChatResponse, compose, type Stage } from '../../src/pipeline/index.js';

const call: ChatCall = {
  request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  signal: new AbortController().signal,
  context: { requestId: 'r1' },
  options: {},
};

describe('compose', () => {
  it('runs stages outermost first and lets each rewrite the request it passes on', async () => {
    const seen: string[] = [];
    const tag =
      (name: string): Stage =>
      async (c, next) => {
        seen.push(`in:${name}`);
        const res = await next({ ...c, request: { ...c.request, model: `${c.request.model}+${name}` } });
        seen.push(`out:${name}`);
        return res;
      };
    const terminal = async (c: ChatCall): Promise<ChatResponse> => ({
      type: 'completion',
      completion: {
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: c.request.model,
        choices: [],
      },
      meta: { headers: {}, attempts: 1 },
    });
    const res = await compose([tag('a'), tag('b')], terminal)(call);
    expect(seen).toEqual(['in:a', 'in:b', 'out:b', 'out:a']);
    expect(res.type === 'completion' && res.completion.model).toBe('gpt-4o-mini+a+b');
  });
});
