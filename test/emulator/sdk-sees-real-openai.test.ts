import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { countChatTokens, countTextTokens } from '../../src/tokens/index.js';
import { weatherMessages, weatherTools } from '../fixtures/cookbook-weather-example.js';

let emulator: EmulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startEmulator({ invalidKeys: ['sk-revoked-0000000000001234'] });
  client = new OpenAI({ apiKey: 'sk-test-key-abcdefgh', baseURL: emulator.url, maxRetries: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.journal.clear();
});

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city.',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
      },
      required: ['city', 'unit', 'days'],
      additionalProperties: false,
    },
  },
};

describe('non-streaming', () => {
  it('answers with a resolved snapshot, a request id and usage equal to the published rule', async () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hello there', name: 'ann' },
    ];
    const { data, response, request_id } = await client.chat.completions
      .create({ model: 'gpt-4.1', messages })
      .withResponse();
    expect(response.status).toBe(200);
    expect(request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(data.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(data.model).toBe('gpt-4.1-2025-04-14');
    expect(data.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}$/);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    const content = data.choices[0]?.message.content ?? '';
    expect(content.length).toBeGreaterThan(0);
    expect(data.usage?.prompt_tokens).toBe(countChatTokens({ model: 'gpt-4.1', messages }));
    expect(data.usage?.completion_tokens).toBe(countTextTokens(content, 'gpt-4.1'));
    expect(data.usage?.completion_tokens).toBe(16);
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + 16);
  });

  it('is deterministic for the same request and seed, and honours the reply length header', async () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'same question' }] };
    const a = await client.chat.completions.create(body);
    const b = await client.chat.completions.create(body);
    expect(a.choices[0]?.message.content).toBe(b.choices[0]?.message.content);
    const long = await client.chat.completions.create(body, { headers: { 'x-emulator-reply-tokens': '40' } });
    expect(long.usage?.completion_tokens).toBe(40);
    const other = await client.chat.completions.create({ ...body, seed: 7 });
    expect(other.choices[0]?.message.content).not.toBe(a.choices[0]?.message.content);
  });

  it('echoes the last user message on request, and cuts at max_tokens with finish_reason length', async () => {
    const echo = await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'My number is [PHONE_1], call me.' }] },
      { headers: { 'x-emulator-reply': 'echo' } },
    );
    expect(echo.choices[0]?.message.content).toBe('My number is [PHONE_1], call me.');
    const cut = await client.chat.completions.create({
      model: 'gpt-4o',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(cut.choices[0]?.finish_reason).toBe('length');
    expect(cut.usage?.completion_tokens).toBe(3);
  });

  it('stops before a stop sequence', async () => {
    const res = await client.chat.completions.create(
      { model: 'gpt-4o', stop: ['STOP'], messages: [{ role: 'user', content: 'one two STOP three' }] },
      { headers: { 'x-emulator-reply': 'echo' } },
    );
    expect(res.choices[0]?.message.content).toBe('one two ');
    expect(res.choices[0]?.finish_reason).toBe('stop');
  });

  it('returns n choices with their own indexes', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      n: 3,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(res.usage?.completion_tokens).toBe(48);
  });

  it('calls a forced tool with arguments that satisfy its schema', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    expect(res.choices[0]?.message.content).toBeNull();
    expect(call?.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    if (call?.type !== 'function') throw new Error('expected a function call');
    const args = JSON.parse(call.function.arguments);
    expect(typeof args.city).toBe('string');
    expect(['celsius', 'fahrenheit']).toContain(args.unit);
    expect(Number.isInteger(args.days) && args.days >= 1 && args.days <= 7).toBe(true);
  });

  it('lists and retrieves models', async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toContain('gpt-4o');
    expect(ids).toContain('gpt-4.1-2025-04-14');
    const model = await client.models.retrieve('gpt-4o-mini');
    expect(model).toMatchObject({ id: 'gpt-4o-mini', object: 'model', owned_by: 'system' });
    await expect(client.models.retrieve('gpt-nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('streaming', () => {
  it('streams text with a final usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Tell me something' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(ids.size).toBe(1);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(countTextTokens(text, 'gpt-4o'));
    expect(usage?.prompt_tokens).toBe(
      countChatTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Tell me something' }] }),
    );
  });

  it('streams a tool call whose fragments the SDK assembles into valid arguments', async () => {
    const runner = client.chat.completions.stream({
      model: 'gpt-4o',
      tools: [weatherTool],
      tool_choice: 'required',
      messages: [{ role: 'user', content: 'Weather?' }],
      stream_options: { include_usage: true },
    });
    const fragments: string[] = [];
    runner.on('chunk', (chunk) => {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (call.function?.arguments) fragments.push(call.function.arguments);
      }
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(fragments.length).toBeGreaterThan(3);
    expect(fragments.join('')).toBe(call.function.arguments);
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('calls several tools in parallel when asked by header', async () => {
    const timeTool = {
      type: 'function' as const,
      function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
    };
    const runner = client.chat.completions.stream(
      { model: 'gpt-4o', tools: [weatherTool, timeTool], messages: [{ role: 'user', content: 'both' }] },
      { headers: { 'x-emulator-tool-call': 'get_weather,get_time' } },
    );
    const final = await runner.finalChatCompletion();
    const names = (final.choices[0]?.message.tool_calls ?? []).map((c) =>
      c.type === 'function' ? c.function.name : '',
    );
    expect(names).toEqual(['get_weather', 'get_time']);
  });

  it('interleaves n choices and assembles each', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      n: 2,
      stream: true,
      messages: [{ role: 'user', content: 'two answers' }],
    });
    const texts = ['', ''];
    const order: number[] = [];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        order.push(choice.index);
        texts[choice.index] += choice.delta.content ?? '';
      }
    }
    expect(order.slice(0, 4)).toEqual([0, 1, 0, 1]);
    expect(texts[0]).not.toBe('');
    expect(texts[1]).not.toBe('');
  });
});

describe('errors reach the SDK as its own classes with the right code', () => {
  const body = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };

  it.each([
    ['429', OpenAI.RateLimitError, 429, 'rate_limit_exceeded', 'requests'],
    ['429-quota', OpenAI.RateLimitError, 429, 'insufficient_quota', 'insufficient_quota'],
    ['401', OpenAI.AuthenticationError, 401, 'invalid_api_key', 'invalid_request_error'],
    ['500', OpenAI.InternalServerError, 500, null, 'server_error'],
    ['503', OpenAI.InternalServerError, 503, null, 'server_error'],
  ])('fault %s → %s', async (fault, ErrorClass, status, code, type) => {
    const error = await client.chat.completions
      .create(body, { headers: { 'x-emulator-fault': fault } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(status);
    expect(apiError.code).toBe(code);
    expect(apiError.type).toBe(type);
    expect(apiError.requestID).toMatch(/^req_/);
  });

  it('502 with an HTML body becomes an InternalServerError carrying the text', async () => {
    const error = await client.chat.completions
      .create(body, { headers: { 'x-emulator-fault': '502-html' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(String((error as Error).message)).toContain('502 Bad Gateway');
  });

  it('an invalid key is refused with invalid_api_key and the key masked', async () => {
    const revoked = new OpenAI({
      apiKey: 'sk-revoked-0000000000001234',
      baseURL: emulator.url,
      maxRetries: 0,
    });
    const error = (await revoked.chat.completions.create(body).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.code).toBe('invalid_api_key');
    expect(error.message).not.toContain('sk-revoked-0000000000001234');
    expect(error.message).toContain('1234');
  });

  it('validation errors are BadRequestError with param and code, even for stream: true', async () => {
    const error = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: [], stream: true })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe('empty_array');
    expect(error.param).toBe('messages');
  });

  it('an unknown model is NotFoundError model_not_found', async () => {
    const error = (await client.chat.completions
      .create({ ...body, model: 'gpt-9' })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe('model_not_found');
    expect(error.message).toContain('The model `gpt-9` does not exist');
  });

  it('an error frame mid-stream is thrown by the SDK iterator after the first chunks', async () => {
    const stream = await client.chat.completions.create(
      { ...body, stream: true },
      { headers: { 'x-emulator-fault': 'error-after=3' } },
    );
    let chunks = 0;
    const error = await (async () => {
      for await (const _ of stream) chunks += 1;
    })().catch((e: unknown) => e);
    expect(chunks).toBe(3);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String((error as Error).message)).toContain('The server had an error');
  });

  it('a dropped connection mid-stream is an error, not a silent end', async () => {
    const stream = await client.chat.completions.create(
      { ...body, stream: true },
      { headers: { 'x-emulator-fault': 'drop-after=2' } },
    );
    let chunks = 0;
    const error = await (async () => {
      for await (const _ of stream) chunks += 1;
    })().catch((e: unknown) => e);
    expect(chunks).toBe(2);
    expect(error).toBeInstanceOf(Error);
  });

  it('a malformed frame mid-stream makes the SDK fail to parse', async () => {
    const stream = await client.chat.completions.create(
      { ...body, stream: true },
      { headers: { 'x-emulator-fault': 'malformed-after=1' } },
    );
    const error = await (async () => {
      for await (const _ of stream) {
        // consume
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
  });

  it('a stalled stream trips the client timeout', async () => {
    const impatient = new OpenAI({ apiKey: 'sk-x', baseURL: emulator.url, maxRetries: 0, timeout: 300 });
    const error = await impatient.chat.completions
      .create(body, { headers: { 'x-emulator-fault': 'stall-after=0' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});

describe('retries driven by ;times=N', () => {
  it('the SDK retries twice, then succeeds, and the journal shows the three attempts', async () => {
    const retrying = new OpenAI({ apiKey: 'sk-retry-key-99998888', baseURL: emulator.url, maxRetries: 3 });
    const res = await retrying.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'retry me' }] },
      {
        headers: {
          'x-emulator-fault': '500;times=2;retry-after-ms=5',
          'x-emulator-fault-key': 'retry-test-1',
        },
      },
    );
    expect(res.choices[0]?.message.content).toBeTruthy();
    const attempts = emulator.journal.requests('/v1/chat/completions');
    expect(attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(attempts.map((a) => a.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    expect(attempts[0]?.headers.authorization).not.toContain('sk-retry-key-99998888');
    expect(attempts[0]?.body).toMatchObject({ model: 'gpt-4o' });
  });

  it('x-should-retry: false stops the SDK from retrying a 429', async () => {
    const retrying = new OpenAI({ apiKey: 'sk-x', baseURL: emulator.url, maxRetries: 3 });
    const error = await retrying.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'quota' }] },
        {
          headers: { 'x-emulator-fault': '429-quota;should-retry=false', 'x-emulator-fault-key': 'quota-1' },
        },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(emulator.journal.requests('/v1/chat/completions')).toHaveLength(1);
  });
});

describe('usage.prompt_tokens equals the published rule', () => {
  it("matches the OpenAI cookbook's values for its weather function example", async () => {
    // Our wire types are wider than the SDK's; the example itself is plain OpenAI.
    const request = { tools: weatherTools, messages: weatherMessages } as unknown as Omit<
      OpenAI.ChatCompletionCreateParamsNonStreaming,
      'model'
    >;
    const gpt4o = await client.chat.completions.create({ model: 'gpt-4o', ...request });
    const gpt35 = await client.chat.completions.create({ model: 'gpt-3.5-turbo', ...request });
    expect(gpt4o.usage?.prompt_tokens).toBe(101);
    expect(gpt35.usage?.prompt_tokens).toBe(105);
  });
});
