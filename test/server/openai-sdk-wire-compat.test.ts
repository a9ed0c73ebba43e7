import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

// The official SDK, pointed at the gateway with a gateway key, must not be able to tell it from OpenAI.
describe('the official openai SDK against the gateway (emulator upstream)', () => {
  let gw: TestGateway;
  let key: string;
  let client: OpenAI;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { STEADYCHAT_MAX_RETRIES: '0' } });
    key = (await gw.gateway.gateway.keys.create({ name: 'sdk' })).secret;
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: key, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers a non-streaming completion with the upstream body and an x-request-id', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('streams chunks the SDK assembles, ending cleanly', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Tell me something' }],
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text.length).toBeGreaterThan(10);
  });

  it('passes the usage chunk only to a client that asked for it', async () => {
    const withUsage = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: unknown = null;
    for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });

    const without = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    for await (const chunk of without) expect(chunk.choices.length).toBeGreaterThan(0);
  });

  it('round-trips tool calls, streamed and not', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const auto = { headers: { 'x-emulator-tool-call': 'auto' } };
    const first = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools },
      auto,
    );
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');

    const runner = client.chat.completions.stream(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools },
      auto,
    );
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === 'function' && JSON.parse(streamed.function.arguments)).toHaveProperty('city');

    const answer = await client.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          first.choices[0]!.message,
          { role: 'tool', tool_call_id: call!.id, content: '18C, cloudy' },
        ],
        tools,
      },
      auto,
    );
    expect(answer.choices[0]?.finish_reason).toBe('stop');
  });

  it('lists models in the OpenAI list shape', async () => {
    const page = await client.models.list();
    expect(page.data.length).toBeGreaterThan(0);
    expect(page.data[0]).toMatchObject({ id: expect.any(String), object: 'model' });
  });

  it('passes unknown request fields through to the upstream untouched', async () => {
    gw.emulator.journal.clear();
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      // @ts-expect-error a field the SDK does not know
      future_field: { nested: [1, 2] },
      metadata: { team: 'a' },
    });
    const body = gw.emulator.journal.requests('/v1/chat/completions').at(-1)?.body as Record<string, unknown>;
    expect(body.future_field).toEqual({ nested: [1, 2] });
    expect(body.metadata).toEqual({ team: 'a' });
  });

  it('maps every error class to the SDK error the real API would raise', async () => {
    const messages = [{ role: 'user' as const, content: 'x' }];
    const withFault = (fault: string) => ({ headers: { 'x-emulator-fault': fault } });

    const noKey = new OpenAI({ baseURL: gw.baseURL, apiKey: 'sk-not-a-gateway-key', maxRetries: 0 });
    await expect(noKey.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const badKey = new OpenAI({
      baseURL: gw.baseURL,
      apiKey: 'sc-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      maxRetries: 0,
    });
    const denied = await badKey.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e) => e);
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(denied.code).toBe('invalid_api_key');
    expect(denied.requestID).toMatch(/^req_/);

    const badRequest = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages, temperature: 9 })
      .catch((e) => e);
    expect(badRequest).toBeInstanceOf(OpenAI.BadRequestError);
    expect(badRequest.param).toBe('temperature');

    const missing = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [] })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(OpenAI.BadRequestError);

    const rateLimited = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages }, withFault('429'))
      .catch((e) => e);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(rateLimited.code).toBe('rate_limit_exceeded');

    const quota = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages }, withFault('429-quota'))
      .catch((e) => e);
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect(quota.code).toBe('insufficient_quota');

    const server = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages }, withFault('500'))
      .catch((e) => e);
    expect(server).toBeInstanceOf(OpenAI.InternalServerError);

    const upstreamKey = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages }, withFault('401'))
      .catch((e) => e);
    // The upstream refusing the gateway's own key is the operator's problem, not the caller's key.
    expect(upstreamKey).toBeInstanceOf(OpenAI.APIError);
    expect(upstreamKey.status).toBe(502);
    expect(upstreamKey.code).toBe('upstream_auth_failed');
    expect(JSON.stringify(upstreamKey.error)).not.toContain('sk-upstream-secret-key');

    const notFound = await fetch(`${gw.url}/v1/nowhere`, { headers: { authorization: `Bearer ${key}` } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await notFound.json()).toEqual({
      error: {
        message: 'Invalid URL (GET /v1/nowhere)',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });

    const notJson = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.type).toBe('invalid_request_error');
  });

  it('refuses a model outside the key’s list like an unknown model', async () => {
    const { secret } = await gw.gateway.gateway.keys.create({ name: 'narrow', models: ['gpt-4o-mini'] });
    const narrow = new OpenAI({ baseURL: gw.baseURL, apiKey: secret, maxRetries: 0 });
    const refused = await narrow.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
    expect(refused.code).toBe('model_not_found');
    const models = await narrow.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o-mini']);
  });
});
