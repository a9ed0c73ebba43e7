import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { StreamInterruptedError, TimeoutError } from '../../src/openai/index.js';
import type { AttemptEvent } from '../../src/pipeline/index.js';
import {
  chunk,
  completion,
  finishChunk,
  type Handler,
  json,
  sse,
  startScriptedServer,
} from './scripted-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serve(handlers: Handler[]) {
  const server = await startScriptedServer(handlers);
  cleanups.push(server.close);
  return server;
}

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };
const base = {
  apiKey: 'test-key-0123456789',
  settings: false as const,
  retry: { baseDelayMs: 1, maxBackoffMs: 2 },
};

const delayed =
  (ms: number, handler: Handler): Handler =>
  async (req, res, i) => {
    await new Promise((r) => setTimeout(r, ms));
    if (!res.destroyed) await handler(req, res, i);
  };

describe('each timeout phase fires, says which, and is retried only when safe', () => {
  it('connect: a host that accepts TCP but never completes TLS', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => silent.close(() => r()));
    });
    const { port } = silent.address() as AddressInfo;
    const attempts: AttemptEvent[] = [];
    const client = createClient({
      ...base,
      baseUrl: `https://127.0.0.1:${port}/v1`,
      timeouts: { connectMs: 60, firstByteMs: 5000 },
      maxRetries: 1,
      onAttempt: (e) => attempts.push(e),
    });
    const error = await client.chat(ask).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.phase).toBe('connect');
    expect(error.timeoutMs).toBe(60);
    expect(error.message).toMatch(/60 ms/);
    expect(attempts).toHaveLength(2);
    await client.close();
  });

  it('first byte: headers that take too long', async () => {
    const server = await serve([delayed(400, json(200, completion('late'))), json(200, completion('ok'))]);
    const client = createClient({
      ...base,
      baseUrl: server.url,
      timeouts: { firstByteMs: 80 },
      maxRetries: 1,
    });
    const result = await client.chat(ask);
    expect(result.choices[0]?.message.content).toBe('ok');
    expect(result.meta.attempts).toBe(2);
  });

  it('first byte: reports the phase and the configured time, per call', async () => {
    const server = await serve([delayed(400, json(200, completion('late')))]);
    const client = createClient({ ...base, baseUrl: server.url, maxRetries: 0 });
    const error = await client.chat(ask, { timeouts: { firstByteMs: 50 } }).catch((e) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.phase).toBe('firstByte');
    expect(error.timeoutMs).toBe(50);
  });

  it('first byte: a stream whose headers came but whose first chunk does not is retried', async () => {
    const stallBefore: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
    };
    const server = await serve([stallBefore, sse([chunk('ok'), finishChunk(), 'data: [DONE]\n\n'])]);
    const attempts: AttemptEvent[] = [];
    const client = createClient({
      ...base,
      baseUrl: server.url,
      timeouts: { firstByteMs: 80, idleMs: 20 },
      maxRetries: 1,
      onAttempt: (e) => attempts.push(e),
    });
    const stream = await client.chat({ ...ask, stream: true });
    expect((await stream.finalCompletion()).choices[0]?.message.content).toBe('ok');
    expect(server.requests).toHaveLength(2);
    expect((attempts[0]!.error as TimeoutError).phase).toBe('firstByte');
  });

  it('idle: a stream that stalls mid-answer ends with the partial text, not a hang', async () => {
    const stallAfter: Handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk('Once upon'))}\n\n`);
    };
    const server = await serve([stallAfter]);
    const client = createClient({ ...base, baseUrl: server.url, timeouts: { idleMs: 60 }, maxRetries: 2 });
    const stream = await client.chat({ ...ask, stream: true });
    const error = await stream.finalCompletion().catch((e) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.partialText).toBe('Once upon');
    expect(error.cause).toBeInstanceOf(TimeoutError);
    expect(error.cause.phase).toBe('idle');
    expect(server.requests).toHaveLength(1);
  });

  it('idle: a slow consumer is not mistaken for a stalled upstream', async () => {
    const frames = [chunk('a'), chunk('b'), chunk('c'), finishChunk(), 'data: [DONE]\n\n'];
    const server = await serve([sse(frames)]);
    const client = createClient({ ...base, baseUrl: server.url, timeouts: { idleMs: 40 } });
    const stream = await client.chat({ ...ask, stream: true });
    for await (const _ of stream) await new Promise((r) => setTimeout(r, 80));
    expect(stream.text).toBe('abc');
  });

  it('total: a stream that keeps trickling past the deadline is cut', async () => {
    const trickle: Handler = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 200 && !res.destroyed; i++) {
        res.write(`data: ${JSON.stringify(chunk('x'))}\n\n`);
        await new Promise((r) => setTimeout(r, 10));
      }
      res.end();
    };
    const server = await serve([trickle]);
    const client = createClient({ ...base, baseUrl: server.url, timeouts: { totalMs: 120, idleMs: 1000 } });
    const stream = await client.chat({ ...ask, stream: true });
    const error = await stream.finalCompletion().catch((e) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.cause.phase).toBe('total');
    expect(error.partialText.length).toBeGreaterThan(0);
  });

  it('total: no retry is started that could not finish before the deadline', async () => {
    const server = await serve([
      json(
        503,
        { error: { message: 'x', type: 'server_error', param: null, code: null } },
        { 'retry-after-ms': '500' },
      ),
    ]);
    const client = createClient({ ...base, baseUrl: server.url, timeouts: { totalMs: 200 }, maxRetries: 3 });
    await expect(client.chat(ask)).rejects.toMatchObject({ code: 'server_error', attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });
});
