import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/index.js';
import { createUsageLedger, type LedgerEntry } from '../../src/usage/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'steadychat-usage-cli-'));
const home = join(cwd, 'home');

async function run(args: string[], lang = 'en_US.UTF-8') {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(chunk.toString());
        cb();
      },
    });
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    stdin,
    env: { STEADYCHAT_HOME: home, LANG: lang, TZ: 'UTC' },
    cwd,
  });
  return { code, stdout, stderr };
}

const DAY = 86_400_000;
const now = Date.now();
const base: Omit<LedgerEntry, 'at' | 'model' | 'promptTokens' | 'completionTokens' | 'cost' | 'currency'> = {
  attempt: 1,
  cachedTokens: 0,
  reasoningTokens: 0,
  latencyMs: 100,
  outcome: 'ok',
  estimated: false,
};

beforeAll(async () => {
  const store = await openStore({ home });
  const ledger = createUsageLedger(store);
  await ledger.record({
    ...base,
    at: now - 2 * DAY,
    model: 'gpt-4o-mini',
    keyId: 'k1',
    promptTokens: 1000,
    completionTokens: 500,
    cost: 0.00045,
    currency: 'USD',
  });
  await ledger.record({
    ...base,
    at: now - 60_000,
    model: 'gpt-4o-mini',
    keyId: 'k2',
    promptTokens: 3000,
    completionTokens: 1000,
    cost: 0.00105,
    currency: 'USD',
  });
  await ledger.record({
    ...base,
    at: now - 30_000,
    model: 'deepseek-chat',
    userId: 'u1',
    promptTokens: 2000,
    completionTokens: 2000,
    cost: 0.01,
    currency: 'CNY',
  });
  await ledger.record({
    ...base,
    at: now - 20_000,
    model: 'my-llama',
    promptTokens: 10,
    completionTokens: 0,
    cost: null,
    currency: null,
    outcome: 'error',
    errorCode: 'server_error',
  });
  await ledger.record({
    ...base,
    at: now - 30 * DAY,
    model: 'gpt-4o',
    promptTokens: 9999,
    completionTokens: 9999,
    cost: 1,
    currency: 'USD',
  });
  await store.close();
});
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

describe('steadychat usage', () => {
  it('shows a table per day with a bar chart, over the last 7 days by default', async () => {
    const { code, stdout } = await run(['usage']);
    expect(code).toBe(0);
    const today = new Date(now).toISOString().slice(0, 10);
    expect(stdout).toMatch(new RegExp(`${today}\\s+3\\s+1\\s+5,010\\s+3,000`));
    expect(stdout).toContain('█');
    expect(stdout).toMatch(/TOTAL\s+4\s+1\s+6,010\s+3,500/);
    expect(stdout).toContain('0.0100 CNY + 0.001500 USD + ?');
    expect(stdout).toContain('without a known price');
    // Older than 7 days: not counted.
    expect(stdout).not.toContain('9,999');
  });

  it('groups by model, and prints JSON and CSV', async () => {
    const json = JSON.parse((await run(['usage', '--by', 'model', '--since', '30d', '--json'])).stdout);
    expect(json.groups.map((g: { group: string }) => g.group)).toEqual([
      'gpt-4o-mini',
      'deepseek-chat',
      'my-llama',
    ]);
    expect(json.totals.cost).toEqual({ CNY: 0.01, USD: expect.closeTo(0.0015, 9) });
    const csv = (await run(['usage', '--by', 'key', '--csv'])).stdout.trim().split('\n');
    expect(csv[0]).toBe(
      'key,attempts,failed,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,total_tokens,cost_cny,cost_usd,unpriced_attempts',
    );
    expect(csv).toContain('k2,1,0,3000,1000,0,0,4000,0,0.00105,0');
  });

  it('speaks Chinese and rejects a bad --by as a usage error', async () => {
    expect((await run(['usage'], 'zh_CN.UTF-8')).stdout).toContain('合计');
    const bad = await run(['usage', '--by', 'week']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--by');
  });
});

describe('steadychat budget', () => {
  it('says when no budget is set, then sets and shows budgets', async () => {
    expect((await run(['budget', 'show'])).stdout).toContain('No budgets set');
    const set = await run(['budget', 'set', '--daily-tokens', '200000', '--monthly-cost', '10USD']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Budget saved.');
    await run(['budget', 'set', '--user', 'alice', '--daily-tokens', '5000']);
    const json = JSON.parse((await run(['budget', 'show', '--json'])).stdout);
    expect(json.budgets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ scope: 'global', period: 'day', tokensLimit: 200000 }),
        expect.objectContaining({
          scope: 'global',
          period: 'month',
          costLimit: { amount: 10, currency: 'USD' },
        }),
        expect.objectContaining({ scope: 'user', scopeId: 'alice', tokensLimit: 5000, usedTokens: 0 }),
      ]),
    );
    const shown = (await run(['budget', 'show'])).stdout;
    expect(shown).toMatch(/global\s+day\s+200,000 tok/);
    expect(shown).toContain('user alice');
  });

  it('removes a budget with "none" and refuses nonsense', async () => {
    await run(['budget', 'set', '--user', 'alice', '--daily-tokens', 'none']);
    expect((await run(['budget', 'show'])).stdout).not.toContain('alice');
    const bad = await run(['budget', 'set', '--monthly-cost', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('10USD');
    expect((await run(['budget', 'set'])).code).toBe(2);
  });
});
