import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle, goDuration, startEmulator } from '../../src/emulator/index.js';

const opened: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((e) => e.close()));
});
async function start(options: Parameters<typeof startEmulator>[0]) {
  const emulator = await startEmulator(options);
  opened.push(emulator);
  return emulator;
}

function chat(
  emulator: EmulatorHandle,
  body: unknown = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  headers: Record<string, string> = {},
) {
  return fetch(`${emulator.url}/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer sk-limits-000011112222',
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('rate limits', () => {
  it('counts requests per minute, sends x-ratelimit-* headers and a 429 of type requests', async () => {
    let now = 1_000_000;
    const emulator = await start({ rpm: 2, tpm: 100_000, now: () => now });
    const first = await chat(emulator);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.headers.get('x-ratelimit-reset-requests')).toBe('30s');
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(100_000);
    await chat(emulator);
    const limited = await chat(emulator);
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null });
    expect(body.error.message).toBe(
      'Rate limit reached for gpt-4o-mini in organization org-emulator on requests per min (RPM): Limit 2, Used 2, Requested 1. Please try again in 30s. Visit https://platform.openai.com/account/rate-limits to learn more.',
    );
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.headers.get('retry-after-ms')).toBe('30000');
    now += 30_000;
    expect((await chat(emulator)).status).toBe(200);
  });

  it('counts tokens per minute (prompt + requested completion) with a 429 of type tokens', async () => {
    const now = 5_000_000;
    const emulator = await start({ tpm: 1000, now: () => now });
    const body = { model: 'gpt-4o', max_tokens: 600, messages: [{ role: 'user', content: 'hi' }] };
    expect((await chat(emulator, body)).status).toBe(200);
    const limited = await chat(emulator, body);
    expect(limited.status).toBe(429);
    const error = ((await limited.json()) as { error: { type: string; message: string } }).error;
    expect(error.type).toBe('tokens');
    expect(error.message).toMatch(
      /on tokens per min \(TPM\): Limit 1000, Used \d+, Requested \d+\. Please try again in [\d.]+m?s\./,
    );
    const tooLarge = await chat(emulator, { ...body, max_tokens: 5000 });
    const big = ((await tooLarge.json()) as { error: { message: string } }).error;
    expect(big.message).toMatch(
      /^Request too large for gpt-4o in organization org-emulator on tokens per min \(TPM\): Limit 1000, Requested \d+\./,
    );
  });

  it('the SDK surfaces the emulator rate limit as RateLimitError', async () => {
    const emulator = await start({ rpm: 1 });
    const client = new OpenAI({ apiKey: 'sk-a', baseURL: emulator.url, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }] });
    await expect(
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'b' }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('formats durations like Go', () => {
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(8)).toBe('8ms');
    expect(goDuration(1500)).toBe('1.5s');
    expect(goDuration(9816)).toBe('9.816s');
    expect(goDuration(360_000)).toBe('6m0s');
    expect(goDuration(3_600_000)).toBe('1h0m0s');
  });
});

describe('headers on every response', () => {
  it('success, validation error, auth error and 404 all carry the OpenAI headers', async () => {
    const emulator = await start({});
    const responses = [
      await chat(emulator),
      await chat(emulator, { model: 'gpt-4o', messages: [] }),
      await fetch(`${emulator.url}/models`),
      await fetch(`${emulator.url}/nope`, { headers: { authorization: 'Bearer x' } }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 400, 401, 404]);
    for (const res of responses) {
      expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
      expect(res.headers.get('openai-version')).toBe('2020-10-01');
      expect(res.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
      expect(res.headers.get('openai-organization')).toBe('org-emulator');
    }
  });

  it('retry headers are switchable per request and per fault', async () => {
    const emulator = await start({});
    const plain = await chat(emulator, undefined, { 'x-emulator-fault': '503' });
    expect(plain.headers.get('retry-after')).toBeNull();
    const withHeaders = await chat(emulator, undefined, {
      'x-emulator-fault': '429',
      'x-emulator-retry-after': '2',
      'x-emulator-retry-after-ms': '150',
      'x-emulator-should-retry': 'false',
    });
    expect(withHeaders.headers.get('retry-after')).toBe('2');
    expect(withHeaders.headers.get('retry-after-ms')).toBe('150');
    expect(withHeaders.headers.get('x-should-retry')).toBe('false');
    const fromFault = await chat(emulator, undefined, {
      'x-emulator-fault': '500;retry-after=1;should-retry=true',
    });
    expect(fromFault.headers.get('retry-after')).toBe('1');
    expect(fromFault.headers.get('x-should-retry')).toBe('true');
  });
});

describe('journal', () => {
  it('lists received requests with masked keys and parsed bodies, and clears them', async () => {
    const emulator = await start({});
    const root = emulator.url.replace(/\/v1$/, '');
    await fetch(`${root}/emulator/requests`, { method: 'DELETE' });
    await chat(
      emulator,
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'journal me' }] },
      { 'x-emulator-fault': 'delay=1' },
    );
    const list = (await (await fetch(`${root}/emulator/requests`)).json()) as {
      data: Record<string, unknown>[];
    };
    expect(list.data).toHaveLength(1);
    const entry = list.data[0]!;
    expect(entry).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      fault: 'delay=1',
      body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'journal me' }] },
    });
    expect(JSON.stringify(entry)).not.toContain('sk-limits-000011112222');
    expect((entry.headers as Record<string, string>).authorization).toMatch(/^Bearer sk-\*+2222$/);
    expect(Date.parse(String(entry.time))).not.toBeNaN();
    const cleared = (await (await fetch(`${root}/emulator/requests`, { method: 'DELETE' })).json()) as {
      deleted: number;
    };
    expect(cleared.deleted).toBe(1);
    expect(emulator.journal.entries()).toHaveLength(0);
  });

  it('keeps memory bounded: only the newest journalLimit entries stay', async () => {
    const emulator = await start({ journalLimit: 3 });
    for (let i = 0; i < 5; i++)
      await chat(emulator, { model: 'gpt-4o', messages: [{ role: 'user', content: `m${i}` }] });
    const bodies = emulator.journal
      .entries()
      .map((e) => (e.body as { messages: { content: string }[] }).messages[0]?.content);
    expect(bodies).toEqual(['m2', 'm3', 'm4']);
  });

  it('times=N counts per fault key, so different keys fail independently', async () => {
    const emulator = await start({});
    const statuses: number[] = [];
    for (const key of ['a', 'a', 'b', 'a', 'b', 'b']) {
      statuses.push(
        (await chat(emulator, undefined, { 'x-emulator-fault': '500;times=2', 'x-emulator-fault-key': key }))
          .status,
      );
    }
    expect(statuses).toEqual([500, 500, 500, 200, 500, 200]);
  });
});

describe('timing', () => {
  it('slow=MS and time to first token still deliver every chunk in order', async () => {
    const emulator = await start({ timeToFirstTokenMs: 10, replyTokens: 5 });
    const client = new OpenAI({ apiKey: 'sk-a', baseURL: emulator.url, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'slow' }] },
      { headers: { 'x-emulator-fault': 'slow=10' } },
    );
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(chunks).toBe(7);
    const fast = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'slow' }],
    });
    expect(text).toBe(fast.choices[0]?.message.content);
  });

  it('delay=MS holds the response before headers and then answers normally', async () => {
    const emulator = await start({});
    const res = await chat(emulator, undefined, { 'x-emulator-fault': 'delay=20' });
    expect(res.status).toBe(200);
  });

  it('close() ends stalled streams instead of hanging', async () => {
    const emulator = await startEmulator({});
    const res = await chat(
      emulator,
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { 'x-emulator-fault': 'stall-after=1' },
    );
    const reader = res.body!.getReader();
    await reader.read();
    const pending = reader.read().catch((e: unknown) => e);
    await emulator.close();
    const outcome = await pending;
    expect(outcome instanceof Error || (outcome as { done?: boolean }).done === true).toBe(true);
  });
});
