import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { ConnectionError } from '../../src/openai/index.js';
import { completion, json, startScriptedServer } from './scripted-server.js';

/** A minimal HTTP CONNECT proxy that counts the tunnels it opened. */
async function startConnectProxy() {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once('data', (head) => {
      const line = head.toString('latin1').split('\r\n')[0] ?? '';
      const match = /^CONNECT ([^:\s]+):(\d+) HTTP/.exec(line);
      if (!match) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      tunnels.push(`${match[1]}:${match[2]}`);
      const upstream = connect(Number(match[2]), match[1], () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('requests go through the configured proxy', () => {
  it('HTTP_PROXY tunnels the call, and the client reports the proxy in use', async () => {
    const upstream = await startScriptedServer([json(200, completion('via proxy'))]);
    const proxy = await startConnectProxy();
    cleanups.push(upstream.close, proxy.close);
    const client = createClient({
      baseUrl: upstream.url,
      apiKey: 'test-key-0123456789',
      settings: false,
      proxy: { httpProxy: proxy.url },
    });
    const result = await client.chat(ask);
    await client.chat(ask);
    expect(result.choices[0]?.message.content).toBe('via proxy');
    expect(proxy.tunnels.length).toBeGreaterThanOrEqual(1);
    expect(proxy.tunnels[0]).toBe(new URL(upstream.url).host);
    expect(upstream.requests).toHaveLength(2);
    expect(client.proxy).toBe(proxy.url);
    await client.close();
  });

  it('NO_PROXY bypasses it', async () => {
    const upstream = await startScriptedServer([json(200, completion('direct'))]);
    const proxy = await startConnectProxy();
    cleanups.push(upstream.close, proxy.close);
    const client = createClient({
      baseUrl: upstream.url,
      apiKey: 'test-key-0123456789',
      settings: false,
      proxy: { httpProxy: proxy.url, noProxy: '127.0.0.1' },
    });
    await client.chat(ask);
    expect(proxy.tunnels).toHaveLength(0);
    expect(client.proxy).toBeUndefined();
    await client.close();
  });

  it('a dead proxy is a connection error that names the proxy', async () => {
    const proxy = await startConnectProxy();
    await proxy.close();
    const client = createClient({
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKey: 'test-key-0123456789',
      settings: false,
      maxRetries: 0,
      proxy: { httpProxy: proxy.url },
    });
    const error = await client.chat(ask).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toContain(proxy.url);
    await client.close();
  });
});
