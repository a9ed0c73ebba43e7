import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';

let emulator: EmulatorHandle;
const cwd = mkdtempSync(join(tmpdir(), 'steadychat-ask-'));
const KEY = 'sk-test-ask-command-abcdef0123456789';

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, reply: 'echo' });
});
afterAll(async () => {
  await emulator.close();
});

async function ask(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(chunk.toString());
        cb();
      },
    });
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(['ask', ...args], {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    stdin,
    env: {
      OPENAI_API_KEY: KEY,
      OPENAI_BASE_URL: emulator.url,
      STEADYCHAT_HOME: join(cwd, 'home'),
      STEADYCHAT_MAX_RETRIES: '1',
      ...env,
    },
    cwd,
  });
  return { code, stdout, stderr };
}

describe('steadychat ask', () => {
  it('streams the answer to stdout and exits 0', async () => {
    const r = await ask(['What', 'is', 'steadychat?']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('What is steadychat?');
    expect(r.stderr).toBe('');
    const sent = emulator.journal.requests('/v1/chat/completions').at(-1)!.body as Record<string, unknown>;
    expect(sent.stream).toBe(true);
    expect(sent.model).toBe('gpt-4o-mini');
  });

  it('--no-stream --model --system send what they say', async () => {
    const r = await ask(['hello there', '--no-stream', '--model', 'gpt-4.1-mini', '--system', 'Be brief.']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('hello there');
    const sent = emulator.journal.requests('/v1/chat/completions').at(-1)!.body as Record<string, unknown>;
    expect(sent.stream).toBeUndefined();
    expect(sent.model).toBe('gpt-4.1-mini');
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello there' },
    ]);
  });

  it('--json prints the completion with usage and request id', async () => {
    const r = await ask(['json please', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.choices[0].message.content).toContain('json please');
    expect(out.usage.total_tokens).toBeGreaterThan(0);
    expect(out.request_id).toMatch(/^req_/);
  });

  it('a cut stream prints what arrived, then the error on stderr, and exits non-zero', async () => {
    const r = await ask(['tell me a long story about a cat'], {
      STEADYCHAT_EXTRA_HEADERS: JSON.stringify({ 'x-emulator-fault': 'drop-after=3' }),
    });
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/cut off/);
    expect(r.stderr).not.toContain(KEY);
  });

  it('errors are typed and shown in Chinese with --lang zh; the key never appears', async () => {
    const r = await ask(['hi', '--header', 'x-emulator-fault: 429-quota'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/quota/);
    const zh = await main(['--lang', 'zh', 'ask', 'hi', '--header', 'x-emulator-fault: 429-quota'], {
      stdout: new PassThrough(),
      stderr: new Writable({
        write(chunk, _e, cb) {
          zhErr += chunk.toString();
          cb();
        },
      }),
      stdin: new PassThrough(),
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: emulator.url, STEADYCHAT_HOME: join(cwd, 'home') },
      cwd,
    });
    expect(zh).toBe(1);
    expect(zhErr).toMatch(/额度/);
    expect(zhErr + r.stderr).not.toContain(KEY);
  });

  it('retries are announced on stderr, and a truncated answer exits non-zero', async () => {
    const r = await ask([
      'hi',
      '--header',
      'x-emulator-fault: 503;times=1;retry-after-ms=5',
      '--header',
      'x-emulator-fault-key: ask-retry',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/retrying/);
    const cut = await ask(['a long answer please', '--max-tokens', '2']);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/token limit/);
  });

  it('STEADYCHAT_REDACT=on: personal data never reaches the upstream, and the answer is restored', async () => {
    const r = await ask(['my phone is 13800138000, repeat it'], { STEADYCHAT_REDACT: 'on' });
    expect(r.code).toBe(0);
    const sent = JSON.stringify(emulator.journal.requests('/v1/chat/completions').at(-1)!.body);
    expect(sent).not.toContain('13800138000');
    expect(r.stdout).toContain('13800138000');
  });

  it('no question is a usage error (exit 2)', async () => {
    const r = await ask([]);
    expect(r.code).toBe(2);
  });
});

let zhErr = '';
