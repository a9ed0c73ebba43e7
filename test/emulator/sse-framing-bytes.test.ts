import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { encodeSseData, encodeSseError, SSE_DONE_FRAME } from '../../src/openai/sse-encode.js';

let emulator: EmulatorHandle;
beforeAll(async () => {
  emulator = await startEmulator({ replyTokens: 4 });
});
afterAll(() => emulator.close());

/** Raw bytes and headers of one POST, through node:http (no SDK, no decoding). */
function post(
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }> {
  const url = new URL(`${emulator.url}/chat/completions`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { authorization: 'Bearer sk-bytes', 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('SSE framing, byte for byte', () => {
  it('is `data: <compact JSON>\\n\\n` per event, no CR, no event/id lines, ending with data: [DONE]', async () => {
    const res = await post({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'bytes' }],
    });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/event-stream/);
    const text = res.bytes.toString('utf8');
    expect(text).not.toContain('\r');
    expect(text.endsWith('}\n\ndata: [DONE]\n\n')).toBe(true);
    const events = text.split('\n\n').slice(0, -1);
    for (const event of events) {
      expect(event.startsWith('data: ')).toBe(true);
      expect(event.includes('\n')).toBe(false);
    }
    const payloads = events.slice(0, -1).map((event) => JSON.parse(event.slice(6)));
    for (const [i, payload] of payloads.entries()) {
      // compact: re-serializing gives back the exact bytes
      expect(events[i]).toBe(`data: ${JSON.stringify(payload)}`);
    }
    const [first, ...rest] = payloads;
    expect(Object.keys(first)).toEqual([
      'id',
      'object',
      'created',
      'model',
      'service_tier',
      'system_fingerprint',
      'choices',
      'usage',
    ]);
    expect(first.choices[0]).toEqual({
      index: 0,
      delta: { role: 'assistant', content: '', refusal: null },
      logprobs: null,
      finish_reason: null,
    });
    const usageChunk = rest.at(-1);
    const finishChunk = rest.at(-2);
    expect(finishChunk.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(finishChunk.usage).toBeNull();
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ completion_tokens: 4 });
    const contentChunks = rest.slice(0, -2);
    expect(contentChunks).toHaveLength(4);
    for (const chunk of contentChunks) {
      expect(Object.keys(chunk.choices[0].delta)).toEqual(['content']);
      expect(chunk.usage).toBeNull();
      expect(chunk.id).toBe(first.id);
      expect(chunk.created).toBe(first.created);
    }
  });

  it('without include_usage there is no usage key and no usage chunk', async () => {
    const res = await post({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const events = res.bytes.toString('utf8').split('\n\n').slice(0, -2);
    for (const event of events) {
      const payload = JSON.parse(event.slice(6));
      expect('usage' in payload).toBe(false);
      expect(payload.choices).toHaveLength(1);
    }
  });

  it('a mid-stream error frame has the full envelope and no [DONE] after it', async () => {
    const res = await post(
      { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] },
      { 'x-emulator-fault': 'error-after=2' },
    );
    const text = res.bytes.toString('utf8');
    expect(text).not.toContain('[DONE]');
    expect(
      text.endsWith(
        'data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}\n\n',
      ),
    ).toBe(true);
    expect(text.split('\n\n').filter(Boolean)).toHaveLength(3);
  });

  it('a validation error on a stream request is JSON, not SSE', async () => {
    const res = await post({ model: 'gpt-4o', stream: true, messages: [] });
    expect(res.status).toBe(400);
    expect(String(res.headers['content-type'])).toBe('application/json');
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('the encoder helpers produce the same framing', () => {
    expect(encodeSseData({ a: 1, b: 'x' })).toBe('data: {"a":1,"b":"x"}\n\n');
    expect(SSE_DONE_FRAME).toBe('data: [DONE]\n\n');
    expect(encodeSseError('boom')).toBe(
      'data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\n',
    );
  });
});
