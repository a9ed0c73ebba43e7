import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitWindow, MemoryError, type WindowMessage } from '../../src/memory/index.js';
import type { ChatMessage } from '../../src/openai/wire-types.js';
import { countChatTokens, countMessageTokens } from '../../src/tokens/index.js';

const MODEL = 'gpt-4o-mini';
const count = (message: ChatMessage) => countMessageTokens(message, MODEL);
const wm = (message: ChatMessage): WindowMessage => ({ message, tokens: count(message) });

const words = fc
  .array(fc.constantFrom('hello', 'world', '你好', 'token', 'window', 'x'.repeat(40), '数据库', 'a'), {
    minLength: 0,
    maxLength: 60,
  })
  .map((w) => w.join(' '));

let callId = 0;
/** A generated conversation: turns of user / assistant / tool units, with some invalid pieces thrown in. */
const conversation = fc
  .array(
    fc.record({
      user: words,
      units: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('reply' as const), text: words }),
          fc.record({
            kind: fc.constant('tools' as const),
            calls: fc.integer({ min: 1, max: 3 }),
            result: words,
            complete: fc.boolean(),
          }),
          fc.record({ kind: fc.constant('orphan' as const), text: words }),
        ),
        { maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((turns) => {
    const history: ChatMessage[] = [];
    for (const turn of turns) {
      history.push({ role: 'user', content: turn.user || '?' });
      for (const unit of turn.units) {
        if (unit.kind === 'reply') history.push({ role: 'assistant', content: unit.text });
        else if (unit.kind === 'orphan')
          history.push({ role: 'tool', tool_call_id: `missing_${callId++}`, content: unit.text });
        else {
          const ids = Array.from({ length: unit.calls }, () => `call_${callId++}`);
          history.push({
            role: 'assistant',
            content: null,
            tool_calls: ids.map((id) => ({
              id,
              type: 'function',
              function: { name: 'lookup', arguments: '{"q":"x"}' },
            })),
          });
          const answered = unit.complete ? ids : ids.slice(1);
          for (const id of answered) history.push({ role: 'tool', tool_call_id: id, content: unit.result });
        }
      }
    }
    return history;
  });

const leadingAssistant = fc.boolean();

describe('the window sent upstream', () => {
  it('always fits the budget, keeps the system prompt, starts with a user turn and keeps tool units whole', () => {
    fc.assert(
      fc.property(
        conversation,
        leadingAssistant,
        fc.integer({ min: 60, max: 3000 }),
        fc.boolean(),
        (messages, lead, budget, withSummary) => {
          const history = (lead ? [{ role: 'assistant', content: 'Hi! How can I help?' } as ChatMessage] : [])
            .concat(messages)
            .map(wm);
          const system = wm({ role: 'system', content: 'You are terse.' });
          const summary = withSummary
            ? wm({ role: 'system', content: 'Summary of earlier turns: the user likes tea.' })
            : null;
          let result: ReturnType<typeof fitWindow>;
          try {
            result = fitWindow({ system, summary, history, budget, countMessage: count });
          } catch (error) {
            // Only allowed when even a truncated newest turn cannot fit (tiny budgets).
            expect(error).toBeInstanceOf(MemoryError);
            expect((error as MemoryError).code).toBe('context_budget_too_small');
            expect(budget).toBeLessThan(400);
            return;
          }
          const sent = result.messages;
          // 1. Fits, by the real counter of the whole request (reply primer included).
          expect(countChatTokens({ model: MODEL, messages: sent })).toBeLessThanOrEqual(budget);
          expect(result.tokens).toBe(countChatTokens({ model: MODEL, messages: sent }));
          // 2. The system prompt is always first.
          expect(sent[0]).toBe(system.message);
          // 3. After system and summary, the first message is a user message.
          const rest = sent.slice(result.summaryIncluded ? 2 : 1);
          expect(rest.length).toBeGreaterThan(0);
          expect(rest[0]?.role).toBe('user');
          // 4. Tool units are whole: each tool_calls message is followed by exactly its results.
          for (let i = 0; i < rest.length; i++) {
            const m = rest[i]!;
            if (m.role === 'tool') {
              let j = i - 1;
              while (j >= 0 && rest[j]!.role === 'tool') j--;
              const owner = rest[j];
              expect(owner?.role).toBe('assistant');
              expect(owner?.tool_calls?.map((c) => c.id)).toContain(m.tool_call_id);
            }
            if (m.role === 'assistant' && m.tool_calls?.length) {
              const results = rest.slice(i + 1, i + 1 + m.tool_calls.length);
              expect(results.map((r) => r.tool_call_id).sort()).toEqual(m.tool_calls.map((c) => c.id).sort());
            }
          }
          // 5. The newest user message is always sent (possibly truncated).
          const lastUser = history.map((h) => h.message.role).lastIndexOf('user');
          expect(result.firstKept).toBeLessThanOrEqual(lastUser);
          // 6. What is sent is the history from firstKept on, in order, minus the unsendable messages.
          const expected = history
            .map((h, i) => ({ h, i }))
            .filter(({ i }) => i >= result.firstKept && !result.dropped.includes(i));
          expect(rest.length).toBe(expected.length);
          expected.forEach(({ h, i }, k) => {
            if (!result.truncated.includes(i)) expect(rest[k]).toBe(h.message);
            else expect(rest[k]?.content).toMatch(/truncated to fit the context window/);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('truncates one huge pasted message with a marker instead of evicting the whole history', () => {
    const history = [
      wm({ role: 'user', content: 'My name is Ada.' }),
      wm({ role: 'assistant', content: 'Hello Ada.' }),
      wm({ role: 'user', content: `Summarise this log:\n${'ERROR disk full on node-7\n'.repeat(4000)}` }),
    ];
    const result = fitWindow({ history, budget: 2000, countMessage: count });
    expect(result.firstKept).toBe(0);
    expect(result.truncated).toEqual([2]);
    const last = result.messages.at(-1)!;
    expect(last.content).toMatch(/^Summarise this log:/);
    expect(last.content).toMatch(/characters truncated to fit the context window/);
    expect(result.tokens).toBeLessThanOrEqual(2000);
  });

  it('evicts whole old turns first, newest kept', () => {
    const history: WindowMessage[] = [];
    for (let i = 0; i < 50; i++) {
      history.push(wm({ role: 'user', content: `question ${i} ${'lorem '.repeat(20)}` }));
      history.push(wm({ role: 'assistant', content: `answer ${i} ${'ipsum '.repeat(20)}` }));
    }
    const result = fitWindow({ history, budget: 500, countMessage: count });
    expect(result.firstKept % 2).toBe(0);
    expect(result.firstKept).toBeGreaterThan(0);
    expect(result.messages[0]?.content).toMatch(/^question/);
    expect(result.messages.at(-1)?.content).toMatch(/^answer 49/);
  });

  it('says clearly when the system prompt alone does not fit', () => {
    const system = wm({ role: 'system', content: 'rule '.repeat(500) });
    expect(() =>
      fitWindow({ system, history: [wm({ role: 'user', content: 'hi' })], budget: 100, countMessage: count }),
    ).toThrow(/system prompt alone/);
  });
});

describe('huge pasted messages', () => {
  it('fit a 1 MiB paste of CJK, base64 or one long run into the window, truncated, within the budget', () => {
    const MiB = 1 << 20;
    const pastes = [
      '中文汉字测试的句子没有空格'.repeat(Math.ceil(MiB / 13)).slice(0, MiB / 2),
      Buffer.alloc((MiB * 3) / 4, 7).toString('base64'),
      'x'.repeat(MiB),
    ];
    for (const paste of pastes) {
      const history = [wm({ role: 'user', content: 'hello' }), wm({ role: 'assistant', content: 'hi' })];
      history.push(wm({ role: 'user', content: paste }));
      const result = fitWindow({ history, budget: 20_000, countMessage: count });
      expect(result.firstKept).toBe(0);
      expect(result.truncated).toEqual([2]);
      expect(countChatTokens({ model: MODEL, messages: result.messages })).toBeLessThanOrEqual(20_000);
      // One message may take half the budget (maxMessageShare): the cut keeps nearly all of that half.
      expect(result.tokens).toBeGreaterThan(9_000);
    }
  });
});
