import { encode as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/openai/wire-types.js';
import {
  countChatTokens,
  countMessageTokens,
  countTextTokens,
  countToolsTokens,
  createTokenCounter,
} from '../../src/tokens/index.js';
import { weatherMessages, weatherTools } from '../fixtures/cookbook-weather-example.js';

// The OpenAI cookbook's "How to count tokens with tiktoken" examples and their published results.
const cookbookMessages: ChatMessage[] = [
  {
    role: 'system',
    content:
      'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
  },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  {
    role: 'system',
    name: 'example_assistant',
    content: 'Things working well together will increase revenue.',
  },
  {
    role: 'system',
    name: 'example_user',
    content:
      "Let's circle back when we have more time to touch base on opportunities for increased leverage.",
  },
  {
    role: 'system',
    name: 'example_assistant',
    content: "Let's talk later when we're less busy about how to do better.",
  },
  {
    role: 'user',
    content: "This late pivot means we don't have time to boil the ocean for the client deliverable.",
  },
];

describe('published cookbook values', () => {
  it.each([
    ['gpt-3.5-turbo', 129],
    ['gpt-4', 129],
    ['gpt-4-0613', 129],
    ['gpt-4o', 124],
    ['gpt-4o-mini', 124],
    ['gpt-3.5-turbo-0301', 127],
  ])('counts the example conversation for %s as %i', (model, expected) => {
    expect(countChatTokens({ model, messages: cookbookMessages })).toBe(expected);
  });

  it.each([
    ['gpt-3.5-turbo', 105],
    ['gpt-4', 105],
    ['gpt-4o', 101],
    ['gpt-4o-mini', 101],
  ])('counts the weather function example for %s as %i', (model, expected) => {
    expect(countChatTokens({ model, messages: weatherMessages, tools: weatherTools })).toBe(expected);
  });
});

const plain = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };
const raw = (text: string) => o200k(text, plain).length;

describe('the rule applied by hand with the raw encoder', () => {
  it('charges 3 per message, every string value, 1 per name and 3 for the primer', () => {
    const messages: ChatMessage[] = [
      { role: 'developer', content: 'Answer in French.' },
      { role: 'user', name: 'alice', content: 'Bonjour, comment ça va ? 你好' },
      { role: 'assistant', content: 'Très bien, merci.' },
    ];
    const expected =
      3 +
      raw('developer') +
      raw('Answer in French.') +
      3 +
      raw('user') +
      raw('alice') +
      1 +
      raw('Bonjour, comment ça va ? 你好') +
      3 +
      raw('assistant') +
      raw('Très bien, merci.') +
      3;
    expect(countChatTokens({ model: 'gpt-4.1', messages })).toBe(expected);
    expect(countMessageTokens(messages[1]!, 'gpt-4.1')).toBe(
      3 + raw('user') + raw('alice') + 1 + raw('Bonjour, comment ça va ? 你好'),
    );
  });

  it('counts text parts of array content and ignores images', () => {
    const message: ChatMessage = {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: 'https://example.invalid/cat.png' } },
        { type: 'text', text: ' Be brief.' },
      ],
    };
    expect(countMessageTokens(message, 'gpt-4o')).toBe(
      3 + raw('user') + raw('What is in this picture?') + raw(' Be brief.'),
    );
  });

  it('counts tool results and assistant tool calls', () => {
    const call: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    };
    const result: ChatMessage = { role: 'tool', tool_call_id: 'call_1', content: '18C, cloudy' };
    expect(countMessageTokens(call, 'gpt-4o')).toBe(
      3 + raw('assistant') + raw('get_weather') + raw('{"city":"Paris"}'),
    );
    expect(countMessageTokens(result, 'gpt-4o')).toBe(3 + raw('tool') + raw('call_1') + raw('18C, cloudy'));
  });

  it('uses cl100k_base for gpt-4 and o200k_base for gpt-4o', () => {
    const text = 'Tokenizers differ: 東京タワー and émigré façades.';
    expect(countTextTokens(text, 'gpt-4')).toBe(cl100k(text, plain).length);
    expect(countTextTokens(text, 'gpt-4o')).toBe(raw(text));
    expect(countTextTokens(text, 'gpt-4')).not.toBe(countTextTokens(text, 'gpt-4o'));
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(countTextTokens('say <|endoftext|> now', 'gpt-4o')).toBe(raw('say <|endoftext|> now'));
  });

  it('applies the tool rule constants: 7/10 per function, 3 per property and key, enum -3 + 3 per item, 12 at the end', () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'set_mode',
          description: 'Switch the mode.',
          parameters: {
            type: 'object',
            properties: { mode: { type: 'string', description: 'New mode.', enum: ['fast', 'slow'] } },
          },
        },
      },
      { type: 'function' as const, function: { name: 'ping' } },
    ];
    const o =
      7 +
      raw('set_mode:Switch the mode') +
      3 +
      3 -
      3 +
      3 +
      raw('fast') +
      3 +
      raw('slow') +
      raw('mode:string:New mode') +
      7 +
      raw('ping:') +
      12;
    expect(countToolsTokens(tools, 'gpt-4o')).toBe(o);
    const c = (s: string) => cl100k(s, plain).length;
    const expectedCl =
      10 +
      c('set_mode:Switch the mode') +
      3 +
      3 -
      3 +
      3 +
      c('fast') +
      3 +
      c('slow') +
      c('mode:string:New mode') +
      10 +
      c('ping:') +
      12;
    expect(countToolsTokens(tools, 'gpt-3.5-turbo')).toBe(expectedCl);
    expect(countToolsTokens([], 'gpt-4o')).toBe(0);
    expect(countToolsTokens(undefined, 'gpt-4o')).toBe(0);
  });

  it('counts an unknown model with the o200k fallback instead of failing', () => {
    expect(countTextTokens('hello world', 'my-local-llama')).toBe(raw('hello world'));
  });
});

describe('message count cache', () => {
  it('returns the same count from the cache and keeps a bounded number of entries', () => {
    let calls = 0;
    const counter = createTokenCounter({
      cacheSize: 2,
      encodeCount: (text) => {
        calls += 1;
        return raw(text);
      },
    });
    const a: ChatMessage = { role: 'user', content: 'first' };
    const first = counter.countMessageTokens(a, 'gpt-4o');
    const callsAfterFirst = calls;
    expect(counter.countMessageTokens({ role: 'user', content: 'first' }, 'gpt-4o')).toBe(first);
    expect(calls).toBe(callsAfterFirst);
    counter.countMessageTokens({ role: 'user', content: 'second' }, 'gpt-4o');
    counter.countMessageTokens({ role: 'user', content: 'third' }, 'gpt-4o');
    const before = calls;
    counter.countMessageTokens(a, 'gpt-4o');
    expect(calls).toBeGreaterThan(before);
  });

  it('fits a 10,000-message history quickly the second time (all cached)', () => {
    const counter = createTokenCounter({ cacheSize: 20_000 });
    const history: ChatMessage[] = Array.from({ length: 10_000 }, (_, i) => ({
      role: i % 2 === 0 ? 'user' : 'assistant',
      content: `message number ${i} about topic ${i % 37}`,
    }));
    let calls = 0;
    const spy = createTokenCounter({
      cacheSize: 20_000,
      encodeCount: (t, e) => {
        calls += 1;
        return counter.countTextTokens(t, e === 'o200k_base' ? 'gpt-4o' : 'gpt-4');
      },
    });
    const total = spy.countChatTokens({ model: 'gpt-4o', messages: history });
    const firstCalls = calls;
    expect(spy.countChatTokens({ model: 'gpt-4o', messages: history })).toBe(total);
    expect(calls).toBe(firstCalls);
  });
});
