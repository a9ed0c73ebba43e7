import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetLeftText } from '../../src/cli/budget-left.js';
import { main } from '../../src/cli/main.js';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { openStore } from '../../src/store/index.js';
import { createUsageLedger } from '../../src/usage/index.js';

let emulator: EmulatorHandle;
let home: string;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, replyTokens: 5 });
  home = mkdtempSync(join(tmpdir(), 'steadychat-chat-budget-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(home, { recursive: true, force: true });
});

async function run(args: string[], lines: string[] = []) {
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
  const code = await main(args, {
    stdin: Readable.from(lines.map((l) => `${l}\n`)),
    stdout,
    stderr,
    cwd: home,
    env: {
      OPENAI_BASE_URL: emulator.url,
      OPENAI_API_KEY: 'sk-test-chat-budget-1234',
      STEADYCHAT_HOME: home,
      STEADYCHAT_MAX_RETRIES: '0',
      LANG: 'C.UTF-8',
    },
  });
  return { code, out, err };
}

describe('chat goes through the budget and the ledger', () => {
  it('records each turn in the ledger, and refuses turns once the budget cannot cover them', async () => {
    const first = await run(['chat', '--session', 'b', '--model', 'gpt-4o-mini'], ['Hello there.']);
    expect(first.code).toBe(0);
    const usage = JSON.parse((await run(['usage', '--by', 'model', '--json'])).out);
    expect(usage.groups).toEqual([expect.objectContaining({ group: 'gpt-4o-mini', attempts: 1, failed: 0 })]);
    const store = await openStore({ home });
    const [row] = await createUsageLedger(store).entries({ since: 0 });
    await store.close();
    expect(row).toMatchObject({ upstream: new URL(emulator.url).host, outcome: 'ok', estimated: false });

    // A budget smaller than the worst case of a turn (the model's 16k maximum output) refuses it upfront.
    expect((await run(['budget', 'set', '--daily-tokens', '1000'])).code).toBe(0);
    const before = emulator.journal.requests('/v1/chat/completions').length;
    const refused = await run(['chat', '--session', 'b', '--model', 'gpt-4o-mini'], ['Another question.']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Budget exceeded');
    expect(emulator.journal.requests('/v1/chat/completions').length).toBe(before);
  });

  it('ask is budgeted and ledgered too', async () => {
    const ok = await run(['ask', '--no-stream', '--model', 'gpt-4o', '--max-tokens', '50', 'Hi?']);
    expect(ok.code).toBe(0);
    const usage = JSON.parse((await run(['usage', '--by', 'model', '--json'])).out);
    expect(usage.groups).toContainEqual(expect.objectContaining({ group: 'gpt-4o', attempts: 1 }));
    const refused = await run(['ask', '--no-stream', '--model', 'gpt-4o', 'Hi again?']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Budget exceeded');
  });

  it('words the budget left after a turn', () => {
    const text = budgetLeftText(
      {
        context: { requestId: 'r' },
        model: 'gpt-4o-mini',
        tokens: 100,
        cost: { amount: 0.001, currency: 'USD' },
        reservedTokens: 500,
        budgets: [
          {
            scope: 'global',
            scopeId: '*',
            period: 'day',
            periodKey: '2026-11-25',
            resetsAt: 0,
            tokensLimit: 200_000,
            costLimit: null,
            usedTokens: 5_000,
            reservedTokens: 0,
            usedCost: 0,
            reservedCost: 0,
            source: 'store',
          },
          {
            scope: 'global',
            scopeId: '*',
            period: 'month',
            periodKey: '2026-11',
            resetsAt: 0,
            tokensLimit: null,
            costLimit: { amount: 10, currency: 'USD' },
            usedTokens: 0,
            reservedTokens: 0,
            usedCost: 0.02,
            reservedCost: 0,
            source: 'config',
          },
        ],
      },
      'en',
    );
    expect(text).toBe('budget left: 195,000 tok today, 9.98 USD this month');
  });
});
