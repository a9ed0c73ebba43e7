import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { countChatTokens } from '../../src/tokens/index.js';

let emulator: EmulatorHandle;
let strict: EmulatorHandle;
beforeAll(async () => {
  emulator = await startEmulator();
  strict = await startEmulator({ strictFields: true });
});
afterAll(async () => {
  await emulator.close();
  await strict.close();
});

async function send(body: unknown, options: { raw?: string; key?: string | null; base?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.key !== null) headers.authorization = `Bearer ${options.key ?? 'sk-valid'}`;
  const res = await fetch(`${options.base ?? emulator.url}/chat/completions`, {
    method: 'POST',
    headers,
    body: options.raw ?? JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { error: Record<string, unknown> },
  };
}

const user = { role: 'user', content: 'hi' };

describe('validation errors carry OpenAI exact bodies', () => {
  it.each<[string, unknown, string, string | null, string | null]>([
    [
      'empty messages',
      { model: 'gpt-4o', messages: [] },
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    ],
    [
      'empty tools',
      { model: 'gpt-4o', messages: [user], tools: [] },
      "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'tools',
      'empty_array',
    ],
    [
      'missing messages',
      { model: 'gpt-4o' },
      "Missing required parameter: 'messages'.",
      'messages',
      'missing_required_parameter',
    ],
    [
      'temperature above 2',
      { model: 'gpt-4o', messages: [user], temperature: 200 },
      "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 200 instead.",
      'temperature',
      'decimal_above_max_value',
    ],
    [
      'top_p above 1',
      { model: 'gpt-4o', messages: [user], top_p: 5 },
      "Invalid 'top_p': decimal above maximum value. Expected a value <= 1, but got 5 instead.",
      'top_p',
      'decimal_above_max_value',
    ],
    [
      'temperature below 0',
      { model: 'gpt-4o', messages: [user], temperature: -1 },
      "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -1 instead.",
      'temperature',
      'decimal_below_min_value',
    ],
    [
      'n above 128',
      { model: 'gpt-4o', messages: [user], n: 129 },
      "Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 instead.",
      'n',
      'integer_above_max_value',
    ],
    [
      'five stop sequences',
      { model: 'gpt-4o', messages: [user], stop: ['a', 'b', 'c', 'd', 'e'] },
      "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 5 instead.",
      'stop',
      'array_above_max_length',
    ],
    [
      'unknown role',
      { model: 'gpt-4o', messages: [{ role: 'bot', content: 'x' }] },
      "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
      'messages[0].role',
      'invalid_value',
    ],
    [
      'tool_choice without tools',
      { model: 'gpt-4o', messages: [user], tool_choice: 'auto' },
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
      null,
    ],
    [
      'max_tokens on a reasoning model',
      { model: 'o3-mini', messages: [user], max_tokens: 10 },
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'max_tokens',
      'unsupported_parameter',
    ],
    [
      'max_tokens over the model limit',
      { model: 'gpt-4o', messages: [user], max_tokens: 100000 },
      'max_tokens is too large: 100000. This model supports at most 16384 completion tokens, whereas you provided 100000.',
      'max_tokens',
      'invalid_value',
    ],
    [
      'orphan tool message',
      {
        model: 'gpt-4o',
        messages: [
          user,
          { role: 'assistant', content: 'ok' },
          user,
          { role: 'tool', tool_call_id: 'call_x', content: 'r' },
        ],
      },
      "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
      'messages.[3].role',
      null,
    ],
    [
      'unanswered tool_calls',
      {
        model: 'gpt-4o',
        messages: [
          user,
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_mjLuNyXNHoUIXHiBtXhaWdxN',
                type: 'function',
                function: { name: 'f', arguments: '{}' },
              },
            ],
          },
          user,
        ],
      },
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_mjLuNyXNHoUIXHiBtXhaWdxN",
      'messages.[2].role',
      null,
    ],
  ])('%s', async (_name, body, message, param, code) => {
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { message, type: 'invalid_request_error', param, code } });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('accepts a complete tool round trip', async () => {
    const res = await send({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_4XzlGBLtUe9dy3GVNV4jhq7h',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_4XzlGBLtUe9dy3GVNV4jhq7h', content: '18C, cloudy' },
      ],
    });
    expect(res.status).toBe(200);
  });

  it('bad JSON gets the "could not parse" body', async () => {
    const res = await send(null, { raw: '{"model": "gpt-4o", ' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^We could not parse the JSON body of your request\. \(HINT:/);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
  });

  it('unknown model is a 404 model_not_found with backticks', async () => {
    const res = await send({ model: 'gpt-4o-2024-11-99x', messages: [user] });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: {
        message: 'The model `gpt-4o-2024-11-99x` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    });
  });

  it('context length: the real numbers in both message forms', async () => {
    const messages = [{ role: 'user', content: 'word '.repeat(9000) }];
    const prompt = countChatTokens({ model: 'gpt-4', messages: messages as never });
    const over = await send({ model: 'gpt-4', messages });
    expect(over.status).toBe(400);
    expect(over.body.error).toEqual({
      message: `This model's maximum context length is 8192 tokens. However, your messages resulted in ${prompt} tokens. Please reduce the length of the messages.`,
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    });
    const small = [{ role: 'user', content: 'word '.repeat(7000) }];
    const smallPrompt = countChatTokens({ model: 'gpt-4', messages: small as never });
    const withCompletion = await send({ model: 'gpt-4', messages: small, max_tokens: 2000, stream: true });
    expect(withCompletion.body.error.message).toBe(
      `This model's maximum context length is 8192 tokens. However, you requested ${smallPrompt + 2000} tokens (${smallPrompt} in the messages, 2000 in the completion). Please reduce the length of the messages or completion.`,
    );
  });

  it('unknown fields pass by default and are rejected in strict mode', async () => {
    expect((await send({ model: 'gpt-4o', messages: [user], top_k: 3 })).status).toBe(200);
    const res = await send({ model: 'gpt-4o', messages: [user], top_k: 3 }, { base: strict.url });
    expect(res.body.error).toEqual({
      message: 'Unrecognized request argument supplied: top_k',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('missing key → the 401 body with code null', async () => {
    const res = await send({ model: 'gpt-4o', messages: [user] }, { key: null });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/^You didn't provide an API key\./);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
  });

  it('unknown routes and wrong methods', async () => {
    const res = await fetch(`${emulator.url}/chat/completion`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        message: 'Invalid URL (POST /v1/chat/completion)',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
    const wrong = await fetch(`${emulator.url}/chat/completions`, {
      method: 'GET',
      headers: { authorization: 'Bearer k' },
    });
    expect(wrong.status).toBe(405);
  });

  it('an unknown fault is a clear 400, not a silent success', async () => {
    const res = await fetch(`${emulator.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'x-emulator-fault': 'explode' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [user] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('emulator_invalid_fault');
  });
});
