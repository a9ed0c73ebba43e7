import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runServe } from '../../src/cli/serve.js';
import { loadSettings } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'steadychat-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeIo(env: Record<string, string>) {
  const out = { stdout: '', stderr: '' };
  const sink = (field: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _enc, cb) {
        out[field] += chunk.toString();
        cb();
      },
    });
  const stdin = new PassThrough();
  stdin.end();
  return { io: { stdout: sink('stdout'), stderr: sink('stderr'), stdin, env, cwd: dir }, out };
}

const env = { STEADYCHAT_HOME: join(dir, 'home'), LANG: 'en_US.UTF-8' };

async function cli(args: string[]) {
  const { io, out } = fakeIo(env);
  const code = await main(args, io);
  return { code, ...out };
}

describe('steadychat keys', () => {
  it('creates a key shown once, lists it without the secret, revokes it', async () => {
    const created = await cli([
      'keys',
      'create',
      '--name',
      'team-a',
      '--daily-tokens',
      '5000',
      '--monthly-cost',
      '10USD',
      '--rpm',
      '30',
      '--models',
      'gpt-4o-mini,gpt-4o',
    ]);
    expect(created.code).toBe(0);
    const secret = /\b(sc-[A-Za-z0-9_-]+)/.exec(created.stdout)?.[1];
    const id = /\b(key_[0-9a-f]+)/.exec(created.stdout)?.[1];
    expect(secret).toBeDefined();
    const listed = await cli(['keys', 'list']);
    expect(listed.stdout).toContain('team-a');
    expect(listed.stdout).toContain(id!);
    expect(listed.stdout).not.toContain(secret!);
    const json = JSON.parse((await cli(['keys', 'list', '--json'])).stdout);
    expect(json[0]).toMatchObject({
      name: 'team-a',
      rpm: 30,
      models: ['gpt-4o-mini', 'gpt-4o'],
      revokedAt: null,
    });
    expect((await cli(['keys', 'revoke', id!])).code).toBe(0);
    const again = await cli(['keys', 'revoke', id!]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No live key');
  });

  it('rejects a bad flag as a usage error', async () => {
    const bad = await cli(['keys', 'create', '--name', 'x', '--monthly-cost', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('lots');
  });
});

describe('steadychat serve', () => {
  it('starts in a bannered demo mode without OPENAI_API_KEY, and the whole product works offline', async () => {
    const demoEnv = { STEADYCHAT_HOME: join(dir, 'demo-home'), STEADYCHAT_PORT: '0' };
    const { io, out } = fakeIo(demoEnv);
    const settings = loadSettings({ env: demoEnv, cwd: dir, dotenv: false, defaults: { redact: 'on' } });
    const served = await runServe({ settings }, io, 'en');
    try {
      expect(served.demo).toBe(true);
      expect(out.stdout).toContain('DEMO MODE');
      expect(out.stdout).toContain(`${served.url}/v1`);
      expect(out.stdout).toContain('Auth: OPEN');
      const response = await fetch(`${served.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      expect((await response.json()).choices[0].message.content.length).toBeGreaterThan(0);
      expect((await fetch(`${served.url}/`)).headers.get('content-type')).toContain('text/html');
      expect((await (await fetch(`${served.url}/api/me`)).json()).demo).toBe(true);
    } finally {
      await served.close();
    }
  });

  it('refuses a network address without keys as a usage error', async () => {
    const { io, out } = fakeIo({ ...env, STEADYCHAT_HOME: join(dir, 'open-home') });
    const code = await main(['serve', '--host', '0.0.0.0', '--port', '0'], io);
    expect(code).toBe(2);
    expect(out.stderr).toContain('without gateway keys');
  });
});
