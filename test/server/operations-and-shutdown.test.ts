import { afterEach, describe, expect, it } from 'vitest';
import { defaultWebRoot } from '../../src/server/index.js';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, test: (text: string) => boolean) {
  let text = '';
  while (!test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  return text;
}

function streamRequest(gw: TestGateway) {
  return fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true }),
  });
}

describe('operations', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('answers health, readiness and Prometheus metrics', async () => {
    gw = await startTestGateway();
    expect(await (await fetch(`${gw.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.store).toBe('ok');
    await (await streamRequest(gw)).text();
    expect((await fetch(`${gw.url}/no/such/page`)).status).toBe(404);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    // Each response is counted under its route (its path pattern), and a request no route matched
    // under "unknown".
    expect(metrics).toContain('steadychat_http_requests_total{route="/healthz",method="GET",status="200"} 1');
    expect(metrics).toContain('steadychat_http_requests_total{route="/readyz",method="GET",status="200"} 1');
    expect(metrics).toContain('steadychat_http_requests_total{route="unknown",method="GET",status="404"} 1');
    expect(metrics).toMatch(/steadychat_http_request_duration_seconds_count\{route="\/healthz"\} 1\n/);
    for (const name of [
      'steadychat_http_requests_total',
      'steadychat_http_request_duration_seconds_bucket',
      'steadychat_time_to_first_token_seconds_bucket',
      'steadychat_tokens_total',
      'steadychat_cost_total',
      'steadychat_errors_total',
      'steadychat_upstream_retries_total',
      'steadychat_upstream_fallbacks_total',
      'steadychat_budget_refusals_total',
      'steadychat_redactions_total',
      'steadychat_process_resident_memory_bytes',
    ]) {
      expect(metrics, name).toContain(name);
    }
    expect(metrics).toMatch(/steadychat_tokens_total\{model="gpt-4o-mini",kind="completion"\} [1-9]/);
  });

  it('serves the web page with a strict Content-Security-Policy and correct types', async () => {
    gw = await startTestGateway({ gateway: { webRoot: defaultWebRoot() } });
    const page = await fetch(`${gw.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(new URL(script!, `${gw.url}/`));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${gw.url}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${gw.url}/assets/nothing.js`)).status).toBe(404);
  });

  it('keeps an idle stream alive with SSE comments', async () => {
    gw = await startTestGateway({
      emulator: { timeToFirstTokenMs: 0, interChunkDelayMs: 120, replyTokens: 3 },
      gateway: { keepAliveMs: 20 },
    });
    const text = await (await streamRequest(gw)).text();
    expect(text).toContain(': keep-alive\n\n');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('limits body size and message count', async () => {
    gw = await startTestGateway({ gateway: { limits: { bodyBytes: 2000, maxMessages: 3, maxTokens: 50 } } });
    const post = (body: unknown) =>
      fetch(`${gw!.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const big = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('request_too_large');
    const many = await post({
      model: 'gpt-4o-mini',
      messages: Array.from({ length: 4 }, () => ({ role: 'user', content: 'x' })),
    });
    expect(many.status).toBe(400);
    expect((await many.json()).error.code).toBe('too_many_messages');
    const greedy = await post({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 500,
    });
    expect((await greedy.json()).error).toMatchObject({ code: 'max_tokens_exceeded', param: 'max_tokens' });
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, lets short streams finish, cuts long ones with an error frame, settles the ledger', async () => {
    const gw = await startTestGateway({
      emulator: { interChunkDelayMs: 20, replyTokens: 1000 },
      gateway: { shutdownGraceMs: 150 },
    });
    const long = await streamRequest(gw);
    const reader = long.body!.getReader();
    const start = await readUntil(reader, (t) => t.includes('chat.completion.chunk'));
    expect(start).toContain('chat.completion.chunk');

    const closing = gw.gateway.close();
    const rest = await readUntil(reader, () => false);
    expect(rest).toContain('"code":"server_shutting_down"');
    expect(rest).not.toContain('[DONE]');
    await closing;
    const rows = await gw.store.db.selectFrom('usage_ledger').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outcome).toBe('aborted');
    expect(await gw.store.db.selectFrom('budget_reservations').selectAll().execute()).toEqual([]);
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
    await gw.close();
  });
});
