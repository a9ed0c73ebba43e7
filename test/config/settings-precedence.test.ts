import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/index.js';
import { tempDir } from './temp-dir.js';

/** A home directory of its own, so a real ~/.steadychat/config.json cannot leak into the test. */
function isolated(extra: Record<string, string | undefined> = {}, files: Record<string, string> = {}) {
  const cwd = tempDir(files);
  return { cwd, env: { STEADYCHAT_HOME: join(cwd, 'home'), ...extra } };
}

describe('precedence: flag > environment > .env > config file > default', () => {
  const file = JSON.stringify({ model: 'from-file', timeouts: { idleMs: 4000 } });

  it('takes each value from the strongest source that has it, and says which', () => {
    const { cwd, env } = isolated(
      { STEADYCHAT_MODEL: 'from-env', STEADYCHAT_MAX_RETRIES: '5' },
      {
        '.env':
          'STEADYCHAT_MODEL=from-dotenv\nSTEADYCHAT_MAX_RETRIES=4\nSTEADYCHAT_CONNECT_TIMEOUT_MS=1234\n',
        'steadychat.config.json': file,
      },
    );
    const settings = loadSettings({ env, cwd, flags: { model: 'from-flag' } });
    expect(settings.model).toBe('from-flag');
    expect(settings.sources.model).toEqual({ from: 'flag', name: 'model' });
    expect(settings.maxRetries).toBe(5);
    expect(settings.sources.maxRetries).toEqual({ from: 'env', name: 'STEADYCHAT_MAX_RETRIES' });
    expect(settings.timeouts.connectMs).toBe(1234);
    expect(settings.sources['timeouts.connectMs']).toEqual({
      from: 'dotenv',
      name: 'STEADYCHAT_CONNECT_TIMEOUT_MS',
      file: join(cwd, '.env'),
    });
    expect(settings.timeouts.idleMs).toBe(4000);
    expect(settings.sources['timeouts.idleMs']).toEqual({
      from: 'file',
      name: 'timeouts.idleMs',
      file: join(cwd, 'steadychat.config.json'),
    });
    expect(settings.timeouts.totalMs).toBe(600_000);
    expect(settings.sources['timeouts.totalMs']).toEqual({ from: 'default' });
    expect(settings.configFile).toBe(join(cwd, 'steadychat.config.json'));
  });

  it('each layer wins over the next one down, one step at a time', () => {
    const files = { '.env': 'STEADYCHAT_MODEL=from-dotenv\n', 'steadychat.config.json': file };
    const { cwd, env } = isolated({}, files);
    expect(loadSettings({ env, cwd }).model).toBe('from-dotenv');
    expect(loadSettings({ env: { ...env, STEADYCHAT_MODEL: 'from-env' }, cwd }).model).toBe('from-env');
    const noDotenv = isolated({}, { 'steadychat.config.json': file });
    expect(loadSettings(noDotenv).model).toBe('from-file');
    expect(loadSettings(isolated()).model).toBe('gpt-4o-mini');
    expect(loadSettings(isolated()).sources.model).toEqual({ from: 'default' });
  });

  it('the documented defaults hold when nothing is set', () => {
    const { cwd, env } = isolated();
    const s = loadSettings({ env, cwd });
    expect(s.openai).toEqual({ baseUrl: 'https://api.openai.com/v1' });
    expect(s.proxy).toEqual({});
    expect(s.model).toBe('gpt-4o-mini');
    expect(s.timeouts).toEqual({ connectMs: 10_000, firstByteMs: 60_000, idleMs: 30_000, totalMs: 600_000 });
    expect(s.maxRetries).toBe(2);
    expect(s.redact).toBe('off');
    expect(s.logLevel).toBe('info');
    expect(s.gateway).toEqual({ port: 8787, host: '127.0.0.1', workers: 1, corsOrigins: [] });
    expect(s.databaseUrl).toBeUndefined();
    expect(s.file).toEqual({});
    expect(s.warnings).toEqual([]);
    expect(s.sources['openai.apiKey']).toBeUndefined();
  });

  it('STEADYCHAT_HOME defaults to ~/.steadychat and relative paths resolve from the working directory', () => {
    const cwd = tempDir();
    const s = loadSettings({ env: {}, cwd });
    expect(s.home).toMatch(/[/\\]\.steadychat$/);
    const rel = loadSettings({ env: { STEADYCHAT_HOME: 'data' }, cwd });
    expect(rel.home).toBe(join(cwd, 'data'));
  });

  it('a caller can replace a default (the gateway turns redaction on) without it counting as set', () => {
    const { cwd, env } = isolated();
    const s = loadSettings({ env, cwd, defaults: { redact: 'on' } });
    expect(s.redact).toBe('on');
    expect(s.sources.redact).toEqual({ from: 'default' });
    expect(
      loadSettings({ env: { ...env, STEADYCHAT_REDACT: 'off' }, cwd, defaults: { redact: 'on' } }).redact,
    ).toBe('off');
  });

  it('flags given as strings (as the command line gives them) are validated and typed', () => {
    const { cwd, env } = isolated();
    const s = loadSettings({ env, cwd, flags: { timeouts: { idleMs: '2500' }, gateway: { port: '0' } } });
    expect(s.timeouts.idleMs).toBe(2500);
    expect(s.gateway.port).toBe(0);
    expect(s.sources['gateway.port']).toEqual({ from: 'flag', name: 'gateway.port' });
  });
});

describe('.env in the working directory', () => {
  it('never overrides a real environment variable, and is not written into the environment', () => {
    const { cwd, env } = isolated(
      { OPENAI_API_KEY: 'sk-real-environment-key-0001' },
      { '.env': 'OPENAI_API_KEY=sk-dotenv-file-key-00000002\nSTEADYCHAT_MODEL=gpt-4.1\n' },
    );
    const before = { ...env };
    const s = loadSettings({ env, cwd });
    expect(s.openai.apiKey).toBe('sk-real-environment-key-0001');
    expect(s.sources['openai.apiKey']).toEqual({ from: 'env', name: 'OPENAI_API_KEY' });
    expect(s.model).toBe('gpt-4.1');
    expect(env).toEqual(before);
  });

  it('an empty variable in the shell does not hide the value in .env', () => {
    const { cwd, env } = isolated(
      { OPENAI_API_KEY: '' },
      { '.env': 'OPENAI_API_KEY=sk-dotenv-file-key-00000002\n' },
    );
    expect(loadSettings({ env, cwd }).openai.apiKey).toBe('sk-dotenv-file-key-00000002');
  });

  it('understands quotes, comments and export-free KEY=value lines', () => {
    const { cwd, env } = isolated(
      {},
      {
        '.env': [
          '# a comment',
          'STEADYCHAT_MODEL="gpt-4o"',
          "OPENAI_BASE_URL='https://api.deepseek.com/v1'",
          'STEADYCHAT_IDLE_TIMEOUT_MS=15000 # fifteen seconds',
          '',
        ].join('\n'),
      },
    );
    const s = loadSettings({ env, cwd });
    expect(s.model).toBe('gpt-4o');
    expect(s.openai.baseUrl).toBe('https://api.deepseek.com/v1');
    expect(s.timeouts.idleMs).toBe(15_000);
  });

  it('can be turned off', () => {
    const { cwd, env } = isolated({}, { '.env': 'STEADYCHAT_MODEL=gpt-4o\n' });
    expect(loadSettings({ env, cwd, dotenv: false }).model).toBe('gpt-4o-mini');
  });

  it('may point to the config file and the home directory', () => {
    const { cwd, env } = isolated(
      {},
      {
        '.env': 'STEADYCHAT_CONFIG=conf/app.json\n',
        'conf/app.json': JSON.stringify({ model: 'from-named-file' }),
      },
    );
    const s = loadSettings({ env, cwd });
    expect(s.model).toBe('from-named-file');
    expect(s.configFile).toBe(join(cwd, 'conf/app.json'));
  });
});

describe('where the config file is found', () => {
  it('STEADYCHAT_CONFIG, else ./steadychat.config.json, else $STEADYCHAT_HOME/config.json', () => {
    const { cwd, env } = isolated(
      {},
      {
        'home/config.json': JSON.stringify({ model: 'from-home' }),
        'steadychat.config.json': JSON.stringify({ model: 'from-cwd' }),
        'other.json': JSON.stringify({ model: 'from-variable' }),
      },
    );
    expect(loadSettings({ env, cwd }).model).toBe('from-cwd');
    expect(loadSettings({ env: { ...env, STEADYCHAT_CONFIG: join(cwd, 'other.json') }, cwd }).model).toBe(
      'from-variable',
    );
    expect(loadSettings({ env, cwd, configFile: 'other.json' }).model).toBe('from-variable');
    const homeOnly = isolated({}, { 'home/config.json': JSON.stringify({ model: 'from-home' }) });
    const s = loadSettings(homeOnly);
    expect(s.model).toBe('from-home');
    expect(s.configFile).toBe(join(homeOnly.cwd, 'home', 'config.json'));
  });

  it('hands the config-file-only sections to their features', () => {
    const config = {
      $schema: './node_modules/steadychat/config.schema.json',
      prices: { 'gpt-4o': { input: 2.5, output: 10 } },
      budgets: { daily: { usd: 5, period: 'day' } },
      upstreams: { deepseek: { baseUrl: 'https://api.deepseek.com/v1' } },
      models: { 'my-model': { contextWindow: 32000 } },
      redact: { enabled: 'on', types: { phone: 'mask' } },
    };
    const { cwd, env } = isolated({}, { 'steadychat.config.json': JSON.stringify(config) });
    const s = loadSettings({ env, cwd });
    expect(s.file.prices).toEqual(config.prices);
    expect(s.file.budgets).toEqual(config.budgets);
    expect(s.file.upstreams).toEqual(config.upstreams);
    expect(s.file.models).toEqual(config.models);
    expect(s.file.redact).toEqual({ types: { phone: 'mask' } });
    expect(s.redact).toBe('on');
    expect(s.sources.redact?.from).toBe('file');
  });
});
