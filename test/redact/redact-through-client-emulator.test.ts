import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, createClient } from '../../src/client/index.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { createRedactStage } from '../../src/redact/index.js';

/**
 * Real HTTP over loopback: the client with the redaction stage talks to the emulator in echo mode
 * (the answer repeats the last user message). The emulator's journal must only ever hold
 * placeholders; the caller must get the original values back, streamed or not.
 */
let emulator: EmulatorHandle;
let client: ChatClient;

const secretText =
  '我的手机13800138000，身份证11010519491231002X，邮箱zhang.san@example.com，卡号6228 4804 0256 4890 018，key sk-proj-abc123DEF456ghi789JKL012';
const values = [
  '13800138000',
  '11010519491231002X',
  'zhang.san@example.com',
  '6228 4804 0256 4890 018',
  'sk-proj-abc123',
];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, reply: 'echo' });
  client = createClient({
    baseUrl: emulator.url,
    apiKey: 'sk-test-emulator-key-1234567890',
    settings: false,
    model: 'gpt-4o-mini',
    stages: [createRedactStage()],
  });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});

async function journalFromHttp(): Promise<string> {
  const res = await fetch(`${emulator.url.replace(/\/v1$/, '')}/emulator/requests`);
  return res.text();
}

describe('redaction through the client against the emulator', () => {
  it('sends only placeholders upstream and gives the caller the original values (completion)', async () => {
    emulator.journal.clear();
    const res = await client.chat({ messages: [{ role: 'user', content: secretText }] });
    const journal = await journalFromHttp();
    expect(journal).toContain('[CN_PHONE_1]');
    for (const v of values) expect(journal).not.toContain(v);
    const answer = res.choices[0]?.message.content ?? '';
    for (const v of values.slice(0, 4)) expect(answer).toContain(v);
    expect(answer).toContain('[REDACTED_SECRET_OPENAI]');
  });

  it('restores a streamed answer chunk by chunk', async () => {
    emulator.journal.clear();
    const stream = await client.chat({ messages: [{ role: 'user', content: secretText }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    const journal = JSON.stringify(emulator.journal.requests('/v1/chat/completions'));
    for (const v of values) expect(journal).not.toContain(v);
    for (const v of values.slice(0, 4)) expect(text).toContain(v);
  });
});
