import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './gateway-harness.js';

interface Frame {
  type: string;
  [key: string]: unknown;
}

function parseFrames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => JSON.parse(f.slice(6)) as Frame);
}

describe('the conversations API the web page uses', () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  const json = async (gw: TestGateway, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gw.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  it('creates, streams a reply, regenerates, edits, renames, exports and deletes', async () => {
    gw = await startTestGateway({ emulator: { reply: 'echo' } });
    const created = await json(gw, 'POST', '/api/conversations', { system: 'Be brief.' });
    expect(created.status).toBe(201);
    const conversation = JSON.parse(created.text);
    expect(conversation).toMatchObject({
      id: expect.any(String),
      title: '',
      model: expect.any(String),
      createdAt: expect.any(Number),
    });
    const id = conversation.id as string;

    const sent = await json(gw, 'POST', `/api/conversations/${id}/messages`, {
      content: 'hello there friend',
    });
    expect(sent.headers.get('content-type')).toContain('text/event-stream');
    expect(sent.headers.get('x-accel-buffering')).toBe('no');
    const frames = parseFrames(sent.text);
    const deltas = frames.filter((f) => f.type === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.text).join('')).toContain('hello there friend');
    const done = frames.at(-1)!;
    expect(done).toMatchObject({
      type: 'done',
      message: {
        role: 'assistant',
        status: 'complete',
        content: expect.stringContaining('hello there friend'),
      },
      usage: {
        prompt_tokens: expect.any(Number),
        completion_tokens: expect.any(Number),
        total_tokens: expect.any(Number),
      },
      currency: 'USD',
      context: { used: expect.any(Number), limit: expect.any(Number) },
      summarized: false,
    });
    expect(typeof done.cost).toBe('number');

    const regenerated = parseFrames(
      (await json(gw, 'POST', `/api/conversations/${id}/regenerate`, {})).text,
    ).at(-1)!;
    expect(regenerated.type).toBe('done');
    const edited = parseFrames(
      (await json(gw, 'POST', `/api/conversations/${id}/edit`, { content: 'second thoughts' })).text,
    ).at(-1)!;
    expect((edited.message as { content: string }).content).toContain('second thoughts');

    const full = JSON.parse((await json(gw, 'GET', `/api/conversations/${id}`)).text);
    expect(full.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(full.messages[0]).toMatchObject({
      content: 'second thoughts',
      status: 'complete',
      tokens: expect.any(Number),
    });
    expect(full.summary).toBeNull();
    expect(full.context.limit).toBeGreaterThan(1000);

    const renamed = JSON.parse(
      (await json(gw, 'PATCH', `/api/conversations/${id}`, { title: 'Greetings' })).text,
    );
    expect(renamed.title).toBe('Greetings');
    const list = JSON.parse((await json(gw, 'GET', '/api/conversations')).text);
    expect(list.data).toEqual([expect.objectContaining({ id, title: 'Greetings' })]);
    expect(JSON.parse((await json(gw, 'GET', '/api/conversations?q=THOUGHTS')).text).data).toHaveLength(1);
    expect(
      JSON.parse((await json(gw, 'GET', '/api/conversations?q=nothing-like-this')).text).data,
    ).toHaveLength(0);

    const md = await json(gw, 'GET', `/api/conversations/${id}/export?format=md`);
    expect(md.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(md.text).toContain('# Greetings');
    const exported = JSON.parse((await json(gw, 'GET', `/api/conversations/${id}/export?format=json`)).text);
    expect(exported.messages).toHaveLength(2);

    const usage = JSON.parse((await json(gw, 'GET', '/api/usage?since=7d')).text);
    expect(usage.totals.requests).toBe(3);
    expect(usage.days).toHaveLength(1);
    expect(usage.days[0]).toMatchObject({ day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), requests: 3 });

    expect((await json(gw, 'DELETE', `/api/conversations/${id}`)).status).toBe(204);
    expect((await json(gw, 'GET', `/api/conversations/${id}`)).status).toBe(404);
  });

  it('stores a reply stopped by the client as interrupted', async () => {
    gw = await startTestGateway({ emulator: { replyTokens: 300, interChunkDelayMs: 15 } });
    const { id } = JSON.parse((await json(gw, 'POST', '/api/conversations', {})).text);
    const controller = new AbortController();
    const response = await fetch(`${gw.url}/api/conversations/${id}/messages`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'write a long story' }),
    });
    const reader = response.body!.getReader();
    let text = '';
    while ((text.match(/"delta"/g) ?? []).length < 5)
      text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    let messages: Array<{ role: string; status: string; content: string }> = [];
    for (let i = 0; i < 300 && messages.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      messages = JSON.parse((await json(gw, 'GET', `/api/conversations/${id}`)).text).messages;
    }
    expect(messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'interrupted'],
    ]);
    expect(messages[1]!.content.length).toBeGreaterThan(0);
  });

  it('reports a refused turn as an error event with our code', async () => {
    gw = await startTestGateway();
    const { secret, key } = await gw.gateway.gateway.keys.create({ name: 'poor' });
    await gw.store.db
      .insertInto('budget_limits')
      .values({
        scope: 'key',
        scope_id: key.id,
        period: 'day',
        tokens_limit: 10,
        cost_limit: null,
        currency: null,
        updated_at: Date.now(),
      })
      .execute();
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
    const { id } = await (
      await fetch(`${gw.url}/api/conversations`, { method: 'POST', headers, body: '{}' })
    ).json();
    const text = await (
      await fetch(`${gw.url}/api/conversations/${id}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ content: 'hi' }),
      })
    ).text();
    expect(parseFrames(text)).toEqual([
      { type: 'error', error: { message: expect.any(String), code: 'budget_exceeded' } },
    ]);
  });
});
