import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import {
  type BudgetAlert,
  createAlertNotifier,
  createBudgetBook,
  guessWebhookFormat,
  webhookPayload,
} from '../../src/usage/index.js';
import { createSqliteDatabase, type TestDatabase } from '../store/test-databases.js';

interface Receiver {
  url: string;
  bodies: unknown[];
  attempts: number;
  close(): Promise<void>;
}

/** A local webhook receiver that answers 503 to the first `failFirst` deliveries. */
async function startReceiver(failFirst: number): Promise<Receiver> {
  const state = { bodies: [] as unknown[], attempts: 0 };
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    state.attempts++;
    if (state.attempts <= failFirst) {
      res.writeHead(503).end('busy');
      return;
    }
    state.bodies.push(JSON.parse(text));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get bodies() {
      return state.bodies;
    },
    get attempts() {
      return state.attempts;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const alert: BudgetAlert = {
  scope: 'user',
  scopeId: 'alice',
  period: 'day',
  periodKey: '2026-11-25',
  unit: 'tokens',
  threshold: 80,
  used: 800,
  limit: 1000,
  at: Date.UTC(2026, 10, 25),
};

describe('budget alerts', () => {
  let receiver: Receiver | undefined;
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await receiver?.close();
    await store?.close();
    await database?.drop();
    receiver = undefined;
    store = undefined;
    database = undefined;
  });

  it('delivers to the webhook after a failed first attempt, without blocking the caller', async () => {
    receiver = await startReceiver(1);
    const notifier = createAlertNotifier({ webhookUrl: receiver.url, retryDelayMs: 20 });
    notifier.notify(alert);
    // notify() returned before any delivery happened.
    expect(receiver.attempts).toBe(0);
    await notifier.flush();
    expect(receiver.attempts).toBe(2);
    expect(receiver.bodies).toEqual([
      expect.objectContaining({ type: 'budget.threshold', scope: 'user', scopeId: 'alice', threshold: 80 }),
    ]);
  });

  it('gives up after the configured attempts and logs it', async () => {
    receiver = await startReceiver(100);
    const warnings: string[] = [];
    const notifier = createAlertNotifier({
      webhookUrl: receiver.url,
      retryDelayMs: 5,
      attempts: 3,
      logger: { info() {}, warn: (_f, m) => warnings.push(m) },
    });
    notifier.notify(alert);
    await notifier.flush();
    expect(receiver.attempts).toBe(3);
    expect(warnings.some((w) => w.includes('giving up'))).toBe(true);
  });

  it('speaks DingTalk, Feishu/Lark and Slack', () => {
    expect(guessWebhookFormat('https://oapi.dingtalk.com/robot/send?access_token=x')).toBe('dingtalk');
    expect(guessWebhookFormat('https://open.feishu.cn/open-apis/bot/v2/hook/x')).toBe('feishu');
    expect(guessWebhookFormat('https://open.larksuite.com/open-apis/bot/v2/hook/x')).toBe('feishu');
    expect(guessWebhookFormat('https://hooks.slack.com/services/x')).toBe('slack');
    expect(webhookPayload(alert, 'dingtalk')).toEqual({
      msgtype: 'text',
      text: { content: expect.stringContaining('80%') },
    });
    expect(webhookPayload(alert, 'feishu')).toEqual({
      msg_type: 'text',
      content: { text: expect.stringContaining('alice') },
    });
    expect(webhookPayload(alert, 'slack')).toEqual({ text: expect.stringContaining('daily') });
  });

  it('alerts at 50, 80 and 100 percent once per period, and again in the next period', async () => {
    database = createSqliteDatabase();
    store = await openStore({ url: database.url });
    receiver = await startReceiver(0);
    let now = Date.UTC(2026, 10, 25, 10);
    const notifier = createAlertNotifier({ webhookUrl: receiver.url, retryDelayMs: 5 });
    const book = createBudgetBook({
      store,
      timeZone: 'UTC',
      clock: () => now,
      notifier,
      limits: [{ scope: 'global', scopeId: '*', period: 'day', tokens: 1000 }],
    });
    const spend = async (tokens: number) => {
      const r = await book.reserve({ scopes: {}, model: 'gpt-4o-mini', tokens, cost: null });
      await book.settle(r, { tokens, cost: null });
    };
    await spend(300); // 30%
    await spend(300); // 60% → 50
    await spend(100); // 70%
    await spend(150); // 85% → 80
    await spend(150); // 100% → 100
    await notifier.flush();
    const thresholds = (receiver.bodies as Array<{ threshold: number }>).map((b) => b.threshold);
    expect(thresholds).toEqual([50, 80, 100]);
    // The next day starts from zero and alerts again.
    now += 86_400_000;
    await spend(600);
    await notifier.flush();
    expect((receiver.bodies as Array<{ threshold: number; periodKey: string }>).slice(3)).toEqual([
      expect.objectContaining({ threshold: 50, periodKey: '2026-11-26' }),
    ]);
  });
});
