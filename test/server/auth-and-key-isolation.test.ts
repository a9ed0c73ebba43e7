import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, loadSettings } from '../../src/config/index.js';
import { createGateway } from '../../src/server/index.js';
import { openStore } from '../../src/store/index.js';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

function api(gw: TestGateway, key: string | undefined) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gw.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  };
}

describe('auth', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('is open on loopback with no keys, and closes as soon as a key exists', async () => {
    gw = await startTestGateway();
    expect((await api(gw, undefined)('GET', '/api/me')).json()).toMatchObject({ open: true, key: null });
    await gw.gateway.gateway.keys.create({ name: 'first' });
    const refused = await api(gw, undefined)('GET', '/v1/models');
    expect(refused.status).toBe(401);
    expect(refused.json().error.code).toBe('missing_api_key');
  });

  it('rejects a revoked key at once', async () => {
    gw = await startTestGateway();
    const { secret, key } = await gw.gateway.gateway.keys.create({ name: 'soon revoked' });
    const call = api(gw, secret);
    expect((await call('GET', '/api/me')).json().key).toEqual({
      id: key.id,
      name: 'soon revoked',
      prefix: key.prefix,
    });
    expect(await gw.gateway.gateway.keys.revoke(key.id)).toBe(true);
    const after = await call('POST', '/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(after.status).toBe(401);
    expect(after.json().error).toMatchObject({ code: 'invalid_api_key', type: 'invalid_request_error' });
  });

  it('applies a key’s own requests-per-minute limit, with retry-after', async () => {
    gw = await startTestGateway();
    const { secret } = await gw.gateway.gateway.keys.create({ name: 'slow', rpm: 2 });
    const call = api(gw, secret);
    const ask = (content: string) =>
      call('POST', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    expect((await ask('a')).status).toBe(200);
    expect((await ask('b')).status).toBe(200);
    const limited = await ask('c');
    expect(limited.status).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(gw.emulator.journal.requests('/v1/chat/completions')).toHaveLength(2);
    const other = api(gw, (await gw.gateway.gateway.keys.create({ name: 'other' })).secret);
    expect(
      (
        await other('POST', '/v1/chat/completions', {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'd' }],
        })
      ).status,
    ).toBe(200);
  });

  it('stores keys only hashed', async () => {
    gw = await startTestGateway();
    const { secret } = await gw.gateway.gateway.keys.create({ name: 'hashed' });
    const rows = await gw.store.db.selectFrom('gateway_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(secret).toMatch(/^sc-/);
  });

  it('refuses to listen on a network address without keys, unless explicitly opened', async () => {
    const settings = loadSettings({ env: {}, dotenv: false });
    const store = await openStore({ url: ':memory:' });
    const quiet = createLogger({ level: 'silent' });
    const upstreams = [{ name: 'x', baseUrl: 'http://127.0.0.1:9/v1', apiKeys: [] }];
    const closed = await createGateway({ settings, store, upstreams, logger: quiet, webRoot: false });
    await expect(closed.listen({ host: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      code: 'auth_required',
    });
    await closed.close();
    const opened = await createGateway({
      settings,
      store,
      upstreams,
      logger: quiet,
      webRoot: false,
      allowOpenNetwork: true,
    });
    const url = await opened.listen({ host: '0.0.0.0', port: 0 });
    expect(url).toMatch(/^http:\/\//);
    await opened.close();
    await store.close();
  });

  it('guards the admin routes with the admin key and never returns a stored secret', async () => {
    gw = await startTestGateway({ env: { STEADYCHAT_ADMIN_KEY: 'admin-secret-value-123' } });
    const anonymous = await api(gw, 'sc-wrongwrongwrongwrongwrong')('GET', '/admin/keys');
    expect(anonymous.status).toBe(401);
    const admin = api(gw, 'admin-secret-value-123');
    const created = await admin('POST', '/admin/keys', {
      name: 'team-a',
      dailyTokens: 5000,
      monthlyCost: '10USD',
      rpm: 60,
    });
    expect(created.status).toBe(201);
    const { key, id } = created.json();
    expect(key).toMatch(/^sc-/);
    const list = await admin('GET', '/admin/keys');
    expect(list.text).not.toContain(key);
    expect(list.json().data[0]).toMatchObject({ id, name: 'team-a', rpm: 60 });
    const me = (await api(gw, key)('GET', '/api/me')).json();
    expect(me.budget.left.tokens).toBe(5000);
    expect(me.budget.left.cost).toEqual({ amount: 10, currency: 'USD' });
    expect((await admin('DELETE', `/admin/keys/${id}`)).status).toBe(204);
    expect((await api(gw, key)('GET', '/api/me')).status).toBe(401);
  });

  it('never shows the upstream key in responses, errors, metrics or stored rows', async () => {
    gw = await startTestGateway({ env: { STEADYCHAT_MAX_RETRIES: '0' } });
    const call = api(gw, undefined);
    const texts: string[] = [];
    texts.push(
      (
        await call('POST', '/v1/chat/completions', {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'x' }],
        })
      ).text,
    );
    for (const fault of ['401', '500', '429-quota']) {
      const response = await fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-emulator-fault': fault },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      });
      texts.push(await response.text());
    }
    texts.push(
      (await call('GET', '/metrics')).text,
      (await call('GET', '/api/me')).text,
      (await call('GET', '/readyz')).text,
    );
    await gw.gateway.gateway.settled();
    const rows = await gw.store.db.selectFrom('usage_ledger').selectAll().execute();
    texts.push(JSON.stringify(rows));
    for (const text of texts) expect(text).not.toContain('sk-upstream-secret-key-1234567890');
  });
});

describe('conversations are scoped to their key', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('one key can never see, change or use another key’s conversation', async () => {
    gw = await startTestGateway();
    const alice = api(gw, (await gw.gateway.gateway.keys.create({ name: 'alice' })).secret);
    const bob = api(gw, (await gw.gateway.gateway.keys.create({ name: 'bob' })).secret);
    const created = await alice('POST', '/api/conversations', { title: 'private plans' });
    expect(created.status).toBe(201);
    const { id } = created.json();
    expect(
      (await alice('POST', `/api/conversations/${id}/messages`, { content: 'secret plan' })).text,
    ).toContain('"type":"done"');

    for (const [method, path, body] of [
      ['GET', `/api/conversations/${id}`],
      ['PATCH', `/api/conversations/${id}`, { title: 'mine now' }],
      ['DELETE', `/api/conversations/${id}`],
      ['GET', `/api/conversations/${id}/export`],
      ['POST', `/api/conversations/${id}/messages`, { content: 'hi' }],
      ['POST', `/api/conversations/${id}/regenerate`, {}],
    ] as const) {
      const response = await bob(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.json().error.code).toBe('conversation_not_found');
    }
    expect((await bob('GET', '/api/conversations')).json().data).toEqual([]);
    expect((await bob('GET', '/api/conversations?q=secret')).json().data).toEqual([]);
    expect(
      (await alice('GET', '/api/conversations?q=secret')).json().data.map((c: { id: string }) => c.id),
    ).toEqual([id]);
    const usage = (await bob('GET', '/api/usage')).json();
    expect(usage.totals.requests).toBe(0);
    expect((await alice('GET', '/api/usage')).json().totals.requests).toBe(1);
    expect((await alice('GET', `/api/conversations/${id}`)).json().messages).toHaveLength(2);
  });
});
