import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config/index.js';
import { SteadyChatError } from '../../src/errors/index.js';
import { tempDir } from './temp-dir.js';

function failure(env: Record<string, string>, files: Record<string, string> = {}): ConfigError {
  const cwd = tempDir(files);
  try {
    loadSettings({ env: { STEADYCHAT_HOME: `${cwd}/home`, ...env }, cwd });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadSettings to fail');
}

/** [variable, a bad value, the example a user can copy]. */
const BAD_VALUES: [string, string, string][] = [
  ['OPENAI_API_KEY', 'sk-abc def', 'OPENAI_API_KEY=sk-proj-…'],
  ['OPENAI_BASE_URL', 'api.openai.com/v1', 'OPENAI_BASE_URL=https://api.openai.com/v1'],
  ['OPENAI_API_BASE', 'ftp://example.com', 'OPENAI_API_BASE=https://api.openai.com/v1'],
  ['OPENAI_ORG_ID', 'org 1', 'OPENAI_ORG_ID=org-AbC123'],
  ['OPENAI_PROJECT_ID', 'proj 1', 'OPENAI_PROJECT_ID=proj_AbC123'],
  ['HTTPS_PROXY', '127.0.0.1:7890', 'HTTPS_PROXY=http://127.0.0.1:7890'],
  ['https_proxy', 'socks5://127.0.0.1:1080', 'https_proxy=http://127.0.0.1:7890'],
  ['HTTP_PROXY', 'proxy', 'HTTP_PROXY=http://127.0.0.1:7890'],
  [
    'STEADYCHAT_DATABASE_URL',
    'mysql://localhost/db',
    'STEADYCHAT_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steadychat',
  ],
  ['STEADYCHAT_CONNECT_TIMEOUT_MS', '10s', 'STEADYCHAT_CONNECT_TIMEOUT_MS=10000'],
  ['STEADYCHAT_FIRST_BYTE_TIMEOUT_MS', '-1', 'STEADYCHAT_FIRST_BYTE_TIMEOUT_MS=60000'],
  ['STEADYCHAT_IDLE_TIMEOUT_MS', 'abc', 'STEADYCHAT_IDLE_TIMEOUT_MS=30000'],
  ['STEADYCHAT_TOTAL_TIMEOUT_MS', '1.5', 'STEADYCHAT_TOTAL_TIMEOUT_MS=600000'],
  ['STEADYCHAT_MAX_RETRIES', '11', 'STEADYCHAT_MAX_RETRIES=2'],
  ['STEADYCHAT_REDACT', 'maybe', 'STEADYCHAT_REDACT=on'],
  ['STEADYCHAT_LOG_LEVEL', 'verbose', 'STEADYCHAT_LOG_LEVEL=info'],
  ['STEADYCHAT_LANG', 'fr', 'STEADYCHAT_LANG=zh'],
  ['STEADYCHAT_PORT', '70000', 'STEADYCHAT_PORT=8787'],
  ['STEADYCHAT_HOST', 'http://0.0.0.0', 'STEADYCHAT_HOST=127.0.0.1'],
  ['STEADYCHAT_WORKERS', '0', 'STEADYCHAT_WORKERS=2'],
  ['STEADYCHAT_WORKERS', 'many', 'STEADYCHAT_WORKERS=2'],
  ['STEADYCHAT_ADMIN_KEY', 'short', 'STEADYCHAT_ADMIN_KEY=a-long-random-string-of-32-chars'],
  [
    'STEADYCHAT_CORS_ORIGINS',
    'app.example.com',
    'STEADYCHAT_CORS_ORIGINS=https://app.example.com,http://localhost:5173',
  ],
  ['STEADYCHAT_REDIS_URL', 'localhost:6379', 'STEADYCHAT_REDIS_URL=redis://127.0.0.1:6379'],
];

describe('a bad value fails at start, naming the variable, the problem and a good example', () => {
  it.each(BAD_VALUES)('%s=%s', (name, value, example) => {
    const error = failure({ [name]: value });
    expect(error.code).toBe('config_invalid');
    expect(error).toBeInstanceOf(SteadyChatError);
    expect(error.problems).toHaveLength(1);
    const message = error.problems[0]?.message ?? '';
    expect(message.startsWith(`${name}=`)).toBe(true);
    expect(message).toMatch(/ is not /);
    expect(message.endsWith(`Example: ${example}`)).toBe(true);
    expect(error.message).toContain(message);
    expect(error.localized('zh')).toContain(`示例：${example}`);
  });

  it('matches the documented wording', () => {
    expect(failure({ STEADYCHAT_IDLE_TIMEOUT_MS: 'abc' }).problems[0]?.message).toBe(
      'STEADYCHAT_IDLE_TIMEOUT_MS="abc" is not a whole number of milliseconds (1 to 86400000). Example: STEADYCHAT_IDLE_TIMEOUT_MS=30000',
    );
  });

  it('a bad value in .env says it came from .env', () => {
    const error = failure({}, { '.env': 'STEADYCHAT_PORT=eighty\n' });
    expect(error.problems[0]?.message).toMatch(
      /^STEADYCHAT_PORT="eighty" \(in .*\.env\) is not a port number/,
    );
    expect(error.problems[0]?.source.from).toBe('dotenv');
  });

  it('a bad flag names the option', () => {
    const cwd = tempDir();
    expect(() => loadSettings({ env: {}, cwd, flags: { maxRetries: 'many' } })).toThrow(
      /option maxRetries = "many" is not a whole number from 0 to 10\. Example: \{ "maxRetries": 2 \}/,
    );
  });

  it('reports every problem at once, not just the first', () => {
    const error = failure(
      { STEADYCHAT_PORT: 'x', STEADYCHAT_MAX_RETRIES: '99', OPENAI_BASE_URL: 'nope' },
      {
        '.env': 'STEADYCHAT_LOG_LEVEL=loud\n',
        'steadychat.config.json': JSON.stringify({ timeouts: { idleMs: 'soon' }, colour: true }),
      },
    );
    const names = error.problems.map((p) => p.source.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'STEADYCHAT_PORT',
        'STEADYCHAT_MAX_RETRIES',
        'OPENAI_BASE_URL',
        'STEADYCHAT_LOG_LEVEL',
        'timeouts.idleMs',
        'colour',
      ]),
    );
    expect(error.problems).toHaveLength(6);
    expect(error.message.split('\n')[0]).toBe('Invalid settings (6 problems):');
    for (const p of error.problems) expect(error.message).toContain(p.message);
  });

  it('never prints a bad secret in full', () => {
    const key = 'sk-proj-SECRETSECRETSECRET with space';
    const error = failure({ OPENAI_API_KEY: key });
    expect(error.message).not.toContain('SECRETSECRETSECRET');
    expect(error.localized('zh')).not.toContain('SECRETSECRETSECRET');
    expect(error.message).toContain('OPENAI_API_KEY="sk-proj-…pace"');
    const url = failure({ STEADYCHAT_REDIS_URL: 'redis//:hunter2hunter2@host' });
    expect(url.message).toContain('STEADYCHAT_REDIS_URL="redis//:…@host"');
    expect(url.message).not.toContain('hunter2');
  });

  it('refuses a key that kept its quotes (Docker env files and CI secrets keep them literally)', () => {
    const error = failure({ OPENAI_API_KEY: '"sk-proj-0123456789abcdefghijklmn"' });
    expect(error.problems[0]?.message).toMatch(/^OPENAI_API_KEY=.* is not an API key .*stray quotes/);
    expect(error.message).not.toContain('0123456789abcdefghijklmn');
  });

  it('accepts the spellings people use for numbers and switches', () => {
    const cwd = tempDir();
    const s = loadSettings({
      env: { STEADYCHAT_IDLE_TIMEOUT_MS: ' 30_000 ', STEADYCHAT_REDACT: 'true', STEADYCHAT_LANG: 'en-US' },
      cwd,
    });
    expect(s.timeouts.idleMs).toBe(30_000);
    expect(s.redact).toBe('on');
    expect(s.lang).toBe('en');
  });
});
