import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';

let emulator: EmulatorHandle;
const cwd = mkdtempSync(join(tmpdir(), 'steadychat-doctor-'));
const KEY = 'sk-test-doctor-abcdefghijklmnop0123';
const REVOKED = 'sk-revoked-doctor-abcdefghijklmnop';

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, invalidKeys: [REVOKED], rpm: 1000 });
});
afterAll(async () => {
  await emulator.close();
});

async function doctor(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _e, cb) {
        add(chunk.toString());
        cb();
      },
    });
  const code = await main(['doctor', ...args], {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    stdin: new PassThrough(),
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: emulator.url, STEADYCHAT_HOME: join(cwd, 'home'), ...env },
    cwd,
  });
  return { code, stdout, stderr, all: stdout + stderr };
}

type Check = { id: string; status: string; detail: string; hint?: string; data?: Record<string, unknown> };
const json = (out: string) =>
  JSON.parse(out) as { ok: boolean; checks: Check[]; settings: { key: string; value: string }[] };
const check = (out: string, id: string) => json(out).checks.find((c) => c.id === id);

describe('steadychat doctor', () => {
  it('all green against a healthy upstream: settings with sources, key masked, latency, rate limits', async () => {
    const r = await doctor([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('openai.apiKey');
    expect(r.stdout).toContain('sk-…0123');
    expect(r.stdout).toMatch(/✓ .*GET \/models/);
    expect(r.stdout).toMatch(/✓ .*gpt-4o-mini/);
    expect(r.stdout).toMatch(/rate limits: \d+\/1000 requests/);
    expect(r.all).not.toContain(KEY);
    const j = await doctor(['--json']);
    expect(j.code).toBe(0);
    const out = json(j.stdout);
    expect(out.ok).toBe(true);
    expect(out.settings.find((s) => s.key === 'openai.apiKey')?.value).toBe('sk-…0123');
    expect(check(j.stdout, 'tcp')?.status).toBe('pass');
    expect(check(j.stdout, 'completion')?.data?.requestId).toMatch(/^req_/);
    expect(j.all).not.toContain(KEY);
  });

  it('a rejected key fails with the fix, and is never printed whole', async () => {
    const r = await doctor(['--json'], { OPENAI_API_KEY: REVOKED });
    expect(r.code).toBe(1);
    const models = check(r.stdout, 'models');
    expect(models?.status).toBe('fail');
    expect(models?.detail).toMatch(/rejected/);
    expect(models?.hint).toMatch(/OPENAI_API_KEY/);
    expect(r.all).not.toContain(REVOKED);
  });

  it('a missing model is named with alternatives', async () => {
    const r = await doctor(['--json', '--model', 'gpt-4o-nonexistent']);
    expect(r.code).toBe(1);
    const model = check(r.stdout, 'model');
    expect(model?.status).toBe('fail');
    expect(model?.hint).toMatch(/gpt-4o/);
  });

  it('tells quota exhaustion apart from rate limiting', async () => {
    const quota = await doctor(['--json', '--header', 'x-emulator-fault: 429-quota']);
    expect(quota.code).toBe(1);
    expect(check(quota.stdout, 'models')?.detail).toMatch(/quota exhausted/);
    expect(check(quota.stdout, 'models')?.detail).toMatch(/not a rate limit/);
    const limited = await doctor(['--json'], {
      STEADYCHAT_EXTRA_HEADERS: JSON.stringify({
        'x-emulator-fault': '429',
        'x-emulator-fault-key': 'doctor-rl',
      }),
    });
    expect(limited.code).toBe(1);
    expect(check(limited.stdout, 'models')?.detail).toMatch(/rate limited/);
    expect(check(limited.stdout, 'models')?.detail).toMatch(/not a quota/);
  });

  it('an unreachable port fails at TCP with a likely fix, and skips the API checks', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await doctor(['--json', '--timeout', '500'], {
      OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
    });
    expect(r.code).toBe(1);
    const tcp = check(r.stdout, 'tcp');
    expect(tcp?.status).toBe('fail');
    expect(tcp?.detail).toMatch(/ECONNREFUSED/);
    expect(tcp?.hint).toMatch(/OPENAI_BASE_URL/);
    expect(check(r.stdout, 'api')?.status).toBe('skip');
  });

  it('a host that accepts TCP but never completes TLS fails at TLS, with the fix', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const r = await doctor(['--json', '--timeout', '300'], {
        OPENAI_BASE_URL: `https://127.0.0.1:${port}/v1`,
      });
      expect(r.code).toBe(1);
      expect(check(r.stdout, 'tcp')?.status).toBe('pass');
      const tls = check(r.stdout, 'tls');
      expect(tls?.status).toBe('fail');
      expect(tls?.hint).toMatch(/HTTPS_PROXY/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('a dead proxy is reported as the proxy, in Chinese with --lang zh', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    let out = '';
    const code = await main(['--lang', 'zh', 'doctor', '--timeout', '500'], {
      stdout: new Writable({
        write(c, _e, cb) {
          out += c.toString();
          cb();
        },
      }),
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env: {
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: emulator.url,
        HTTP_PROXY: `http://127.0.0.1:${port}`,
        STEADYCHAT_HOME: join(cwd, 'home'),
      },
      cwd,
    });
    expect(code).toBe(1);
    expect(out).toMatch(/✗ 代理/);
    expect(out).toMatch(/代理客户端/);
  });

  it('a missing key is reported, and the upstream confirms it (401, no key sent)', async () => {
    const r = await doctor(['--json'], { OPENAI_API_KEY: '' });
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'key')?.detail).toMatch(/not set/);
    expect(check(r.stdout, 'models')?.detail).toMatch(/no key was sent/);
  });
});
