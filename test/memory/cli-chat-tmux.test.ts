import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) {
  if (process.env.CI) throw new Error('tmux is missing; CI must have it for the REPL test.');
  console.warn('Skipping the chat REPL test: tmux is not installed.');
}

const bin = resolve(import.meta.dirname, '../../bin/steadychat.js');
const socket = `steadychat-test-${randomBytes(4).toString('hex')}`;
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let home: string;

const tmux = (...args: string[]) => execFileSync('tmux', ['-u', '-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'repl');
const keys = (...k: string[]) => tmux('send-keys', '-t', 'repl', ...k);

/** Poll the pane until `test` holds (the REPL is a real process: no fixed sleeps). */
async function waitFor(test: (text: string) => boolean, what: string): Promise<string> {
  // A generous deadline: other suites may keep the machine busy; this is not a timing assertion.
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    const text = screen();
    if (test(text)) return text;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`The REPL never showed ${what}. Screen:\n${screen()}`);
}

function startRepl(session: string): void {
  const env = [
    `OPENAI_BASE_URL=${emulator.url}`,
    'OPENAI_API_KEY=sk-test-tmux-0000',
    `STEADYCHAT_HOME=${home}`,
    'LANG=C.UTF-8',
    'NO_COLOR=1',
  ];
  const command = `env ${env.join(' ')} ${process.execPath} ${bin} chat --session ${session}; echo REPL-EXITED; sleep 30`;
  tmux('new-session', '-d', '-s', 'repl', '-x', '160', '-y', '50', command);
}

beforeAll(async () => {
  if (!hasTmux) return;
  // Lorem replies streamed slowly enough to interrupt one halfway.
  emulator = await startEmulator({
    reply: 'lorem',
    replyTokens: 100,
    interChunkDelayMs: 20,
    timeToFirstTokenMs: 800,
  });
  home = mkdtempSync(join(tmpdir(), 'steadychat-tmux-'));
});
afterAll(async () => {
  if (!hasTmux) return;
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  await emulator.close();
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('steadychat chat in a terminal', () => {
  it('streams, stops on Ctrl+C, clears, quits and resumes the session', { timeout: 180_000 }, async () => {
    startRepl('work');
    await waitFor((s) => s.includes('new conversation') && s.includes('you ›'), 'the banner and prompt');

    keys('hello there', 'Enter');
    await waitFor((s) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(s), 'a spinner before the first token');
    const afterFirst = await waitFor((s) => /tokens · /.test(s), 'the token line after the answer');
    expect(afterFirst).toMatch(/\d+ prompt \+ \d+ completion = \d+ tokens/);

    keys('tell me more', 'Enter');
    const answerStart = (s: string) => s.split('tell me more')[1] ?? '';
    await waitFor((s) => /\w{2,} \w{2,}/.test(answerStart(s)), 'the second answer streaming');
    keys('C-c');
    await waitFor((s) => s.includes('(answer stopped; the part shown is kept'), 'the stop note');
    const stopped = screen();
    expect(answerStart(stopped)).not.toMatch(/tokens · /);

    keys('C-d');
    await waitFor((s) => s.includes('REPL-EXITED'), 'the REPL to exit on Ctrl+D');
    tmux('kill-session', '-t', 'repl');

    // Tomorrow: the same session continues, with the interrupted answer in its history.
    startRepl('work');
    await waitFor((s) => s.includes('continuing "hello there" (4 messages)'), 'the resumed session');
    keys('/history', 'Enter');
    await waitFor((s) => s.includes('AI (interrupted):'), 'the interrupted answer in /history');
    keys('and now?', 'Enter');
    await waitFor((s) => (s.split('and now?')[1] ?? '').includes('tokens · '), 'the answer after resuming');
    const sent = emulator.journal.requests('/v1/chat/completions').at(-1)?.body as {
      messages: Array<{ role: string; content: string }>;
    };
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(sent.messages[0]?.content).toBe('hello there');

    keys('/clear', 'Enter');
    await waitFor((s) => s.includes('History cleared.'), 'the clear note');
    keys('/history', 'Enter');
    await waitFor((s) => s.includes('(no messages yet)'), 'an empty history');
    keys('/exit', 'Enter');
    await waitFor((s) => s.includes('Bye.') && s.includes('REPL-EXITED'), 'the REPL to exit on /exit');
    tmux('kill-session', '-t', 'repl');
  });
});
