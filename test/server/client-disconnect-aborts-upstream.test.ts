import { createServer, Socket as NetSocket, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

/** A TCP relay in front of the emulator that records how many bytes came back and when the gateway hung up. */
async function startRelay(target: URL) {
  const stats = { bytesFromUpstream: 0, gatewayClosed: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    stats.connections++;
    const upstream = new NetSocket();
    sockets.add(client);
    sockets.add(upstream);
    upstream.connect(Number(target.port), target.hostname);
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => {
      stats.bytesFromUpstream += d.length;
      client.write(d);
    });
    client.on('close', () => {
      stats.gatewayClosed++;
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met');
}

describe('a client that disconnects mid-stream', () => {
  let gw: TestGateway | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    for (const c of cleanups.splice(0)) await c();
  });

  it('aborts the upstream request at once, and its usage is settled in the ledger as aborted', async () => {
    // A slow, long answer: 400 tokens, 20 ms apart (8 s in all).
    const emulator = await startEmulator({
      replyTokens: 400,
      interChunkDelayMs: 20,
      acceptUnknownModels: true,
    });
    cleanups.push(() => emulator.close());
    const relay = await startRelay(new URL(emulator.url));
    cleanups.push(() => relay.close());
    gw = await startTestGateway({ upstreams: [{ name: 'relay', baseUrl: relay.url, apiKeys: ['sk-x'] }] });
    const { secret, key } = await gw.gateway.gateway.keys.create({ name: 'leaver' });

    const controller = new AbortController();
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      }),
    });
    const reader = response.body!.getReader();
    let received = '';
    while ((received.match(/chat\.completion\.chunk/g) ?? []).length < 5) {
      const { value } = await reader.read();
      received += new TextDecoder().decode(value);
    }
    controller.abort();

    // The gateway hangs up on the upstream long before the 400-token answer is sent.
    await until(() => relay.stats.gatewayClosed >= 1).catch((e) => {
      console.log('STATS', JSON.stringify(relay.stats));
      throw e;
    });
    const bytesAtClose = relay.stats.bytesFromUpstream;
    expect(bytesAtClose).toBeLessThan(20_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(relay.stats.bytesFromUpstream).toBe(bytesAtClose);

    await until(
      async () => (await gw!.store.db.selectFrom('usage_ledger').selectAll().execute()).length === 1,
    );
    const [row] = await gw.store.db.selectFrom('usage_ledger').selectAll().execute();
    expect(row).toMatchObject({ outcome: 'aborted', key_id: key.id });
    expect(Number(row!.completion_tokens)).toBeGreaterThan(0);
    expect(Number(row!.completion_tokens)).toBeLessThan(400);
    // Nothing stays reserved.
    const reservations = await gw.store.db.selectFrom('budget_reservations').selectAll().execute();
    expect(reservations).toEqual([]);
  });
});
