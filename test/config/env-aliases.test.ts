import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/index.js';
import { tempDir } from './temp-dir.js';

const load = (env: Record<string, string>, files: Record<string, string> = {}) => {
  const cwd = tempDir(files);
  return loadSettings({ env: { STEADYCHAT_HOME: `${cwd}/home`, ...env }, cwd });
};

describe('names users already have', () => {
  it('accepts the older OPENAI_API_BASE when OPENAI_BASE_URL is absent', () => {
    const s = load({ OPENAI_API_BASE: 'https://api.moonshot.cn/v1' });
    expect(s.openai.baseUrl).toBe('https://api.moonshot.cn/v1');
    expect(s.sources['openai.baseUrl']).toEqual({ from: 'env', name: 'OPENAI_API_BASE' });
  });

  it('OPENAI_BASE_URL wins over OPENAI_API_BASE, with a warning when they differ', () => {
    const s = load({
      OPENAI_BASE_URL: 'https://api.deepseek.com/v1',
      OPENAI_API_BASE: 'https://api.openai.com/v1',
    });
    expect(s.openai.baseUrl).toBe('https://api.deepseek.com/v1');
    expect(s.warnings.map((w) => w.message).join('\n')).toMatch(/OPENAI_BASE_URL and OPENAI_API_BASE/);
  });

  it('a real OPENAI_API_BASE beats an OPENAI_BASE_URL that is only in .env', () => {
    const s = load(
      { OPENAI_API_BASE: 'https://api.moonshot.cn/v1' },
      { '.env': 'OPENAI_BASE_URL=https://api.deepseek.com/v1\n' },
    );
    expect(s.openai.baseUrl).toBe('https://api.moonshot.cn/v1');
  });

  it('reads OPENAI_API_KEY, OPENAI_ORG_ID and OPENAI_PROJECT_ID', () => {
    const s = load({
      OPENAI_API_KEY: 'sk-abcdefghijklmnop1234',
      OPENAI_ORG_ID: 'org-1',
      OPENAI_PROJECT_ID: 'proj_2',
    });
    expect(s.openai).toEqual({
      apiKey: 'sk-abcdefghijklmnop1234',
      baseUrl: 'https://api.openai.com/v1',
      orgId: 'org-1',
      projectId: 'proj_2',
    });
  });

  it('drops a trailing slash from the base URL', () => {
    expect(
      load({ OPENAI_BASE_URL: 'https://dashscope.aliyuncs.com/compatible-mode/v1/' }).openai.baseUrl,
    ).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1');
  });

  it('warns when the OpenAI base URL lacks /v1 or already ends with /chat/completions', () => {
    const noV1 = load({ OPENAI_BASE_URL: 'https://api.openai.com' });
    expect(noV1.openai.baseUrl).toBe('https://api.openai.com');
    expect(noV1.warnings).toEqual([
      expect.objectContaining({ key: 'openai.baseUrl', message: expect.stringMatching(/\/v1/) }),
    ]);
    const full = load({ OPENAI_BASE_URL: 'https://api.deepseek.com/v1/chat/completions' });
    expect(full.warnings[0]?.message).toMatch(/chat\/completions/);
    expect(load({ OPENAI_BASE_URL: 'https://api.deepseek.com' }).warnings).toEqual([]);
  });

  it('warns when the key would travel over plain http to another machine, not to localhost', () => {
    expect(load({ OPENAI_BASE_URL: 'http://10.0.0.8:8000/v1' }).warnings[0]?.message).toMatch(/unencrypted/);
    expect(load({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).warnings).toEqual([]);
    expect(load({ OPENAI_BASE_URL: 'http://localhost:11434/v1' }).warnings).toEqual([]);
  });
});

describe('a placeholder key', () => {
  it('copied from .env.example is pointed out', () => {
    const s = load({}, { '.env': 'OPENAI_API_KEY=sk-your-key-here\n' });
    expect(s.warnings.map((w) => w.key)).toEqual(['openai.apiKey']);
    expect(s.warnings[0]?.message).toMatch(/looks like a placeholder/);
    expect(load({ OPENAI_API_KEY: 'sk-proj-Real0123456789abcdefghij' }).warnings).toEqual([]);
  });
});

describe('proxy variables in either case', () => {
  it('reads upper-case HTTPS_PROXY, HTTP_PROXY and NO_PROXY', () => {
    const s = load({
      HTTPS_PROXY: 'http://127.0.0.1:7890',
      HTTP_PROXY: 'http://127.0.0.1:7891',
      NO_PROXY: 'localhost',
    });
    expect(s.proxy).toEqual({
      httpsProxy: 'http://127.0.0.1:7890',
      httpProxy: 'http://127.0.0.1:7891',
      noProxy: 'localhost',
    });
    expect(s.sources['proxy.httpsProxy']).toEqual({ from: 'env', name: 'HTTPS_PROXY' });
  });

  it('reads lower-case https_proxy, http_proxy and no_proxy', () => {
    const s = load({
      https_proxy: 'http://127.0.0.1:7890',
      http_proxy: 'http://127.0.0.1:7891',
      no_proxy: '.local',
    });
    expect(s.proxy).toEqual({
      httpsProxy: 'http://127.0.0.1:7890',
      httpProxy: 'http://127.0.0.1:7891',
      noProxy: '.local',
    });
    expect(s.sources['proxy.noProxy']).toEqual({ from: 'env', name: 'no_proxy' });
  });

  it('lower case wins when both are set (as curl and undici do), with a warning if they differ', () => {
    const s = load({ https_proxy: 'http://127.0.0.1:1', HTTPS_PROXY: 'http://127.0.0.1:2' });
    expect(s.proxy.httpsProxy).toBe('http://127.0.0.1:1');
    expect(s.warnings.some((w) => w.key === 'https_proxy')).toBe(true);
  });

  it('a proxy with credentials keeps them for use', () => {
    expect(load({ HTTPS_PROXY: 'http://user:pa55word@proxy.corp:3128' }).proxy.httpsProxy).toBe(
      'http://user:pa55word@proxy.corp:3128',
    );
  });
});

describe('everything of ours is STEADYCHAT_*', () => {
  it('reads every variable into its typed field', () => {
    const s = load({
      STEADYCHAT_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/app',
      STEADYCHAT_MODEL: 'deepseek-chat',
      STEADYCHAT_SUMMARY_MODEL: 'gpt-4o-mini',
      STEADYCHAT_CONNECT_TIMEOUT_MS: '1000',
      STEADYCHAT_FIRST_BYTE_TIMEOUT_MS: '2000',
      STEADYCHAT_IDLE_TIMEOUT_MS: '3000',
      STEADYCHAT_TOTAL_TIMEOUT_MS: '4000',
      STEADYCHAT_MAX_RETRIES: '0',
      STEADYCHAT_REDACT: 'ON',
      STEADYCHAT_LOG_LEVEL: 'Debug',
      STEADYCHAT_LANG: 'zh_CN.UTF-8',
      STEADYCHAT_PORT: '9000',
      STEADYCHAT_HOST: '0.0.0.0',
      STEADYCHAT_WORKERS: '3',
      STEADYCHAT_ADMIN_KEY: 'admin-key-0123456789abcdef',
      STEADYCHAT_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/',
      STEADYCHAT_REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(s.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/app');
    expect(s.model).toBe('deepseek-chat');
    expect(s.summaryModel).toBe('gpt-4o-mini');
    expect(s.timeouts).toEqual({ connectMs: 1000, firstByteMs: 2000, idleMs: 3000, totalMs: 4000 });
    expect(s.maxRetries).toBe(0);
    expect(s.redact).toBe('on');
    expect(s.logLevel).toBe('debug');
    expect(s.lang).toBe('zh');
    expect(s.gateway).toEqual({
      port: 9000,
      host: '0.0.0.0',
      workers: 3,
      adminKey: 'admin-key-0123456789abcdef',
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
    });
    expect(s.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('STEADYCHAT_WORKERS=auto is one gateway process per CPU core', () => {
    expect(load({ STEADYCHAT_WORKERS: 'auto' }).gateway.workers).toBe(availableParallelism());
    expect(load({ STEADYCHAT_WORKERS: ' Auto ' }).gateway.workers).toBe(availableParallelism());
  });

  it('a misspelt STEADYCHAT_ variable is pointed out with the name it probably meant', () => {
    const s = load({ STEADYCHAT_IDLE_TIMEOUT: '5000' });
    expect(s.warnings.map((w) => w.message)).toContain(
      'STEADYCHAT_IDLE_TIMEOUT is not a steadychat variable and is ignored. Did you mean STEADYCHAT_IDLE_TIMEOUT_MS?',
    );
  });
});
