import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';

let emulator: EmulatorHandle;
let client: OpenAI;
beforeAll(async () => {
  emulator = await startEmulator({ replyTokens: 6 });
  client = new OpenAI({ apiKey: 'sk-lp', baseURL: emulator.url, maxRetries: 0 });
});
afterAll(() => emulator.close());

const body = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'probabilities' }] };

describe('logprobs', () => {
  it('are null unless asked', async () => {
    const res = await client.chat.completions.create(body);
    expect(res.choices[0]?.logprobs).toBeNull();
  });

  it('non-streaming: one entry per token, with bytes and top_logprobs', async () => {
    const res = await client.chat.completions.create({ ...body, logprobs: true, top_logprobs: 2 });
    const entries = res.choices[0]?.logprobs?.content ?? [];
    expect(entries.map((e) => e.token).join('')).toBe(res.choices[0]?.message.content);
    for (const entry of entries) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(Buffer.from(entry.bytes ?? []).toString('utf8')).toBe(entry.token);
      expect(entry.top_logprobs).toHaveLength(2);
      expect(entry.top_logprobs[0]?.token).toBe(entry.token);
    }
    expect(res.choices[0]?.logprobs?.refusal).toBeNull();
  });

  it('streaming: empty list on the role chunk, one token per content chunk, null on the finish chunk', async () => {
    const raw = await fetch(`${emulator.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-lp' },
      body: JSON.stringify({ ...body, stream: true, logprobs: true }),
    });
    const chunks = (await raw.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)));
    expect(chunks[0].choices[0].logprobs).toEqual({ content: [], refusal: null });
    expect(chunks.at(-1).choices[0].logprobs).toBeNull();
    for (const chunk of chunks.slice(1, -1)) {
      expect(chunk.choices[0].logprobs.content).toHaveLength(1);
      expect(chunk.choices[0].logprobs.content[0].token).toBe(chunk.choices[0].delta.content);
    }
    const final = await client.chat.completions
      .stream({ ...body, logprobs: true, top_logprobs: 1 })
      .finalChatCompletion();
    expect(final.choices[0]?.logprobs?.content?.length).toBe(6);
  });
});
