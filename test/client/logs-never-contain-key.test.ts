import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { createLogger } from '../../src/config/index.js';
import { chunk, errorBody, json, sse, startScriptedServer } from './scripted-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('the API key never reaches the logs', () => {
  it('not on success, retries, rejected keys echoed back, or cut streams', async () => {
    // Not sk-shaped, so only steadychat's own care keeps it out (not the logger's key-shape mask).
    const key = 'plainkey-7f3a9c1e5b2d4f6a8c0e';
    const server = await startScriptedServer([
      json(503, errorBody('overloaded', 'server_error', null)),
      json(401, errorBody(`Incorrect API key provided: ${key}.`, 'invalid_request_error', 'invalid_api_key')),
      sse([chunk('partial')], { end: false }),
    ]);
    cleanups.push(server.close);
    const lines: string[] = [];
    const destination = new Writable({
      write(c, _e, cb) {
        lines.push(c.toString());
        cb();
      },
    });
    const logger = createLogger({ level: 'trace', destination });
    const client = createClient({
      baseUrl: server.url,
      apiKey: key,
      settings: false,
      logger,
      retry: { baseDelayMs: 1 },
    });
    const e1 = await client.chat({ messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(e1.code).toBe('invalid_api_key');
    expect(e1.message).not.toContain(key);
    const stream = await client.chat({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    await stream.finalCompletion().catch(() => {});
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(2);
    expect(log).toContain('retrying');
    expect(log).not.toContain(key);
    expect(log).not.toContain(key.slice(0, 16));
  });
});
