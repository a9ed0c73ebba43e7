import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let home: string;
beforeAll(async () => {
  emulator = await startEmulator({ reply: 'echo' });
  home = mkdtempSync(join(tmpdir(), 'steadychat-chat-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(home, { recursive: true, force: true });
});

async function chat(
  lines: string[],
  args: string[] = [],
  lang = 'C.UTF-8',
  env: Record<string, string> = {},
) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await main(['chat', ...args], {
    stdin: Readable.from(lines.map((l) => `${l}\n`)),
    stdout,
    stderr,
    cwd: home,
    env: {
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'sk-test-chat-cli-1234',
      STEADYCHAT_HOME: home,
      STEADYCHAT_MAX_RETRIES: '0',
      LANG: lang,
      ...env,
    },
  });
  return { code, out, err };
}

describe('steadychat chat with piped stdin', () => {
  it('answers one message per line on stdout, and remembers the session in the next run', async () => {
    const first = await chat(
      ['My name is Ada.', 'I like tea.'],
      ['--session', 'pipe', '--system', 'Be brief.'],
    );
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toBe('My name is Ada.\nI like tea.\n');
    const second = await chat(['What is my name?'], ['--session', 'pipe']);
    expect(second.out).toBe('What is my name?\n');
    const last = emulator.journal.requests('/v1/chat/completions').at(-1)?.body as { messages: unknown[] };
    expect(last.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'My name is Ada.' },
      { role: 'user', content: 'I like tea.' },
      { role: 'assistant', content: 'I like tea.' },
      { role: 'user', content: 'What is my name?' },
    ]);
  });

  it('runs slash commands and their Chinese forms: clear, export, new session', async () => {
    await chat(['one', '清空', 'two', '/export out.json', '/export out.md'], ['--session', 'cmds']);
    const exported = JSON.parse(readFileSync(join(home, 'out.json'), 'utf8'));
    expect(exported.messages.map((m: { content: string }) => m.content)).toEqual(['two', 'two']);
    expect(readFileSync(join(home, 'out.md'), 'utf8')).toContain('## User\n\ntwo');
    const fresh = await chat(['/history'], ['--session', 'cmds', '--new']);
    expect(fresh.out).toContain('(no messages yet)');
    const zh = await chat(['/history', '退出', 'never sent'], ['--session', 'cmds'], 'zh_CN.UTF-8');
    expect(zh.out).toContain('（暂无消息）');
    expect(zh.out).not.toContain('never sent');
  });

  it('prints a failed turn on stderr, keeps going, and exits 1', async () => {
    const before = emulator.journal.requests('/v1/chat/completions').length;
    const result = await chat(
      ['hello', '/model no-such-model', 'fails', '/model gpt-4o-mini', 'works'],
      ['--session', 'errors'],
    );
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/✗/);
    expect(result.out).toBe('hello\nworks\n');
    expect(emulator.journal.requests('/v1/chat/completions').length - before).toBe(3);
  });

  it('records every call in the ledger and, with STEADYCHAT_REDACT=on, sends no phone number upstream', async () => {
    const result = await chat(['My phone is 13800138000.'], ['--session', 'private'], 'C.UTF-8', {
      STEADYCHAT_REDACT: 'on',
    });
    expect(result.out).toBe('My phone is 13800138000.\n');
    const body = JSON.stringify(emulator.journal.requests('/v1/chat/completions').at(-1)?.body);
    expect(body).not.toContain('13800138000');
    const store = await openStore({ home });
    const rows = await store.db.selectFrom('usage_ledger').selectAll().execute();
    await store.close();
    expect(rows.length).toBeGreaterThan(0);
  });
});
