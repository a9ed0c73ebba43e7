import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

async function rawStream(gw: TestGateway, fault: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-emulator-fault': fault },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true }),
  });
  return { status: response.status, text: await response.text() };
}

describe('an upstream stream cut mid-answer', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('reaches the client as an error frame and no [DONE], never as a clean end', async () => {
    gw = await startTestGateway({ env: { STEADYCHAT_MAX_RETRIES: '0' }, emulator: { replyTokens: 30 } });
    for (const fault of ['error-after=3', 'drop-after=3', 'malformed-after=3']) {
      const { status, text } = await rawStream(gw, fault);
      expect(status).toBe(200);
      const frames = text.split('\n\n').filter(Boolean);
      expect(frames.filter((f) => f.includes('"chat.completion.chunk"')).length).toBeGreaterThanOrEqual(3);
      const last = frames.at(-1)!;
      expect(last.startsWith('data: {"error"')).toBe(true);
      expect(JSON.parse(last.slice(6)).error).toMatchObject({
        type: expect.any(String),
        code: expect.any(String),
      });
      expect(text).not.toContain('[DONE]');
    }
  });

  it('makes the SDK stream throw instead of ending quietly, and the ledger records a cut', async () => {
    gw = await startTestGateway({ env: { STEADYCHAT_MAX_RETRIES: '0' }, emulator: { replyTokens: 30 } });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'local', maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true },
      { headers: { 'x-emulator-fault': 'drop-after=4' } },
    );
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(text.length).toBeGreaterThan(0);
    await gw.gateway.gateway.settled();
    const rows = await gw.store.db.selectFrom('usage_ledger').selectAll().execute();
    expect(rows.map((r) => r.outcome)).toEqual(['cut']);
    expect(Number(rows[0]!.completion_tokens)).toBeGreaterThan(0);
  });
});

describe('several upstreams', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('falls back to the next upstream on a retryable failure before the first chunk', async () => {
    gw = await startTestGateway({
      env: { STEADYCHAT_MAX_RETRIES: '0' },
      upstreams: [
        {
          name: 'broken',
          baseUrl: '{emulator}',
          apiKeys: ['sk-test-key-aaaa'],
          headers: { 'x-emulator-fault': '503' },
        },
        { name: 'healthy', baseUrl: '{emulator}', apiKeys: ['sk-test-key-bbbb', 'sk-test-key-cccc'] },
      ],
    });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'local', maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text.length).toBeGreaterThan(0);
    }
    const auths = gw.emulator.journal.requests('/v1/chat/completions').map((e) => e.headers.authorization);
    // broken (sk-a), then healthy with its two keys in turn.
    expect(auths.length).toBe(4);
    expect(new Set(auths).size).toBe(3);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/steadychat_upstream_fallbacks_total\{from="broken",to="healthy"\} 2/);
  });

  it('does not fall back on a client error (the request itself is wrong)', async () => {
    gw = await startTestGateway({
      env: { STEADYCHAT_MAX_RETRIES: '0' },
      upstreams: [
        { name: 'first', baseUrl: '{emulator}', apiKeys: ['sk-a'] },
        { name: 'second', baseUrl: '{emulator}', apiKeys: ['sk-b'] },
      ],
    });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'local', maxRetries: 0 });
    const failure = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], top_p: 7 })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect(gw.emulator.journal.requests('/v1/chat/completions').length).toBe(1);
  });
});
