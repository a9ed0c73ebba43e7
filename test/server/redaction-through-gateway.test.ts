import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

const PHONE = '13812345678';
const EMAIL = 'li.lei@example.com';
const ID_CARD = '11010519491231002X';

describe('PII redaction in the gateway', () => {
  let gw: TestGateway;
  let dir: string;
  let client: OpenAI;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'steadychat-redact-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ redact: { actions: { CN_ID: 'block' } } }));
    gw = await startTestGateway({ env: { STEADYCHAT_CONFIG: config }, emulator: { reply: 'echo' } });
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: 'local', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const question = `Call me at ${PHONE} or write to ${EMAIL}.`;

  it('sends placeholders upstream and gives the client the originals back', async () => {
    gw.emulator.journal.clear();
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: question }],
    });
    const sent = JSON.stringify(gw.emulator.journal.requests('/v1/chat/completions').at(-1)?.body);
    expect(sent).not.toContain(PHONE);
    expect(sent).not.toContain(EMAIL);
    expect(sent).toMatch(/\[CN_PHONE_1\]/);
    expect(completion.choices[0]?.message.content).toContain(PHONE);
    expect(completion.choices[0]?.message.content).toContain(EMAIL);
  });

  it('restores placeholders inside a stream, chunk by chunk', async () => {
    gw.emulator.journal.clear();
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: question }],
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toContain(PHONE);
    expect(text).toContain(EMAIL);
    expect(text).not.toMatch(/\[[A-Z_]+_\d+\]/);
    const sent = JSON.stringify(gw.emulator.journal.requests('/v1/chat/completions').at(-1)?.body);
    expect(sent).not.toContain(PHONE);
  });

  it('refuses a blocked type with pii_blocked before anything goes upstream', async () => {
    gw.emulator.journal.clear();
    const failure = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `My ID is ${ID_CARD}` }] })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect(failure.code).toBe('pii_blocked');
    expect(failure.message).not.toContain(ID_CARD);
    expect(gw.emulator.journal.requests('/v1/chat/completions')).toEqual([]);
  });

  it('counts redactions by type in the metrics', async () => {
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/steadychat_redactions_total\{type="CN_PHONE"\} [1-9]/);
  });
});
