import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeSettings,
  loadSettings,
  maskSecret,
  maskUrl,
  redactSecrets,
  settingsSecrets,
} from '../../src/config/index.js';
import { tempDir } from './temp-dir.js';

const KEY = 'sk-proj-Zx9QwErTyUiOpAsDfGhJkLzXcVbNm1234abcd';

describe('maskSecret', () => {
  it('keeps a known prefix and the last 4 characters', () => {
    expect(maskSecret(KEY)).toBe('sk-proj-…abcd');
    expect(maskSecret('sk-abcdefghijklmnopqrstuvwxyz0123abcd')).toBe('sk-…abcd');
    expect(maskSecret('sc-live0123456789abcdefwxyz')).toBe('sc-…wxyz');
    expect(maskSecret('sk-svcacct-0123456789abcdefghij9876')).toBe('sk-svcacct-…9876');
  });

  it('keeps only the last 4 of an unknown kind of key', () => {
    expect(maskSecret('0123456789abcdef0123456789abcdef')).toBe('…cdef');
  });

  it('shows nothing of a short value', () => {
    expect(maskSecret('short')).toBe('…');
    expect(maskSecret('')).toBe('…');
    expect(maskSecret('sk-12345678')).toBe('…');
    expect(maskSecret('sk-proj-1234567')).toBe('sk-proj-…');
  });
});

describe('maskUrl', () => {
  it('masks the password of a URL and keeps the rest', () => {
    expect(maskUrl('postgres://app:s3cret-pass@db.internal:5432/chat')).toBe(
      'postgres://app:…@db.internal:5432/chat',
    );
    expect(maskUrl('redis://:tok3n-value@127.0.0.1:6379/0')).toBe('redis://:…@127.0.0.1:6379/0');
  });

  it('masks a lone user part (often a token) and leaves a URL without credentials alone', () => {
    expect(maskUrl('https://ghp_tokenvalue@proxy.example.com')).toBe('https://…@proxy.example.com');
    expect(maskUrl('http://127.0.0.1:7890')).toBe('http://127.0.0.1:7890');
  });

  it('cannot leak the tail of a password holding an unencoded @', () => {
    expect(maskUrl('postgres://app:p@ss@word@db/chat')).toBe('postgres://app:…@db/chat');
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret, in any spelling', () => {
    const text = `key=${KEY}; again ${KEY}; url ?k=${encodeURIComponent('pa ss/word!')}; json "${'quo"te-secret'.replace('"', '\\"')}"`;
    const out = redactSecrets(text, [KEY, 'pa ss/word!', 'quo"te-secret', undefined]);
    expect(out).not.toContain(KEY);
    expect(out).toContain('key=sk-proj-…abcd; again sk-proj-…abcd');
    expect(out).not.toContain(encodeURIComponent('pa ss/word!'));
    expect(out).not.toContain('te-secret');
  });

  it('ignores secrets too short to be told from ordinary words', () => {
    expect(redactSecrets('a b c', ['a', ''])).toBe('a b c');
  });
});

describe('showing settings', () => {
  function settingsWithSecrets() {
    const cwd = tempDir();
    return loadSettings({
      env: {
        STEADYCHAT_HOME: join(cwd, 'home'),
        OPENAI_API_KEY: KEY,
        STEADYCHAT_ADMIN_KEY: 'admin-0123456789-abcdefghij',
        STEADYCHAT_DATABASE_URL: 'postgres://app:db-password-1@127.0.0.1:5432/chat',
        STEADYCHAT_REDIS_URL: 'redis://:redis-password-2@127.0.0.1:6379',
        HTTPS_PROXY: 'http://me:proxy-password-3@127.0.0.1:3128',
      },
      cwd,
    });
  }

  it('masks every secret and says where each value came from', () => {
    const settings = settingsWithSecrets();
    const rows = describeSettings(settings);
    const dump = JSON.stringify(rows);
    for (const secret of [
      KEY,
      'admin-0123456789-abcdefghij',
      'db-password-1',
      'redis-password-2',
      'proxy-password-3',
    ]) {
      expect(dump).not.toContain(secret);
    }
    const row = (key: string) => rows.find((r) => r.key === key);
    expect(row('openai.apiKey')).toMatchObject({
      value: 'sk-proj-…abcd',
      secret: true,
      source: { from: 'env', name: 'OPENAI_API_KEY' },
    });
    expect(row('gateway.adminKey')?.value).toBe('…ghij');
    expect(row('databaseUrl')?.value).toBe('postgres://app:…@127.0.0.1:5432/chat');
    expect(row('proxy.httpsProxy')?.value).toBe('http://me:…@127.0.0.1:3128');
    expect(row('timeouts.idleMs')).toMatchObject({
      value: '30000',
      typed: 30000,
      source: { from: 'default' },
    });
    expect(row('summaryModel')).toMatchObject({ value: '', typed: null, env: 'STEADYCHAT_SUMMARY_MODEL' });
    expect(row('summaryModel')?.source).toBeUndefined();
  });

  it('lists the secrets to hide, for error and log paths', () => {
    expect(settingsSecrets(settingsWithSecrets())).toEqual(
      expect.arrayContaining([
        KEY,
        'admin-0123456789-abcdefghij',
        'db-password-1',
        'redis-password-2',
        'proxy-password-3',
      ]),
    );
  });
});

describe('masking, for any secret', () => {
  const secret = fc.string({ minLength: 6, maxLength: 80, unit: 'grapheme-ascii' });

  it('maskSecret shows at most a known prefix and the last 4 characters', () => {
    fc.assert(
      fc.property(fc.constantFrom('', 'sk-', 'sk-proj-', 'sc-'), secret, (prefix, body) => {
        const value = prefix + body;
        const masked = maskSecret(value);
        const shown = masked.replace(/^(sk-proj-|sk-svcacct-|sk-admin-|sk-ant-|sk-|sc-|gsk_|xai-)?…/, '');
        expect(shown.length).toBeLessThanOrEqual(4);
        if (value.length >= 12) expect(value.endsWith(shown)).toBe(true);
        else expect(masked).toBe('…');
      }),
    );
  });

  it('redactSecrets leaves no copy of a secret in any surrounding text', () => {
    fc.assert(
      fc.property(fc.string(), secret, fc.string(), (before, value, after) => {
        fc.pre(value.trim().length >= 6);
        const out = redactSecrets(`${before}${value}${after}${value}`, [value]);
        // The secret's own last 4 characters survive by design; the whole secret never does.
        expect(out.includes(value)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
