import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runEmulator } from '../../src/cli/emulator.js';
import { main } from '../../src/cli/main.js';

function fakeIo() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  return {
    io: { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd() },
    out: () => out,
    err: () => err,
  };
}

describe('steadychat emulator', () => {
  it('prints the base URL and SDK instructions, serves, and stops when asked', async () => {
    const { io, out } = fakeIo();
    let stop!: () => void;
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runEmulator({ port: 0 }, io, 'en', until);
    for (let i = 0; i < 200 && !out().includes('listening on'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const url = /listening on (http:\/\/\S+\/v1)/.exec(out())?.[1];
    expect(url).toBeDefined();
    expect(out()).toContain(`OPENAI_BASE_URL=${url}`);
    expect(out()).toContain('new OpenAI({');
    const res = await fetch(`${url}/models`, { headers: { authorization: 'Bearer sk-x' } });
    expect(res.status).toBe(200);
    stop();
    await running;
    expect(out()).toContain('emulator stopped');
    await expect(fetch(`${url}/models`)).rejects.toThrow();
  });

  it('rejects a bad flag value as a usage error (exit code 2)', async () => {
    const { io, err } = fakeIo();
    expect(await main(['emulator', '--port', 'abc'], io)).toBe(2);
    expect(err()).toContain('--port must be a whole number');
    expect(await main(['emulator', '--reply', 'shout'], io)).toBe(2);
  });

  it('speaks Chinese when asked', async () => {
    const { io, err } = fakeIo();
    expect(await main(['--lang', 'zh', 'emulator', '--rpm', '0'], io)).toBe(2);
    expect(err()).toContain('必须是');
  });

  it('serves the models of the config file and still exits 0 on SIGTERM', async () => {
    if (!existsSync('dist/cli/main.js')) {
      if (process.env.CI) throw new Error('dist/ is missing: run npm run build first');
      console.warn('skipped: dist/ not built (npm test builds it)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'steadychat-emulator-'));
    try {
      writeFileSync(
        join(dir, 'steadychat.config.json'),
        JSON.stringify({ models: { 'house-model': { like: 'gpt-4o-mini', contextWindow: 32_000 } } }),
      );
      const child = spawn(process.execPath, [resolve('bin/steadychat.js'), 'emulator', '--port', '0'], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (c) => {
        err += String(c);
      });
      const url = await new Promise<string>((resolveUrl, reject) => {
        child.stdout.on('data', (c) => {
          out += String(c);
          const match = /listening on (http:\/\/\S+\/v1)/.exec(out);
          if (match?.[1]) resolveUrl(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}${err}`)));
      });
      const res = await fetch(`${url}/models/house-model`, { headers: { authorization: 'Bearer sk-x' } });
      expect(res.status).toBe(200);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the real binary starts, answers and exits 0 on SIGTERM', async () => {
    if (!existsSync('dist/cli/main.js')) {
      if (process.env.CI) throw new Error('dist/ is missing: run npm run build first');
      console.warn('skipped: dist/ not built (npm test builds it)');
      return;
    }
    const child = spawn(process.execPath, ['bin/steadychat.js', 'emulator', '--port', '0', '--no-auth'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += String(c);
        const match = /listening on (http:\/\/\S+\/v1)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const res = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
