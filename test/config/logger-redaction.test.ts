import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, loadSettings } from '../../src/config/index.js';
import { tempDir } from './temp-dir.js';

const KEY = 'sk-proj-LoGgEdKeYnEvErShOwN0123456789wxyz';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { destination, text: () => lines.join('') };
}

function settingsWithKey() {
  const cwd = tempDir();
  return loadSettings({
    env: { STEADYCHAT_HOME: join(cwd, 'home'), OPENAI_API_KEY: KEY, STEADYCHAT_LOG_LEVEL: 'debug' },
    cwd,
  });
}

describe('the logger never writes a secret', () => {
  it('masks the configured key in messages, fields at any depth, and errors with their stacks', () => {
    const out = capture();
    const log = createLogger({ ...loggerInput(), destination: out.destination });
    log.info(`calling upstream with ${KEY}`);
    log.info({ deep: { deeper: { list: [`Bearer ${KEY}`, { note: KEY }] } } }, 'nested');
    log.error({ err: new Error(`401 for key ${KEY}`) }, 'failed');
    log.warn(new Error(`cause: ${KEY}`));
    log.info({ url: `https://api.example.com/v1?key=${encodeURIComponent(KEY)}` }, 'query');
    log.debug({ settings: settingsWithKey() }, 'effective settings');
    const text = out.text();
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('LoGgEdKeY');
    expect(text).toContain('sk-proj-…wxyz');
    expect(text.trim().split('\n')).toHaveLength(6);
  });

  it('masks well-known fields whatever their value', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.destination });
    log.info(
      {
        apiKey: 'some-unlisted-value-1',
        req: { headers: { authorization: 'Basic dXNlcjpwYXNz' } },
        headers: { authorization: 'Bearer opaque-token', 'api-key': 'azure-key-value', cookie: 'sid=abc' },
        upstream: { apiKey: 'some-unlisted-value-2' },
      },
      'request',
    );
    const text = out.text();
    for (const value of [
      'some-unlisted-value-1',
      'dXNlcjpwYXNz',
      'opaque-token',
      'azure-key-value',
      'sid=abc',
      'some-unlisted-value-2',
    ]) {
      expect(text).not.toContain(value);
    }
    expect(JSON.parse(text).headers.authorization).toBe('[redacted]');
  });

  it('masks well-known fields two levels down and leaves the logged object as it was', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.destination });
    const fields = {
      call: { openai: { apiKey: 'unlisted-deep-value' }, headers: { Authorization: 'Basic deep-basic' } },
      res: { headers: { 'set-cookie': 'sid=deep-cookie' } },
      safe: { note: 'kept as is' },
    };
    log.info(fields, 'deep');
    const text = out.text();
    for (const value of ['unlisted-deep-value', 'deep-basic', 'deep-cookie'])
      expect(text).not.toContain(value);
    expect(JSON.parse(text).safe.note).toBe('kept as is');
    expect(fields.call.openai.apiKey).toBe('unlisted-deep-value');
    expect(fields.res.headers['set-cookie']).toBe('sid=deep-cookie');
  });

  it('masks anything shaped like an API key, even one nobody configured', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.destination });
    const stranger = 'sk-abcdefghijklmnopqrstuvwxyz123456';
    log.info(`user pasted ${stranger} into the chat`);
    expect(out.text()).not.toContain(stranger);
    expect(out.text()).toContain('sk-…3456');
  });

  it('takes its level and secrets from the settings', () => {
    const settings = settingsWithKey();
    const out = capture();
    const log = createLogger({ level: settings.logLevel, secrets: [KEY], destination: out.destination });
    log.debug(`debug line ${KEY}`);
    log.trace('not written at debug level');
    expect(out.text()).toContain('debug line sk-proj-…wxyz');
    expect(out.text()).not.toContain('not written');
    expect(createLogger(settings).level).toBe('debug');
  });
});

describe('a logger built from the settings', () => {
  it('masks the passwords inside the database, Redis and proxy URLs as well as the keys', () => {
    const cwd = tempDir();
    const settings = loadSettings({
      env: {
        STEADYCHAT_HOME: join(cwd, 'home'),
        OPENAI_API_KEY: KEY,
        STEADYCHAT_ADMIN_KEY: 'admin-key-never-logged-0123',
        STEADYCHAT_DATABASE_URL: 'postgres://app:db-pass-never-logged@127.0.0.1:5432/chat',
        STEADYCHAT_REDIS_URL: 'redis://:redis-pass-never-logged@127.0.0.1:6379',
        HTTPS_PROXY: 'http://me:proxy-pass-never-logged@127.0.0.1:3128',
      },
      cwd,
    });
    const out = capture();
    const log = createLogger(settings, { destination: out.destination });
    log.info({ settings }, 'starting');
    log.error(new Error(`connect failed: ${settings.databaseUrl} via ${settings.proxy.httpsProxy}`));
    const text = out.text();
    expect(text).not.toMatch(/never-logged/);
    expect(text).toContain('postgres://app:');
  });
});

function loggerInput() {
  return { level: 'debug' as const, secrets: [KEY] };
}
