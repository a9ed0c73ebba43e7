import { afterEach, describe, expect, it } from 'vitest';
import { type ClientOptions, createClient } from '../../src/client/index.js';
import {
  AbortedError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  StreamInterruptedError,
} from '../../src/openai/index.js';
import type { AttemptEvent } from '../../src/pipeline/index.js';
import {
  chunk,
  completion,
  errorBody,
  finishChunk,
  type Handler,
  json,
  sse,
  startScriptedServer,
} from './scripted-server.js';

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(handlers: Handler[], options: Partial<ClientOptions> = {}) {
  const server = await startScriptedServer(handlers);
  servers.push(server);
  const attempts: AttemptEvent[] = [];
  const client = createClient({
    baseUrl: server.url,
    apiKey: 'test-key-0123456789',
    settings: false,
    retry: { baseDelayMs: 2, maxBackoffMs: 5 },
    onAttempt: (e) => attempts.push(e),
    ...options,
  });
  return { server, client, attempts };
}

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };
const serverError = json(500, errorBody('The server had an error', 'server_error', null));

describe('what is retried', () => {
  it('retries 500, 502, 503, 504, 408 and 409 and succeeds, reporting every attempt', async () => {
    for (const status of [500, 502, 503, 504, 408, 409]) {
      const { server, client, attempts } = await setup([
        json(status, errorBody('x', 'server_error', null)),
        json(200, completion('ok')),
      ]);
      const result = await client.chat(ask);
      expect(result.choices[0]?.message.content).toBe('ok');
      expect(server.requests).toHaveLength(2);
      expect(result.meta.attempts).toBe(2);
      expect(attempts.map((a) => [a.attempt, a.willRetry, a.status])).toEqual([
        [1, true, status],
        [2, false, 200],
      ]);
      expect(attempts[0]?.delaySource).toBe('backoff');
      expect(attempts[1]?.usage?.total_tokens).toBe(7);
    }
  });

  it('gives up after maxRetries and says how many attempts were made', async () => {
    const { server, client, attempts } = await setup([serverError], { maxRetries: 2 });
    const error = await client.chat(ask).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/3 attempts/);
    expect(server.requests).toHaveLength(3);
    expect(attempts.map((a) => a.willRetry)).toEqual([true, true, false]);
  });

  it('per-call maxRetries overrides the client', async () => {
    const { server, client } = await setup([serverError], { maxRetries: 5 });
    await expect(client.chat(ask, { maxRetries: 0 })).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
  });

  it('never retries quota, auth, permission, bad request, context length or not found', async () => {
    const cases: [Handler, unknown][] = [
      [
        json(429, errorBody('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota')),
        QuotaExceededError,
      ],
      [
        json(401, errorBody('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key')),
        AuthenticationError,
      ],
      [json(403, errorBody('Country not supported', 'request_forbidden', null)), PermissionDeniedError],
      [json(400, errorBody('bad', 'invalid_request_error', null, 'temperature')), BadRequestError],
      [
        json(
          400,
          errorBody(
            "This model's maximum context length is 10 tokens. However, your messages resulted in 20 tokens.",
            'invalid_request_error',
            'context_length_exceeded',
            'messages',
          ),
        ),
        BadRequestError,
      ],
      [
        json(404, errorBody('The model `x` does not exist', 'invalid_request_error', 'model_not_found')),
        NotFoundError,
      ],
    ];
    for (const [handler, type] of cases) {
      const { server, client } = await setup([handler]);
      const error = await client.chat(ask).catch((e) => e);
      expect(error).toBeInstanceOf(type);
      expect(server.requests).toHaveLength(1);
    }
  });

  it('a rate limit waits what retry-after-ms says, then retries', async () => {
    const { server, client, attempts } = await setup([
      json(429, errorBody('Rate limit reached', 'requests', 'rate_limit_exceeded'), {
        'retry-after-ms': '30',
      }),
      json(200, completion('ok')),
    ]);
    await client.chat(ask);
    expect(server.requests).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ delayMs: 30, delaySource: 'retry-after-ms', willRetry: true });
    expect(attempts[0]?.error).toBeInstanceOf(RateLimitError);
  });

  it('does not wait longer than the cap: a 6-minute reset is reported, not slept on', async () => {
    const { server, client } = await setup([
      json(429, errorBody('Rate limit reached', 'tokens', 'rate_limit_exceeded'), {
        'x-ratelimit-reset-tokens': '6m0s',
        'x-ratelimit-remaining-tokens': '0',
      }),
    ]);
    const error = await client.chat(ask).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(360_000);
    expect(server.requests).toHaveLength(1);
  });

  it('obeys x-should-retry: false on a 503 and x-should-retry: true on a 400', async () => {
    const a = await setup([json(503, errorBody('x', 'server_error', null), { 'x-should-retry': 'false' })]);
    await expect(a.client.chat(ask)).rejects.toBeInstanceOf(ServerError);
    expect(a.server.requests).toHaveLength(1);
    const b = await setup([
      json(400, errorBody('x', 'invalid_request_error', null), { 'x-should-retry': 'true' }),
      json(200, completion('ok')),
    ]);
    await b.client.chat(ask);
    expect(b.server.requests).toHaveLength(2);
  });

  it('retries a refused connection', async () => {
    const { server, client } = await setup([json(200, completion('ok'))]);
    await server.close();
    const attempts: AttemptEvent[] = [];
    const error = await client.chat(ask, { onAttempt: (e) => attempts.push(e) }).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.reason).toBe('ECONNREFUSED');
    expect(attempts).toHaveLength(3);
  });

  it('an abort during the wait between attempts ends the call at once', async () => {
    const { server, client } = await setup(
      [json(503, errorBody('x', 'server_error', null), { 'retry-after': '30' })],
      { retry: { maxDelayMs: 60_000 } },
    );
    const controller = new AbortController();
    const pending = client.chat(ask, {
      signal: controller.signal,
      onAttempt: (e) => {
        if (e.willRetry) setTimeout(() => controller.abort(), 20);
      },
    });
    const error = await pending.catch((e) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('streams are retried only before their first chunk', () => {
  it('a stream that drops before any chunk is retried', async () => {
    const { server, client } = await setup([
      sse([], { end: false }),
      sse([chunk('Hel'), chunk('lo'), finishChunk(), 'data: [DONE]\n\n']),
    ]);
    const stream = await client.chat({ ...ask, stream: true });
    const done = await stream.finalCompletion();
    expect(done.choices[0]?.message.content).toBe('Hello');
    expect(server.requests).toHaveLength(2);
    expect(stream.meta.attempts).toBe(2);
  });

  it('an error frame before any chunk is retried', async () => {
    const { server, client } = await setup([
      sse(['data: {"error": {"message": "The server had an error", "type": "server_error"}}\n\n']),
      sse([chunk('ok'), finishChunk(), 'data: [DONE]\n\n']),
    ]);
    const stream = await client.chat({ ...ask, stream: true });
    expect((await stream.finalCompletion()).choices[0]?.message.content).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('a stream cut after chunks reached the caller is not retried and keeps the partial text', async () => {
    const { server, client, attempts } = await setup([sse([chunk('Hel'), chunk('lo wor')], { end: false })]);
    const stream = await client.chat({ ...ask, stream: true });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? '');
    })().catch((e) => e);
    expect(seen).toEqual(['Hel', 'lo wor']);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.partialText).toBe('Hello wor');
    expect(error.usageEstimated).toBe(true);
    expect(error.usage.completion_tokens).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(1);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.usageEstimated).toBe(true);
    expect(stream.text).toBe('Hello wor');
  });

  it('an error frame mid-stream is a typed interruption with the upstream error as cause', async () => {
    const { client } = await setup([
      sse([
        chunk('partial'),
        'data: {"error": {"message": "The server had an error", "type": "server_error"}}\n\n',
      ]),
    ]);
    const stream = await client.chat({ ...ask, stream: true });
    const error = await stream.finalCompletion().catch((e) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.partialText).toBe('partial');
    expect(error.cause).toBeInstanceOf(ServerError);
  });

  it('an abort during a stream stops it with an AbortedError and closes the upstream', async () => {
    const { client } = await setup([
      sse([chunk('a'), chunk('b'), chunk('c'), chunk('d')], { delayMs: 30, end: false }),
    ]);
    const stream = await client.chat({ ...ask, stream: true });
    const error = await (async () => {
      for await (const _ of stream) stream.abort();
    })().catch((e) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(stream.text).toBe('a');
  });
});
