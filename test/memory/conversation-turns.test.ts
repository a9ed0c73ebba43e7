import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConversations, MemoryError } from '../../src/memory/index.js';
import { openStore } from '../../src/store/index.js';
import { storeDialects } from '../store/test-databases.js';
import { clientFor, type Harness, startHarness } from './harness.js';

const dialects = await storeDialects();

describe.each(dialects)('conversations with memory on %s (against the emulator)', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it('sends the whole history on every turn, and again after a restart', async () => {
    const conversations = h.conversations();
    const chat = await conversations.create({ system: 'You are terse.' });
    const first = await chat.send('My name is Ada.');
    expect(first.text).toBe('My name is Ada.');
    await chat.send('I like tea.');
    await chat.send({ role: 'user', content: 'What is my name?' }, { stream: true });
    const sent = h.sent();
    expect(sent).toHaveLength(3);
    expect(sent[2]).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'My name is Ada.' },
      { role: 'user', content: 'I like tea.' },
      { role: 'assistant', content: 'I like tea.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    expect((await chat.messages()).map((m) => m.status)).toEqual(Array(6).fill('complete'));
    expect(chat.info.title).toBe('My name is Ada.');

    await h.reopen();
    const again = await h.conversations().open(chat.id);
    await again.send('Still there?');
    const last = h.sent().at(-1)!;
    expect(last).toHaveLength(8);
    expect(last[5]).toEqual({ role: 'user', content: 'What is my name?' });
    expect(last[6]).toEqual({ role: 'assistant', content: 'What is my name?' });
    expect(last[7]).toEqual({ role: 'user', content: 'Still there?' });
  });

  it('leaves the conversation exactly as before when a call fails (no dangling question)', async () => {
    const chat = await h.conversations().create();
    await chat.send('first');
    const failing = h.conversations({ chat: clientFor(h.emulator, { 'x-emulator-fault': '500' }) });
    const broken = await failing.open(chat.id);
    await expect(broken.send('this one fails')).rejects.toMatchObject({ code: expect.any(String) });
    await expect(broken.send('and streaming fails', { stream: true })).rejects.toBeDefined();
    expect((await chat.messages()).map((m) => m.message.content)).toEqual(['first', 'first']);
    await chat.send('second');
    expect(h.sent().at(-1)).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'first' },
      { role: 'user', content: 'second' },
    ]);
  });

  it('stores a reply cut mid-stream as interrupted, with an estimated cost, and says so', async () => {
    const cut = h.conversations({
      chat: clientFor(h.emulator, {
        'x-emulator-fault': 'slow=10,drop-after=6',
        'x-emulator-reply': 'lorem',
      }),
    });
    const chat = await cut.create();
    const seen: string[] = [];
    await expect(
      chat.send('tell me a story', { stream: true, onText: (t) => seen.push(t) }),
    ).rejects.toBeDefined();
    const messages = await chat.messages();
    expect(messages).toHaveLength(2);
    expect(messages[1]?.status).toBe('interrupted');
    expect(messages[1]?.message.content).toBe(seen.join(''));
    expect(seen.join('').length).toBeGreaterThan(0);
    expect(messages[1]?.usage).toMatchObject({ estimated: true });
    expect(messages[1]?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('stops at once on abort, keeping what arrived (or nothing, by option)', async () => {
    for (const interrupted of ['keep', 'drop'] as const) {
      const slow = h.conversations({
        chat: clientFor(h.emulator, { 'x-emulator-fault': 'slow=30', 'x-emulator-reply': 'lorem' }),
        memory: { interrupted },
      });
      const chat = await slow.create();
      const controller = new AbortController();
      const result = await chat.send('go on', {
        stream: true,
        signal: controller.signal,
        onText: () => controller.abort(),
      });
      expect(result.interrupted).toBe(true);
      const messages = await chat.messages();
      if (interrupted === 'keep') {
        expect(messages.map((m) => m.status)).toEqual(['complete', 'interrupted']);
        expect(result.reply?.status).toBe('interrupted');
      } else {
        expect(messages).toEqual([]);
        expect(result.reply).toBeNull();
      }
    }
  });

  it('regenerates the last reply and edits the last question in place', async () => {
    const chat = await h.conversations().create();
    await chat.send('one');
    await chat.send('two');
    await chat.regenerate();
    expect((await chat.messages()).map((m) => m.message.content)).toEqual(['one', 'one', 'two', 'two']);
    expect(h.sent().at(-1)?.at(-1)).toEqual({ role: 'user', content: 'two' });
    await chat.editLast('deux');
    expect((await chat.messages()).map((m) => m.message.content)).toEqual(['one', 'one', 'deux', 'deux']);
    expect(h.sent().at(-1)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'one' },
      { role: 'user', content: 'deux' },
    ]);
    await chat.clear();
    expect(await chat.messages()).toEqual([]);
    await expect(chat.regenerate()).rejects.toBeInstanceOf(MemoryError);
  });

  it('lists, renames, exports and deletes conversations', async () => {
    const conversations = h.conversations();
    const a = await conversations.create({ title: 'Alpha', owner: 'u1' });
    const b = await conversations.create({ owner: 'u2', system: 'Be kind.' });
    await b.send('你好，世界');
    await a.rename('Alpha renamed');
    const listed = await conversations.list();
    expect(listed.map((c) => c.title).sort()).toEqual(['Alpha renamed', '你好，世界']);
    expect((await conversations.list({ owner: 'u2' })).map((c) => c.id)).toEqual([b.id]);
    const markdown = await b.export('markdown');
    expect(markdown).toContain('## System\n\nBe kind.');
    expect(markdown).toContain('## User\n\n你好，世界');
    const json = JSON.parse(await b.export('json'));
    expect(json.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(await conversations.delete(a.id)).toBe(true);
    await expect(conversations.open(a.id)).rejects.toMatchObject({ code: 'conversation_not_found' });
  });

  it('streams as an async iterable, and stopping the iteration early stores the reply interrupted', async () => {
    const slow = h.conversations({
      chat: clientFor(h.emulator, { 'x-emulator-fault': 'slow=20', 'x-emulator-reply': 'lorem' }),
    });
    const chat = await slow.create();
    const whole = chat.stream('first');
    const pieces: string[] = [];
    for await (const piece of whole) pieces.push(piece);
    const result = await whole.result;
    expect(pieces.length).toBeGreaterThan(1);
    expect(result.text).toBe(pieces.join(''));
    expect(result.interrupted).toBe(false);

    const partial = chat.stream('second');
    for await (const _piece of partial) break;
    const cut = await partial.result;
    expect(cut.interrupted).toBe(true);
    expect((await chat.messages()).map((m) => m.status)).toEqual([
      'complete',
      'complete',
      'complete',
      'interrupted',
    ]);
  });

  it('keeps every turn when two processes write to the same conversation at once', async () => {
    const chat = await h.conversations().create();
    const other = await openStore({ url: h.database.url });
    try {
      const elsewhere = await createConversations({ store: other, chat: clientFor(h.emulator) }).open(
        chat.id,
      );
      await Promise.all([chat.send('from here'), elsewhere.send('from there'), chat.send('again here')]);
      const messages = await elsewhere.messages();
      expect(messages).toHaveLength(6);
      expect(new Set(messages.map((m) => m.seq)).size).toBe(6);
      // Each question is directly followed by its own answer (echo), never interleaved.
      for (let i = 0; i < 6; i += 2)
        expect(messages[i + 1]?.message.content).toBe(messages[i]?.message.content);
    } finally {
      await other.close();
    }
  });

  it('refuses to replace an answer that another writer has moved past, saving nothing', async () => {
    const chat = await h.conversations().create();
    await chat.send('one');
    const slow = await h
      .conversations({ chat: clientFor(h.emulator, { 'x-emulator-fault': 'delay=300' }) })
      .open(chat.id);
    const retry = slow.regenerate();
    await chat.send('two');
    await expect(retry).rejects.toMatchObject({ code: 'conversation_busy' });
    expect((await chat.messages()).map((m) => m.message.content)).toEqual(['one', 'one', 'two', 'two']);
  });
});
