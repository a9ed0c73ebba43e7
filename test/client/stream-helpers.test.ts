import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import {
  chunk,
  completion,
  finishChunk,
  type Handler,
  json,
  sse,
  startScriptedServer,
  usageChunk,
} from './scripted-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(handlers: Handler[], streamUsage?: boolean) {
  const server = await startScriptedServer(handlers);
  cleanups.push(server.close);
  const client = createClient({
    baseUrl: server.url,
    apiKey: 'test-key-0123456789',
    settings: false,
    model: 'gpt-4o-mini',
    ...(streamUsage === undefined ? {} : { streamUsage }),
  });
  return { server, client };
}

const ask = { messages: [{ role: 'user' as const, content: 'Say hello in five words.' }] };

const toolFrames = [
  {
    ...chunk(null),
    choices: [{ index: 0, delta: { role: 'assistant', content: null }, logprobs: null, finish_reason: null }],
  },
  {
    ...chunk(null),
    choices: [
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 0, id: 'call_A', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        logprobs: null,
        finish_reason: null,
      },
    ],
  },
  {
    ...chunk(null),
    choices: [
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
        logprobs: null,
        finish_reason: null,
      },
    ],
  },
  {
    ...chunk(null),
    choices: [
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 1, id: 'call_B', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        logprobs: null,
        finish_reason: null,
      },
    ],
  },
  {
    ...chunk(null),
    choices: [
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
        logprobs: null,
        finish_reason: null,
      },
    ],
  },
  {
    ...chunk(null),
    choices: [
      {
        index: 0,
        delta: { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
        logprobs: null,
        finish_reason: null,
      },
    ],
  },
  finishChunk('tool_calls'),
  usageChunk(40, 12),
  'data: [DONE]\n\n',
];

describe('stream helpers', () => {
  it('exposes the text so far, and assembles content, finish reason and the usage chunk', async () => {
    const { server, client } = await setup([
      sse([chunk('Hello'), chunk(', world'), finishChunk(), usageChunk(12, 3), 'data: [DONE]\n\n']),
    ]);
    const stream = await client.chat({ ...ask, stream: true });
    const texts: string[] = [];
    for await (const _ of stream) texts.push(stream.text);
    expect(texts).toEqual(['Hello', 'Hello, world', 'Hello, world', 'Hello, world']);
    const final = await stream.finalCompletion();
    expect(final.choices[0]?.message.content).toBe('Hello, world');
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
    expect(final.usageEstimated).toBe(false);
    expect(stream.meta.upstreamRequestId).toBe('req_stream');
    const sent = JSON.parse(server.requests[0]?.body ?? '{}');
    expect(sent.stream_options).toEqual({ include_usage: true });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer test-key-0123456789');
  });

  it('assembles parallel tool calls by index', async () => {
    const { client } = await setup([sse(toolFrames)]);
    const final = await (await client.chat({ ...ask, stream: true })).finalCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.choices[0]?.message.content).toBeNull();
    expect(final.choices[0]?.message.tool_calls).toEqual([
      { id: 'call_A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
  });

  it('estimates usage (and says so) when the upstream sends no usage chunk', async () => {
    const { server, client } = await setup(
      [sse([chunk('Hello there, friend.'), finishChunk(), 'data: [DONE]\n\n'])],
      false,
    );
    const stream = await client.chat({ ...ask, stream: true });
    const final = await stream.finalCompletion();
    expect(JSON.parse(server.requests[0]?.body ?? '{}').stream_options).toBeUndefined();
    expect(final.usageEstimated).toBe(true);
    expect(final.usage?.prompt_tokens).toBeGreaterThan(5);
    expect(final.usage?.completion_tokens).toBe(5);
    expect(stream.meta.usageEstimated).toBe(true);
  });

  it('does not override an explicit include_usage: false, and passes unknown fields through', async () => {
    const { server, client } = await setup([sse([chunk('x'), finishChunk(), 'data: [DONE]\n\n'])]);
    const stream = await client.chat({
      ...ask,
      stream: true,
      stream_options: { include_usage: false },
      vendor_extension: { mode: 'fast' },
      temperature: 0.2,
    });
    await stream.finalCompletion();
    const sent = JSON.parse(server.requests[0]?.body ?? '{}');
    expect(sent.stream_options).toEqual({ include_usage: false });
    expect(sent.vendor_extension).toEqual({ mode: 'fast' });
    expect(sent.model).toBe('gpt-4o-mini');
  });

  it('learns that an upstream rejects stream_options, asks again without it, and estimates usage', async () => {
    const picky: Handler = async (req, res, i) => {
      if (req.body.includes('stream_options')) {
        await json(400, {
          error: {
            message: 'Unrecognized request argument supplied: stream_options',
            type: 'invalid_request_error',
            param: null,
            code: null,
          },
        })(req, res, i);
        return;
      }
      await sse([chunk('fine'), finishChunk(), 'data: [DONE]\n\n'])(req, res, i);
    };
    const { server, client } = await setup([picky]);
    const first = await (await client.chat({ ...ask, stream: true })).finalCompletion();
    expect(first.choices[0]?.message.content).toBe('fine');
    expect(first.usageEstimated).toBe(true);
    await (await client.chat({ ...ask, stream: true })).finalCompletion();
    // One refused request, then every request without the field.
    expect(server.requests.map((r) => r.body.includes('stream_options'))).toEqual([true, false, false]);
  });

  it('accepts a clean end without [DONE] when every choice finished', async () => {
    const { client } = await setup([sse([chunk('done'), finishChunk()])]);
    const final = await (await client.chat({ ...ask, stream: true })).finalCompletion();
    expect(final.choices[0]?.message.content).toBe('done');
  });

  it('replays a JSON answer to a stream request (providers that ignore stream: true) as chunks', async () => {
    const { client } = await setup([json(200, completion('whole answer'))]);
    const stream = await client.chat({ ...ask, stream: true });
    const contents: (string | null | undefined)[] = [];
    for await (const c of stream) contents.push(c.choices[0]?.delta.content);
    expect(contents).toEqual(['whole answer', undefined, undefined]);
    const final = await stream.finalCompletion();
    expect(final.choices[0]?.message.content).toBe('whole answer');
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.usage?.total_tokens).toBe(7);
    expect(final.usageEstimated).toBe(false);
  });

  it('gives a Web ReadableStream of the chunks', async () => {
    const { client } = await setup([sse([chunk('a'), chunk('b'), finishChunk(), 'data: [DONE]\n\n'])]);
    const stream = await client.chat({ ...ask, stream: true });
    const reader = stream.toReadableStream().getReader();
    const got: string[] = [];
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      got.push(value.choices[0]?.delta.content ?? '');
    }
    expect(got.join('')).toBe('ab');
  });

  it('cancelling the ReadableStream aborts the call and closes the upstream', async () => {
    let closed = false;
    const endless: Handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => {
        closed = true;
      });
      for (let i = 0; i < 500 && !res.destroyed; i++) {
        res.write(`data: ${JSON.stringify(chunk('x'))}\n\n`);
        await new Promise((r) => setTimeout(r, 5));
      }
      res.end();
    };
    const { client } = await setup([endless]);
    const stream = await client.chat({ ...ask, stream: true });
    const reader = stream.toReadableStream().getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(true);
  });

  it('refuses to be iterated twice', async () => {
    const { client } = await setup([sse([chunk('a'), finishChunk(), 'data: [DONE]\n\n'])]);
    const stream = await client.chat({ ...ask, stream: true });
    await stream.finalCompletion();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/already/);
  });
});

describe('non-streaming calls', () => {
  it('return the completion with its meta kept out of JSON', async () => {
    const { client } = await setup([json(200, completion('hi'), { 'x-ratelimit-remaining-requests': '42' })]);
    const result = await client.chat(ask);
    expect(result.meta.upstreamRequestId).toBe('req_test');
    expect(result.meta.attempts).toBe(1);
    expect(result.meta.headers['x-ratelimit-remaining-requests']).toBe('42');
    expect(result.meta.usage?.total_tokens).toBe(7);
    expect(JSON.parse(JSON.stringify(result))).toEqual(completion('hi'));
  });
});

describe('a custom fetch', () => {
  it('carries every request, streamed or not, with the same behaviour', async () => {
    const server = await startScriptedServer([
      json(200, completion('plain')),
      sse([chunk('str'), chunk('eamed'), finishChunk(), 'data: [DONE]\n\n']),
      json(503, { error: { message: 'x', type: 'server_error', param: null, code: null } }),
      json(200, completion('after retry')),
    ]);
    cleanups.push(server.close);
    const urls: string[] = [];
    const client = createClient({
      baseUrl: server.url,
      apiKey: 'test-key-0123456789',
      settings: false,
      retry: { baseDelayMs: 1 },
      fetch: (url, init) => {
        urls.push(url);
        return fetch(url, init);
      },
    });
    expect((await client.chat(ask)).choices[0]?.message.content).toBe('plain');
    const stream = await client.chat({ ...ask, stream: true });
    expect((await stream.finalCompletion()).choices[0]?.message.content).toBe('streamed');
    const retried = await client.chat(ask);
    expect(retried.choices[0]?.message.content).toBe('after retry');
    expect(retried.meta.attempts).toBe(2);
    expect(urls).toHaveLength(4);
    expect(urls.every((u) => u.endsWith('/chat/completions'))).toBe(true);
  });
});
