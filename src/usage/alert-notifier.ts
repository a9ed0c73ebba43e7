import type { BudgetPeriod, BudgetScope, BudgetUnit } from './budget-exceeded-error.js';
import { silentLogger, type UsageLogger } from './usage-logger.js';

/** A budget crossed one of its alert thresholds (sent once per threshold, scope and period). */
export interface BudgetAlert {
  scope: BudgetScope;
  scopeId: string;
  period: BudgetPeriod;
  periodKey: string;
  unit: BudgetUnit;
  /** Percent of the limit: 50, 80, 100… */
  threshold: number;
  used: number;
  limit: number;
  currency?: string;
  /** Epoch ms. */
  at: number;
}

/** Webhook body shapes. `json` is the alert itself. */
export type WebhookFormat = 'json' | 'dingtalk' | 'feishu' | 'slack';

/** Options of {@link createAlertNotifier}. */
export interface AlertNotifierOptions {
  /** Where alerts are POSTed; none = log lines only. */
  webhookUrl?: string;
  /**
   * Body shape. Guessed from the URL (oapi.dingtalk.com, open.feishu.cn / open.larksuite.com,
   * hooks.slack.com), else `json`.
   */
  format?: WebhookFormat;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default silent */
  logger?: UsageLogger;
  /**
   * Delivery attempts per alert.
   * @default 5
   */
  attempts?: number;
  /**
   * Delay before the 2nd attempt; doubles each time.
   * @default 1000
   */
  retryDelayMs?: number;
  /**
   * Timeout of one delivery attempt.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * Most alerts waiting for delivery; more are logged and dropped.
   * @default 1000
   */
  maxQueue?: number;
}

/** Sends alerts without ever blocking the caller. */
export interface AlertNotifier {
  /** Logs the alert now and queues its webhook delivery; returns at once. */
  notify(alert: BudgetAlert): void;
  /** Resolves when every queued delivery has succeeded or given up. */
  flush(): Promise<void>;
}

/** The one-line text of an alert (log line and chat-app webhooks). */
export function alertText(alert: BudgetAlert): string {
  const who = alert.scope === 'global' ? 'global' : `${alert.scope} ${alert.scopeId}`;
  const fmt = (v: number) =>
    alert.unit === 'tokens' ? `${Math.round(v)} tokens` : `${v.toFixed(4)} ${alert.currency ?? ''}`.trim();
  return `steadychat budget alert: ${who} ${alert.period === 'day' ? 'daily' : 'monthly'} ${alert.unit === 'tokens' ? 'token' : 'money'} budget at ${alert.threshold}% (${fmt(alert.used)} of ${fmt(alert.limit)}, ${alert.periodKey}).`;
}

/** The webhook body of an alert in a given shape. */
export function webhookPayload(alert: BudgetAlert, format: WebhookFormat): unknown {
  const text = alertText(alert);
  switch (format) {
    case 'dingtalk':
      return { msgtype: 'text', text: { content: text } };
    case 'feishu':
      return { msg_type: 'text', content: { text } };
    case 'slack':
      return { text };
    default:
      return { type: 'budget.threshold', text, ...alert, at: new Date(alert.at).toISOString() };
  }
}

/** Guesses the body shape from the webhook's host. */
export function guessWebhookFormat(url: string): WebhookFormat {
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    return 'json';
  }
  if (host.endsWith('dingtalk.com')) return 'dingtalk';
  if (host.endsWith('feishu.cn') || host.endsWith('larksuite.com')) return 'feishu';
  if (host.endsWith('slack.com')) return 'slack';
  return 'json';
}

/**
 * Logs each alert and delivers it to the webhook in the background, retrying with exponential
 * backoff on network errors, 429 and 5xx. Nothing here is awaited by a chat call.
 */
export function createAlertNotifier(options: AlertNotifierOptions = {}): AlertNotifier {
  const logger = options.logger ?? silentLogger;
  const doFetch = options.fetch ?? globalThis.fetch;
  const attempts = Math.max(1, options.attempts ?? 5);
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxQueue = options.maxQueue ?? 1000;
  const url = options.webhookUrl;
  const format = options.format ?? (url ? guessWebhookFormat(url) : 'json');
  const pending = new Set<Promise<void>>();

  async function deliver(alert: BudgetAlert): Promise<void> {
    const body = JSON.stringify(webhookPayload(alert, format));
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let retryable = true;
      let problem = '';
      try {
        const response = await doFetch(url!, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        retryable = response.status === 429 || response.status >= 500;
        problem = `HTTP ${response.status}`;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      if (!retryable || attempt === attempts) {
        logger.warn({ attempt, problem }, `Budget alert webhook failed; giving up: ${problem}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
    }
  }

  return {
    notify(alert) {
      logger.warn({ alert }, alertText(alert));
      if (!url) return;
      if (pending.size >= maxQueue) {
        logger.warn({ alert }, 'Budget alert webhook queue is full; this alert is not delivered.');
        return;
      }
      const job = deliver(alert).catch(() => undefined);
      pending.add(job);
      void job.finally(() => pending.delete(job));
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
