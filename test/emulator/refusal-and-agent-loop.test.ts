import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';

let emulator: EmulatorHandle;
let client: OpenAI;
beforeAll(async () => {
  emulator = await startEmulator();
  client = new OpenAI({ apiKey: 'sk-loop', baseURL: emulator.url, maxRetries: 0 });
});
afterAll(() => emulator.close());

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'lookup',
      parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
    },
  },
];

describe('refusals', () => {
  it('non-streaming: content null, refusal set', async () => {
    const res = await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'something bad' }] },
      { headers: { 'x-emulator-reply': 'refusal' } },
    );
    expect(res.choices[0]?.message.content).toBeNull();
    expect(res.choices[0]?.message.refusal).toMatch(/^I'm sorry/);
  });

  it('streaming: refusal deltas the SDK assembles', async () => {
    const runner = client.chat.completions.stream(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'something bad' }] },
      { headers: { 'x-emulator-reply': 'refusal' } },
    );
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.refusal).toMatch(/^I'm sorry, but I can't help/);
    expect(final.choices[0]?.message.content).toBeNull();
  });
});

describe('x-emulator-tool-call: auto runs a small agent loop', () => {
  it('calls the first tool, then answers in text once the tool result is in', async () => {
    const headers = { 'x-emulator-tool-call': 'auto' };
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'find it' }];
    const first = await client.chat.completions.create({ model: 'gpt-4o', tools, messages }, { headers });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function call');
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'found' });
    const second = await client.chat.completions.create({ model: 'gpt-4o', tools, messages }, { headers });
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(second.choices[0]?.message.content).toBeTruthy();
  });

  it('tool_choice auto without the header answers in text', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o',
      tools,
      tool_choice: 'auto',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(res.choices[0]?.message.tool_calls).toBeUndefined();
  });
});

describe('more faults', () => {
  it.each([
    ['403', OpenAI.PermissionDeniedError, 403],
    ['408', OpenAI.APIError, 408],
    ['504-html', OpenAI.InternalServerError, 504],
  ])('%s', async (fault, ErrorClass, status) => {
    const error = (await client.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-emulator-fault': fault } },
      )
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.status).toBe(status);
  });
});
