import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config/index.js';
import { tempDir } from './temp-dir.js';

function fileFailure(content: string, name = 'steadychat.config.json'): { error: ConfigError; file: string } {
  const cwd = tempDir({ [name]: content });
  const file = join(cwd, name);
  try {
    loadSettings({ env: { STEADYCHAT_HOME: join(cwd, 'home'), STEADYCHAT_CONFIG: file }, cwd });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return { error: error as ConfigError, file };
  }
  throw new Error('expected loadSettings to fail');
}

describe('a config file that is not valid JSON', () => {
  it('names the file, the line and column, and the trailing comma to remove', () => {
    const { error, file } = fileFailure('{\n  "model": "gpt-4o",\n  "maxRetries": 3,\n}\n');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.message).toBe(
      `${file}:4:1: invalid JSON: remove the trailing comma before it (JSON allows none).`,
    );
  });

  it('says JSON has no comments', () => {
    const { error, file } = fileFailure('{\n  // the model\n  "model": "gpt-4o"\n}');
    expect(error.message).toContain(`${file}:2:3: invalid JSON: JSON allows no comments`);
  });

  it('says property names need double quotes', () => {
    const { error } = fileFailure('{ model: "gpt-4o" }');
    expect(error.message).toMatch(/:1:3: invalid JSON: put the property name in double quotes/);
  });

  it('says single quotes are not JSON', () => {
    const { error } = fileFailure('{ "model": \'gpt-4o\' }');
    expect(error.message).toMatch(/:1:12: invalid JSON: use double quotes/);
  });

  it('points at a missing comma', () => {
    const { error } = fileFailure('{\n  "model": "gpt-4o"\n  "maxRetries": 3\n}');
    expect(error.message).toMatch(/:3:3: invalid JSON: a comma is missing before it/);
  });

  it('says when the file ends too early', () => {
    const { error } = fileFailure('{ "timeouts": { "idleMs": 5000 }');
    expect(error.message).toMatch(/invalid JSON: the file ends too early/);
  });

  it('wants one object, not an array', () => {
    const { error } = fileFailure('[1, 2]');
    expect(error.message).toMatch(/the file must hold one JSON object\. Example: \{ "model"/);
  });

  it('reads a file saved with a byte order mark', () => {
    const cwd = tempDir({ 'steadychat.config.json': '\ufeff{ "model": "gpt-4.1" }' });
    expect(loadSettings({ env: { STEADYCHAT_HOME: join(cwd, 'home') }, cwd }).model).toBe('gpt-4.1');
  });
});

describe('keys and values in the config file', () => {
  it('rejects an unknown top-level key and lists the allowed ones, with a guess', () => {
    const { error, file } = fileFailure(JSON.stringify({ budget: {} }));
    const message = error.problems[0]?.message ?? '';
    expect(message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unknown key "budget"\\.`),
    );
    expect(message).toContain('Did you mean "budgets"?');
    expect(message).toContain(
      'Allowed keys: $schema, home, databaseUrl, model, summaryModel, maxRetries, redact, logLevel, lang, redisUrl, openai, proxy, timeouts, gateway, models, prices, budgets, upstreams.',
    );
  });

  it('rejects an unknown key inside a section, listing that section’s keys', () => {
    const { error } = fileFailure(JSON.stringify({ timeouts: { idle: 5 } }));
    expect(error.problems[0]?.message).toMatch(
      /unknown key "timeouts\.idle"\. Did you mean "idleMs"\? Allowed keys in "timeouts": connectMs, firstByteMs, idleMs, totalMs\./,
    );
  });

  it('names the file and the key of a bad value, with an example in the file’s own syntax', () => {
    const { error, file } = fileFailure(JSON.stringify({ timeouts: { idleMs: 'soon' } }));
    expect(error.problems[0]?.message).toBe(
      `${file}: "timeouts.idleMs" = "soon" is not a whole number of milliseconds (1 to 86400000). Example: { "timeouts": { "idleMs": 30000 } }`,
    );
    expect(error.problems[0]?.source).toEqual({ from: 'file', name: 'timeouts.idleMs', file });
  });

  it('wants objects where sections belong', () => {
    const { error } = fileFailure(JSON.stringify({ timeouts: 5000, prices: [1, 2], redact: ['phone'] }));
    const messages = error.problems.map((p) => p.message);
    expect(messages).toEqual([
      expect.stringMatching(/"timeouts" must be an object\. Example: \{ "timeouts": \{ "connectMs": … \} \}/),
      expect.stringMatching(/"prices" must be an object\. Example: \{ "prices": \{ "…": … \} \}/),
      expect.stringMatching(/"redact" = \["phone"\] is not on or off\. Example: \{ "redact": "on" \}/),
    ]);
  });

  it('leaves the entries of a feature section to that feature', () => {
    const cwd = tempDir({
      'steadychat.config.json': JSON.stringify({ budgets: { timezone: 'Asia/Shanghai', daily: { usd: 1 } } }),
    });
    const s = loadSettings({ env: { STEADYCHAT_HOME: join(cwd, 'home') }, cwd });
    expect(s.file.budgets).toEqual({ timezone: 'Asia/Shanghai', daily: { usd: 1 } });
  });

  it('refuses secrets in a config file, even when the environment also sets them', () => {
    const cwd = tempDir({
      'steadychat.config.json': JSON.stringify({ openai: { apiKey: 'sk-proj-in-the-file-0000000000' } }),
    });
    const run = () =>
      loadSettings({
        env: { STEADYCHAT_HOME: join(cwd, 'home'), OPENAI_API_KEY: 'sk-env-000000000000000' },
        cwd,
      });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(
      /"openai\.apiKey" is a secret and may not be in a config file.*Example: OPENAI_API_KEY=sk-proj-…/,
    );
    try {
      run();
    } catch (error) {
      expect((error as Error).message).not.toContain('sk-proj-in-the-file');
    }
  });

  it('a config file named by STEADYCHAT_CONFIG must exist', () => {
    const cwd = tempDir();
    expect(() => loadSettings({ env: { STEADYCHAT_CONFIG: 'missing.json' }, cwd })).toThrow(
      /STEADYCHAT_CONFIG="missing\.json": .*missing\.json does not exist\./,
    );
    expect(() => loadSettings({ env: {}, cwd, configFile: 'gone.json' })).toThrow(
      /gone\.json does not exist/,
    );
  });

  it('an absent default config file is no problem', () => {
    const cwd = tempDir();
    expect(loadSettings({ env: { STEADYCHAT_HOME: join(cwd, 'nowhere') }, cwd }).configFile).toBeUndefined();
  });
});
