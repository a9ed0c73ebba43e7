import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatClient, createClient } from '../../src/client/index.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import {
  AbortedError,
  AuthenticationError,
  ContextLengthError,
  ModelNotFoundError,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  StreamInterruptedError,
  TimeoutError,
} from '../../src/openai/index.js';
import type { AttemptEvent } from '../../src/pipeline/index.js';

let emulator: EmulatorHandle;
let client: ChatClient;
const attempts: AttemptEvent[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    invalidKeys: ['sk-revoked-000000000000000000'],
    models: [
      {
        id: 'tiny-context',
        snapshot: 'tiny-context',
        contextWindow: 64,
        maxOutputTokens: 16,
        encoding: 'o200k_base',
        reasoning: false,
        created: 1,
        owned_by: 'system',
      },
    ],
  });
  client = createClient({
    baseUrl: emulator.url,
    apiKey: 'sk-test-emulator-key-1234567890',
    settings: false,
    model: 'gpt-4o-mini',
    retry: { baseDelayMs: 1, maxBackoffMs: 4 },
    onAttempt: (e) => attempts.push(e),
  });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => {
  emulator.journal.clear();
  attempts.length = 0;
});

const ask = { messages: [{ role: 'user' as const, content: 'Tell me a short story.' }] };
let faultSeq = 0;
/** A fault applied to the first `times` requests of this test only. */
const fault = (value: string) => ({ 'x-emulator-fault': value, 'x-emulator-fault-key': `k${++faultSeq}` });
const chatRequests = () => emulator.journal.requests('/v1/chat/completions');

describe('against the emulator: retry rules counted in the journal', () => {
  it('a plain call succeeds once, with usage and request id', async () => {
    const result = await client.chat(ask);
    expect(result.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(result.meta.upstreamRequestId).toMatch(/^req_/);
    expect(chatRequests()).toHaveLength(1);
  });

  it('429 rate limit: retried after the server wait, then succeeds', async () => {
    const result = await client.chat(ask, { headers: fault('429;times=2;retry-after-ms=5') });
    expect(result.meta.attempts).toBe(3);
    expect(chatRequests()).toHaveLength(3);
    expect(attempts[0]?.error).toBeInstanceOf(RateLimitError);
    expect(attempts[0]?.delaySource).toBe('retry-after-ms');
  });

  it('429 insufficient_quota: one request, never retried', async () => {
    const error = await client.chat(ask, { headers: fault('429-quota') }).catch((e) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(chatRequests()).toHaveLength(1);
  });

  it('500 and 503 are retried up to maxRetries', async () => {
    const error = await client
      .chat(ask, { headers: fault('503;retry-after=none;retry-after-ms=none') })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.attempts).toBe(3);
    expect(chatRequests()).toHaveLength(3);
    emulator.journal.clear();
    const ok = await client.chat(ask, { headers: fault('500;times=1') });
    expect(ok.meta.attempts).toBe(2);
    expect(chatRequests()).toHaveLength(2);
  });

  it('a 502 HTML page is a retried server error with a readable message', async () => {
    const error = await client.chat(ask, { headers: fault('502-html'), maxRetries: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toContain('502 Bad Gateway');
    expect(chatRequests()).toHaveLength(2);
  });

  it('x-should-retry: false is obeyed', async () => {
    await expect(client.chat(ask, { headers: fault('503;should-retry=false') })).rejects.toBeInstanceOf(
      ServerError,
    );
    expect(chatRequests()).toHaveLength(1);
  });

  it('401 rejected key and unknown model: one request each', async () => {
    const revoked = createClient({
      baseUrl: emulator.url,
      apiKey: 'sk-revoked-000000000000000000',
      settings: false,
    });
    const auth = await revoked.chat({ ...ask, model: 'gpt-4o-mini' }).catch((e) => e);
    expect(auth).toBeInstanceOf(AuthenticationError);
    expect(auth.reason).toBe('rejected');
    expect(auth.message).not.toContain('sk-revoked-000000000000000000');
    const model = await client.chat({ ...ask, model: 'gpt-nonexistent' }).catch((e) => e);
    expect(model).toBeInstanceOf(ModelNotFoundError);
    expect(chatRequests()).toHaveLength(2);
    await revoked.close();
  });
});

describe('against the emulator: the other error classes', () => {
  it('context too long: ContextLengthError with the limit and the requested count, not retried', async () => {
    const long = 'word '.repeat(200);
    const error = await client
      .chat({ model: 'tiny-context', messages: [{ role: 'user', content: long }], max_tokens: 8 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ContextLengthError);
    expect(error.limit).toBe(64);
    expect(error.requested).toBeGreaterThan(64);
    expect(error.param).toBe('messages');
    expect(chatRequests()).toHaveLength(1);
  });

  it('no key sent: AuthenticationError with reason "missing"', async () => {
    const keyless = createClient({ baseUrl: emulator.url, settings: false, model: 'gpt-4o-mini' });
    const error = await keyless.chat(ask).catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.reason).toBe('missing');
    expect(error.code).toBe('missing_api_key');
    expect(chatRequests()).toHaveLength(1);
    await keyless.close();
  });
});

describe('against the emulator: streams and timeouts', () => {
  it('usage comes from the final chunk when include_usage is honoured', async () => {
    const stream = await client.chat({ ...ask, stream: true });
    const final = await stream.finalCompletion();
    expect(final.usageEstimated).toBe(false);
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
    expect((chatRequests()[0]!.body as { stream_options?: unknown }).stream_options).toEqual({
      include_usage: true,
    });
  });

  it('drop-after: partial text kept, usage estimated, not retried', async () => {
    const stream = await client.chat({ ...ask, stream: true }, { headers: fault('drop-after=3') });
    const error = await stream.finalCompletion().catch((e) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.partialText.length).toBeGreaterThan(0);
    expect(error.partialText).toBe(stream.text);
    expect(error.usageEstimated).toBe(true);
    expect(error.usage.prompt_tokens).toBeGreaterThan(0);
    expect(chatRequests()).toHaveLength(1);
    expect(attempts.at(-1)?.usageEstimated).toBe(true);
  });

  it('error-after and malformed-after: typed interruptions', async () => {
    for (const f of ['error-after=2', 'malformed-after=2']) {
      const stream = await client.chat({ ...ask, stream: true }, { headers: fault(f) });
      const error = await stream.finalCompletion().catch((e) => e);
      expect(error).toBeInstanceOf(StreamInterruptedError);
      expect(error.cause).toBeInstanceOf(ServerError);
    }
  });

  it('error-after=0 (before any chunk) is retried', async () => {
    const stream = await client.chat({ ...ask, stream: true }, { headers: fault('error-after=0;times=1') });
    expect((await stream.finalCompletion()).choices[0]?.finish_reason).toBe('stop');
    expect(chatRequests()).toHaveLength(2);
  });

  it('stall-after: the idle timeout ends the stream instead of hanging', async () => {
    const stream = await client.chat(
      { ...ask, stream: true },
      { headers: fault('stall-after=2'), timeouts: { idleMs: 80 } },
    );
    const error = await stream.finalCompletion().catch((e) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.cause).toBeInstanceOf(TimeoutError);
    expect(error.cause.phase).toBe('idle');
  });

  it('delay: the first-byte timeout fires, and the retry succeeds', async () => {
    const result = await client.chat(ask, {
      headers: fault('delay=400;times=1'),
      timeouts: { firstByteMs: 80 },
    });
    expect(result.meta.attempts).toBe(2);
    expect(attempts[0]?.error).toBeInstanceOf(TimeoutError);
    expect((attempts[0]!.error as TimeoutError).phase).toBe('firstByte');
  });

  it('slow streams within the idle timeout complete', async () => {
    const stream = await client.chat(
      { ...ask, stream: true },
      { headers: fault('slow=15'), timeouts: { idleMs: 200 } },
    );
    expect((await stream.finalCompletion()).choices[0]?.finish_reason).toBe('stop');
  });

  it('an abort during a slow stream ends it at once with AbortedError', async () => {
    const controller = new AbortController();
    const stream = await client.chat(
      { ...ask, stream: true },
      { headers: fault('slow=40'), signal: controller.signal },
    );
    const error = await (async () => {
      for await (const _ of stream) controller.abort();
    })().catch((e) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(attempts.at(-1)?.usage).toBeDefined();
  });

  it('listModels reads /v1/models', async () => {
    const { models } = await client.listModels();
    expect(models.map((m) => m.id)).toContain('gpt-4o-mini');
  });
});
