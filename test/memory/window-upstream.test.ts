import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/openai/wire-types.js';
import {
  countMessageTokens,
  countTextTokens,
  countToolsTokens,
  registerModels,
} from '../../src/tokens/index.js';
import { clientFor, type Harness, startHarness, TINY } from './harness.js';

registerModels([TINY]);

const words = (n: number, tag: string) => `${tag} ${'lorem ipsum dolor '.repeat(n)}`.trim();

describe('what goes upstream when the history outgrows the window', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness('sqlite');
  });
  afterEach(async () => {
    await h.close();
  });

  it('drops whole old turns, keeps the system prompt, and never starts with an assistant message', async () => {
    const chat = await h
      .conversations({ memory: { reserveCompletionTokens: 100 } })
      .create({ model: TINY.id, system: 'Be brief.' });
    for (let i = 0; i < 12; i++) await chat.send(words(30, `turn ${i}`));
    const sent = h.sent();
    const last = sent.at(-1)!;
    expect(last[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(last[1]?.role).toBe('user');
    expect(last.length).toBeLessThan(2 * 12 + 1);
    expect(last.at(-1)?.content).toMatch(/^turn 11/);
    // Every request was accepted by the emulator's own count and ordering checks.
    const statuses = h.emulator.journal.requests('/v1/chat/completions').map((e) => e.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Nothing was deleted from the store.
    expect(await chat.messages()).toHaveLength(24);
    // The gauge agrees with what the next request holds.
    const usage = await chat.contextUsage();
    expect(usage.messages).toBe(24);
    expect(usage.evicted).toBeGreaterThan(0);
    expect(usage.sent + usage.evicted).toBe(24);
    expect(usage.used).toBeLessThanOrEqual(usage.budget);
    expect(usage.budget).toBeLessThan(TINY.contextWindow);
  });

  it('folds evicted turns into a running summary, incrementally, sent after the system prompt', async () => {
    const chat = await h
      .conversations({
        memory: { reserveCompletionTokens: 100, summary: { model: 'gpt-4o-mini', maxTokens: 120 } },
      })
      .create({ model: TINY.id, system: 'Be brief.' });
    for (let i = 0; i < 10; i++) await chat.send(words(30, `turn ${i}`));
    const requests = h.sent();
    const summaryCalls = requests.filter((m) => String(m[0]?.content).includes('running summary'));
    expect(summaryCalls.length).toBeGreaterThan(0);
    // Incremental: a later summary call gets the previous summary, and never a turn it already covered.
    const second = summaryCalls[1];
    if (second) {
      const content = String(second[1]?.content);
      expect(content).not.toMatch(/^Existing summary:\n\(none\)/);
      expect(content.split('\n\nNew messages:\n').at(-1)).not.toMatch(/turn 0 /);
    }
    const mainCalls = requests.filter((m) => !String(m[0]?.content).includes('running summary'));
    const last = mainCalls.at(-1)!;
    expect(last[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(last[1]?.role).toBe('system');
    expect(String(last[1]?.content)).toMatch(/^Summary of the earlier part of this conversation/);
    expect(last[2]?.role).toBe('user');
    expect(chat.info.summaryThroughSeq).toBeGreaterThan(0);
    expect(chat.info.summary).toBeTruthy();
  });

  it('trims harder and retries once when the API says the context is too long', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    // A counter that undercounts by 40%, as a drifting tokenizer would.
    const counter = {
      countTextTokens,
      countToolsTokens,
      countMessageTokens: (m: ChatMessage, model: Parameters<typeof countMessageTokens>[1]) =>
        Math.floor(countMessageTokens(m, model) * 0.6),
    };
    const chat = await h
      .conversations({
        counter,
        memory: { reserveCompletionTokens: 100 },
        logger: { warn: (data) => warnings.push(data) },
      })
      .create({ model: TINY.id });
    let retried = false;
    for (let i = 0; i < 10; i++) {
      const result = await chat.send(words(30, `turn ${i}`), { request: { max_tokens: 100 } });
      retried ||= result.retriedShorter;
    }
    expect(retried).toBe(true);
    const statuses = h.emulator.journal.requests('/v1/chat/completions').map((e) => e.status);
    expect(statuses).toContain(400);
    expect(statuses.at(-1)).toBe(200);
    expect(warnings.some((w) => typeof w.counted === 'number' && typeof w.limit === 'number')).toBe(true);
  });

  it('keeps a tool call and its results together across turns', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather in a city.',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const conversations = h.conversations({
      chat: clientFor(h.emulator, { 'x-emulator-tool-call': 'get_weather' }),
    });
    const chat = await conversations.create();
    const first = await chat.send('Weather in Paris?', { request: { tools } });
    const calls = first.reply?.message.tool_calls ?? [];
    expect(calls.length).toBeGreaterThan(0);
    const plain = await h.conversations().open(chat.id);
    await plain.send(
      calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: '{"temp":21}' })),
      { request: { tools } },
    );
    const last = h.sent().at(-1)!;
    expect(last.map((m) => m.role)).toEqual(
      ['user', 'assistant', ...calls.map(() => 'tool'), 'assistant'].slice(0, -1),
    );
    expect((await plain.messages()).map((m) => m.message.role)).toEqual([
      'user',
      'assistant',
      ...calls.map(() => 'tool'),
      'assistant',
    ]);
  });
});
