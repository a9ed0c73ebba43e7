import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { tempDir } from './temp-dir.js';

const KEY = 'sk-proj-CoMmAnDkEy0123456789abcdefghij9z9z';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(argv: string[], env: Record<string, string>, files: Record<string, string> = {}) {
  const cwd = tempDir(files);
  const stdout = sink();
  const stderr = sink();
  const io: CliIo = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: new PassThrough(),
    env: { STEADYCHAT_HOME: join(cwd, 'home'), LANG: 'en_US.UTF-8', ...env },
    cwd,
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text(), cwd };
}

describe('steadychat config', () => {
  it('prints every setting with its masked value and where it came from', async () => {
    const { code, stdout, stderr } = await run(
      ['config'],
      { OPENAI_API_KEY: KEY, STEADYCHAT_MODEL: 'gpt-4.1' },
      {
        '.env': 'STEADYCHAT_MAX_RETRIES=4\n',
        'steadychat.config.json': JSON.stringify({ timeouts: { idleMs: 5000 } }),
      },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toContain(KEY);
    const line = (key: string) => stdout.split('\n').find((l) => l.startsWith(`${key} `)) ?? '';
    expect(stdout).toMatch(/^SETTING\s+VALUE\s+SOURCE$/m);
    expect(line('openai.apiKey')).toMatch(/sk-proj-…9z9z\s+env OPENAI_API_KEY$/);
    expect(line('model')).toMatch(/gpt-4\.1\s+env STEADYCHAT_MODEL$/);
    expect(line('maxRetries')).toMatch(/4\s+\.\/\.env STEADYCHAT_MAX_RETRIES$/);
    expect(line('timeouts.idleMs')).toMatch(/5000\s+file \.\/steadychat\.config\.json \(timeouts\.idleMs\)$/);
    expect(line('timeouts.totalMs')).toMatch(/600000\s+default$/);
    expect(line('summaryModel')).toMatch(/—\s+not set \(STEADYCHAT_SUMMARY_MODEL\)$/);
    expect(stdout).toMatch(/^Config file: .*steadychat\.config\.json$/m);
  });

  it('--json gives typed values, masked secrets and sources', async () => {
    const { code, stdout } = await run(['config', '--json'], {
      OPENAI_API_KEY: KEY,
      STEADYCHAT_PORT: '9001',
    });
    expect(code).toBe(0);
    expect(stdout).not.toContain(KEY);
    const data = JSON.parse(stdout) as {
      configFile: string | null;
      settings: { key: string; value: unknown; source: unknown }[];
      warnings: unknown[];
    };
    const byKey = Object.fromEntries(data.settings.map((s) => [s.key, s]));
    expect(byKey['gateway.port']).toMatchObject({
      value: 9001,
      source: { from: 'env', name: 'STEADYCHAT_PORT' },
    });
    expect(byKey['openai.apiKey']?.value).toBe('sk-proj-…9z9z');
    expect(byKey['openai.orgId']).toMatchObject({ value: null, source: null });
    expect(data.configFile).toBeNull();
    expect(data.warnings).toEqual([]);
  });

  it('shows warnings under the table', async () => {
    const { code, stdout } = await run(['config'], { OPENAI_BASE_URL: 'https://api.openai.com' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/Warnings:\n {2}! openai\.baseUrl https:\/\/api\.openai\.com lacks \/v1/);
  });

  it('a bad setting prints every problem and exits 1', async () => {
    const { code, stdout, stderr } = await run(['config'], {
      STEADYCHAT_IDLE_TIMEOUT_MS: 'abc',
      STEADYCHAT_PORT: '-1',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('Invalid settings (2 problems):');
    expect(stderr).toContain('STEADYCHAT_IDLE_TIMEOUT_MS="abc" is not a whole number of milliseconds');
    expect(stderr).toContain('Example: STEADYCHAT_PORT=8787');
  });

  it('speaks Chinese when the locale is Chinese', async () => {
    const ok = await run(['config'], { LANG: 'zh_CN.UTF-8', OPENAI_API_KEY: KEY });
    expect(ok.stdout).toMatch(/^设置项\s+值\s+来源$/m);
    expect(ok.stdout).toMatch(/^openai\.apiKey\s+sk-proj-…9z9z\s+环境变量 OPENAI_API_KEY$/m);
    expect(ok.stdout).toMatch(/^timeouts\.idleMs\s+30000\s+默认值$/m);
    const bad = await run(['--lang', 'zh', 'config'], { STEADYCHAT_MAX_RETRIES: 'x' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('配置有误（1 处）');
    expect(bad.stderr).toContain('示例：STEADYCHAT_MAX_RETRIES=2');
  });

  it('--config reads the named file', async () => {
    const { code, stdout } = await run(
      ['config', '--config', 'custom.json', '--json'],
      {},
      {
        'custom.json': JSON.stringify({ model: 'qwen-plus' }),
      },
    );
    expect(code).toBe(0);
    const data = JSON.parse(stdout) as { configFile: string; settings: { key: string; value: unknown }[] };
    expect(data.configFile).toMatch(/custom\.json$/);
    expect(data.settings.find((s) => s.key === 'model')?.value).toBe('qwen-plus');
  });
});

describe('the language of the CLI', () => {
  it('STEADYCHAT_LANG chooses it, also for errors, and --lang overrides it', async () => {
    const bad = await run(['config'], { STEADYCHAT_LANG: 'zh', STEADYCHAT_PORT: 'x' });
    expect(bad.stderr).toContain('配置有误');
    const en = await run(['--lang', 'en', 'config'], { STEADYCHAT_LANG: 'zh' });
    expect(en.stdout).toMatch(/^SETTING\s+VALUE\s+SOURCE$/m);
  });

  it('names the .env file it read', async () => {
    const { stdout } = await run(['config'], {}, { '.env': 'STEADYCHAT_MODEL=gpt-4o\n' });
    expect(stdout).toMatch(/^Env file: .*\.env$/m);
  });
});

describe('steadychat config --schema', () => {
  it('prints the config file JSON Schema, even when the settings are bad', async () => {
    const { code, stdout } = await run(['config', '--schema'], { STEADYCHAT_PORT: 'x' });
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as { title: string; properties: Record<string, unknown> };
    expect(schema.title).toBe('steadychat config file');
    expect(schema.properties).toHaveProperty('timeouts');
  });
});
