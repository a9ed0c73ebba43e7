import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

// `steadychat serve --workers 2`, run as users run it (the built CLI in a child process, demo mode:
// the primary's built-in emulator is the upstream), its requests spread over the two workers.

const BIN = resolve(import.meta.dirname, '../../bin/steadychat.js');
const ADMIN = 'admin-key-for-the-workers-test';
const dir = mkdtempSync(join(tmpdir(), 'steadychat-workers-'));
const home = join(dir, 'home');
const env: Record<string, string> = { STEADYCHAT_HOME: home, LANG: 'en_US.UTF-8' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<string> {
  let stdout = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      stdout += chunk.toString();
      cb();
    },
  });
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, { stdout: sink, stderr: sink, stdin, env, cwd: dir });
  expect(code, stdout).toBe(0);
  return stdout;
}

async function newKey(...flags: string[]): Promise<{ secret: string; id: string }> {
  const out = await cli(['keys', 'create', '--name', `k${Math.random()}`, ...flags]);
  return { secret: /\b(sc-[A-Za-z0-9_-]+)/.exec(out)![1]!, id: /\b(key_[0-9a-f]+)/.exec(out)![1]! };
}

interface Served {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

async function serve(args: string[], extraEnv: Record<string, string> = {}): Promise<Served> {
  const { OPENAI_API_KEY: _none, ...parentEnv } = process.env;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { ...parentEnv, ...env, STEADYCHAT_ADMIN_KEY: ADMIN, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (err += String(c)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let url: string | undefined;
  for (let i = 0; i < 600 && !url && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 50));
    url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
  }
  return { child, url: url ?? '', stdout: () => out, stderr: () => err, exited };
}

/** One request on a connection of its own (so the kernel may hand it to either worker). */
function call(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; json: unknown; text: string }> {
  return new Promise((done, fail) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += String(c)));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          done({ status: res.statusCode ?? 0, json, text });
        });
      },
    );
    req.on('error', fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const chat = (url: string, secret: string, content: string) =>
  call(
    url,
    'POST',
    '/v1/chat/completions',
    { authorization: `Bearer ${secret}` },
    {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content }],
      max_tokens: 8,
    },
  );

/** The workers (by pid) that wrote access lines for chat calls, from the gateway's JSON log lines. */
function servingPids(stderr: string): Set<number> {
  const pids = new Set<number>();
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; url?: string; pid?: number };
    if (entry.msg === 'request' && entry.url === '/v1/chat/completions' && entry.pid) pids.add(entry.pid);
  }
  return pids;
}

function errorCode(json: unknown): unknown {
  return (json as { error?: { code?: unknown } })?.error?.code;
}

describe('steadychat serve --workers 2', () => {
  let served: Served;
  let answered = 0;

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ budgets: { runaway: { maxRepeats: 3, windowMs: 60_000 } } }),
    );
    env.STEADYCHAT_CONFIG = join(dir, 'config.json');
    await newKey(); // keys exist: the gateway is closed to callers without one
    served = await serve(['--workers', '2']);
    expect(served.url, served.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  }, 60_000);

  afterAll(async () => {
    if (served.child.exitCode === null) served.child.kill('SIGKILL');
  });

  it('says so at start, and both workers answer on the one port', async () => {
    expect(served.stdout()).toContain('Workers:         2 processes');
    expect(served.stdout()).toContain('DEMO MODE');
    const { secret } = await newKey();
    for (let i = 0; i < 8; i++) {
      const res = await chat(served.url, secret, `hello ${i}`);
      expect(res.status, res.text).toBe(200);
      answered++;
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(servingPids(served.stderr()).size).toBe(2);
  });

  it("a key's requests per minute are counted across the workers", async () => {
    const { secret } = await newKey('--rpm', '4');
    const statuses: number[] = [];
    const codes: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await chat(served.url, secret, `rate ${i}`);
      statuses.push(res.status);
      if (res.status === 200) answered++;
      else codes.push(errorCode(res.json));
    }
    // One bucket for both workers: 4 pass, then refusals (two buckets would let all 6 through).
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(codes).toEqual(['rate_limit_exceeded', 'rate_limit_exceeded']);
  });

  it('the runaway guard counts repeats across the workers, and its refusals use none of the rate limit', async () => {
    const { secret } = await newKey('--rpm', '5');
    const statuses: number[] = [];
    const codes: unknown[] = [];
    const send = async (content: string) => {
      const res = await chat(served.url, secret, content);
      statuses.push(res.status);
      if (res.status === 200) answered++;
      else codes.push(errorCode(res.json));
    };
    for (let i = 0; i < 4; i++) await send('the same question again');
    for (let i = 0; i < 3; i++) await send(`a new question ${i}`);
    // 3 repeats pass, the 4th is a runaway (it takes no request of the 5 per minute), 2 more pass.
    expect(statuses).toEqual([200, 200, 200, 429, 200, 200, 429]);
    expect(codes).toEqual(['runaway_request', 'rate_limit_exceeded']);
  });

  it('a key revoked through one worker is refused by every worker at once', async () => {
    const { secret, id } = await newKey();
    // Both workers have verified (and cached) the key.
    for (let i = 0; i < 6; i++) {
      expect((await chat(served.url, secret, `cache ${i}`)).status).toBe(200);
      answered++;
    }
    const revoked = await call(served.url, 'DELETE', `/admin/keys/${id}`, {
      authorization: `Bearer ${ADMIN}`,
    });
    expect(revoked.status, revoked.text).toBe(204);
    // Well within the 2 s key cache: without the broadcast, the other worker would still accept it.
    for (let i = 0; i < 6; i++) {
      const res = await chat(served.url, secret, `after ${i}`);
      expect(res.status, res.text).toBe(401);
    }
  });

  it('/metrics answers for all the workers', async () => {
    const res = await call(served.url, 'GET', '/metrics', {});
    expect(res.status).toBe(200);
    const line = res.text
      .split('\n')
      .find((l) =>
        l.startsWith(
          'steadychat_http_requests_total{route="/v1/chat/completions",method="POST",status="200"}',
        ),
      );
    expect(Number(line?.split(' ').pop())).toBe(answered);
  });

  it('a worker that dies is replaced, and the gateway keeps answering', async () => {
    const { secret } = await newKey();
    const [victim] = servingPids(served.stderr());
    process.kill(victim!, 'SIGKILL');
    for (let i = 0; i < 400 && !served.stderr().includes('gateway worker started'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(served.stderr()).toContain('gateway worker exited; starting another');
    expect(served.stderr()).toContain('gateway worker started');
    for (let i = 0; i < 6; i++) {
      const res = await chat(served.url, secret, `after the crash ${i}`);
      expect(res.status, res.text).toBe(200);
      answered++;
    }
  }, 30_000);

  it('SIGTERM stops every process cleanly, with every answer in the ledger', async () => {
    const pids = [...servingPids(served.stderr())];
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(served.stdout()).toContain('gateway stopped');
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const db = new Database(join(home, 'steadychat.db'), { readonly: true });
    try {
      const { n } = db.prepare("select count(*) as n from usage_ledger where outcome = 'ok'").get() as {
        n: number;
      };
      expect(n).toBe(answered);
    } finally {
      db.close();
    }
  }, 30_000);
});

describe('steadychat serve --workers: start failures', () => {
  it("a worker's refusal to start is reported once, as a usage error", async () => {
    const failed = await serve(['--workers', '2', '--host', '0.0.0.0'], {
      STEADYCHAT_HOME: join(dir, 'no-keys-home'),
    });
    expect(await failed.exited, failed.stderr()).toBe(2);
    expect(failed.stderr().match(/without gateway keys/g)?.length).toBe(1);
  }, 30_000);

  it('a bad worker count is refused before anything starts', async () => {
    const bad = await serve(['--workers', 'lots']);
    // As for any invalid setting (a bad --port too).
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toContain('a number of processes from 1 to 256, or auto');
  }, 30_000);
});
