import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'steadychat-redact-cli-'));

async function run(argv: string[], stdin = '', env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const io: CliIo = {
    stdout,
    stderr,
    stdin: Readable.from([Buffer.from(stdin)]),
    env: { STEADYCHAT_HOME: dir, LANG: 'en_US.UTF-8', ...env },
    cwd: dir,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

const text = '我的手机13800138000，邮箱zhang@example.com，key sk-proj-abc123DEF456ghi789JKL012。';

describe('steadychat redact', () => {
  it('prints stdin redacted', async () => {
    const r = await run(['redact'], text);
    expect(r.code).toBe(0);
    expect(r.out).toBe('我的手机[CN_PHONE_1]，邮箱[EMAIL_1]，key [REDACTED_SECRET_OPENAI]。');
  });

  it('reads a file and lists findings as JSON without the values', async () => {
    const file = join(dir, 'in.txt');
    writeFileSync(file, text);
    const r = await run(['redact', 'in.txt', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { findings: Record<string, unknown>[]; counts: Record<string, number> };
    expect(json.findings.map((f) => [f.type, f.start, f.end, f.placeholder])).toEqual([
      ['CN_PHONE', 4, 15, '[CN_PHONE_1]'],
      ['EMAIL', 18, 35, '[EMAIL_1]'],
      ['SECRET_OPENAI', 40, 72, '[REDACTED_SECRET_OPENAI]'],
    ]);
    expect(json.findings.every((f) => typeof f.score === 'number')).toBe(true);
    expect(r.out).not.toContain('13800138000');
    expect(r.out).not.toContain('zhang@example.com');
  });

  it('uses actions and custom patterns from the config file', async () => {
    const config = join(dir, 'redact.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        redact: { actions: { CN_PHONE: 'mask' }, patterns: [{ type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}' }] },
      }),
    );
    const r = await run(['redact', '--config', config], '工号EMP-123456 手机13800138000');
    expect(r.code).toBe(0);
    expect(r.out).toBe('工号[EMPLOYEE_ID_1] 手机138****8000');
  });

  it('exits 1 with the type and position, not the value, when a type is blocked', async () => {
    const config = join(dir, 'block.config.json');
    writeFileSync(config, JSON.stringify({ redact: { actions: { CN_ID: 'block' } } }));
    const r = await run(['redact', '--config', config], '身份证11010519491231002X');
    expect(r.code).toBe(1);
    expect(r.err).toContain('CN_ID');
    expect(r.err).not.toContain('11010519491231002X');
  });

  it('reports a missing file as a usage error', async () => {
    const r = await run(['redact', 'nope.txt']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('nope.txt');
  });
});
