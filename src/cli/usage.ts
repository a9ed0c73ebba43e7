import type { Command } from 'commander';
import { loadSettings } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { openStore } from '../store/index.js';
import {
  createUsageLedger,
  emptyUsageGroup,
  parseBudgetConfig,
  periodBounds,
  systemTimeZone,
  type UsageGroup,
  type UsageGrouping,
} from '../usage/index.js';
import type { RegisterCommand } from './commands.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';
import { bar, formatInt, formatMoney, renderTable } from './usage-table.js';

interface UsageFlags {
  since: string;
  until?: string;
  by: string;
  key?: string;
  user?: string;
  conversation?: string;
  json?: boolean;
  csv?: boolean;
  config?: string;
}

const GROUPINGS = new Set(['day', 'model', 'key', 'user', 'conversation']);
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Reads `7d`, `24h`, `30m`, `2w`, or a date / date-time, as epoch ms. */
export function parseSince(value: string, now: number, lang: Lang): number {
  const relative = /^(\d+)\s*([mhdw])$/i.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!.toLowerCase()]!;
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return date;
  throw new UsageError(t(lang, `Cannot read "${value}" as a time.`, `无法把“${value}”解析为时间。`), {
    hint: t(
      lang,
      'Use 7d, 24h, 30m, 2w or a date like 2026-11-01.',
      '请使用 7d、24h、30m、2w 或 2026-11-01 这样的日期。',
    ),
  });
}

/** `steadychat usage`: tokens and cost over time from the ledger, as a table and a bar chart. */
export const registerUsageCommand: RegisterCommand = (program, io) => {
  program
    .command('usage')
    .description('Tokens and cost over time from the usage ledger: a table and a bar chart')
    .option('--since <when>', 'start: 7d, 24h, 30m, 2w or a date', '7d')
    .option('--until <when>', 'end: same forms (default: now)')
    .option('--by <what>', 'group by day, model, key, user or conversation', 'day')
    .option('--key <id>', 'only this gateway key')
    .option('--user <id>', 'only this user')
    .option('--conversation <id>', 'only this conversation')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--config <file>', 'config file to read')
    .action(async (flags: UsageFlags, command: Command) => {
      await runUsage(flags, io, command.parent?.opts<{ lang?: string }>().lang);
    });
};

async function runUsage(flags: UsageFlags, io: CliIo, langFlag: string | undefined): Promise<void> {
  const settings = loadSettings({
    env: io.env,
    cwd: io.cwd,
    ...(flags.config === undefined ? {} : { configFile: flags.config }),
  });
  const lang = detectLang(io.env, langFlag ?? settings.lang);
  if (!GROUPINGS.has(flags.by)) {
    throw new UsageError(
      t(
        lang,
        `--by must be day, model, key, user or conversation, not "${flags.by}".`,
        `--by 只能是 day、model、key、user 或 conversation，而不是“${flags.by}”。`,
      ),
    );
  }
  const now = Date.now();
  const since = parseSince(flags.since, now, lang);
  const until = flags.until ? parseSince(flags.until, now, lang) : now;
  const timeZone = parseBudgetConfig(settings.file.budgets).timeZone ?? systemTimeZone();
  const by = flags.by as UsageGrouping;
  const store = await openStore({
    home: settings.home,
    ...(settings.databaseUrl ? { url: settings.databaseUrl } : {}),
  });
  let groups: UsageGroup[];
  try {
    const ledger = createUsageLedger(store);
    groups = await ledger.summarize({
      since,
      until,
      by,
      timeZone,
      ...(flags.key ? { keyId: flags.key } : {}),
      ...(flags.user ? { userId: flags.user } : {}),
      ...(flags.conversation ? { conversationId: flags.conversation } : {}),
    });
  } finally {
    await store.close();
  }
  if (by === 'day') groups = fillDays(groups, since, until, timeZone);
  const totals = total(groups);

  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({ since: new Date(since).toISOString(), until: new Date(until).toISOString(), by, timeZone, groups, totals }, null, 2)}\n`,
    );
    return;
  }
  const currencies = [...new Set(groups.flatMap((g) => Object.keys(g.cost)))].sort();
  if (flags.csv) {
    const header = [
      by,
      'attempts',
      'failed',
      'prompt_tokens',
      'completion_tokens',
      'cached_tokens',
      'reasoning_tokens',
      'total_tokens',
      ...currencies.map((c) => `cost_${c.toLowerCase()}`),
      'unpriced_attempts',
    ];
    const lines = [header.join(',')];
    for (const g of groups) {
      lines.push(
        [
          csvCell(g.group),
          g.attempts,
          g.failed,
          g.promptTokens,
          g.completionTokens,
          g.cachedTokens,
          g.reasoningTokens,
          g.totalTokens,
          ...currencies.map((c) => g.cost[c] ?? 0),
          g.unpriced,
        ].join(','),
      );
    }
    io.stdout.write(`${lines.join('\n')}\n`);
    return;
  }

  const out: string[] = [];
  out.push(
    t(
      lang,
      `Usage from ${new Date(since).toISOString().slice(0, 16).replace('T', ' ')} to ${new Date(until).toISOString().slice(0, 16).replace('T', ' ')} UTC, by ${by}${by === 'day' ? ` (${timeZone})` : ''}`,
      `用量：${new Date(since).toISOString().slice(0, 16).replace('T', ' ')} 至 ${new Date(until).toISOString().slice(0, 16).replace('T', ' ')} UTC，按${groupName(by, 'zh')}${by === 'day' ? `（${timeZone}）` : ''}`,
    ),
    '',
  );
  if (totals.attempts === 0) {
    out.push(t(lang, 'No calls recorded in this period.', '这段时间没有调用记录。'));
    io.stdout.write(`${out.join('\n')}\n`);
    return;
  }
  const header = [
    groupName(by, lang).toUpperCase(),
    t(lang, 'CALLS', '调用'),
    t(lang, 'FAILED', '失败'),
    t(lang, 'PROMPT', '输入'),
    t(lang, 'COMPLETION', '输出'),
    t(lang, 'CACHED', '缓存'),
    t(lang, 'TOKENS', '总 token'),
    t(lang, 'COST', '费用'),
  ];
  const row = (g: UsageGroup) => [
    g.group,
    formatInt(g.attempts),
    formatInt(g.failed),
    formatInt(g.promptTokens),
    formatInt(g.completionTokens),
    formatInt(g.cachedTokens),
    formatInt(g.totalTokens),
    costText(g, lang),
  ];
  out.push(
    renderTable(
      header,
      [...groups.map(row), row({ ...totals, group: t(lang, 'TOTAL', '合计') })],
      (i) => i > 0,
    ),
  );
  out.push('', t(lang, 'Tokens:', 'Token 用量：'));
  const max = Math.max(...groups.map((g) => g.totalTokens));
  const labelWidth = Math.max(...groups.map((g) => g.group.length));
  for (const g of groups) {
    out.push(`${g.group.padEnd(labelWidth)} │${bar(g.totalTokens, max, 40)} ${formatInt(g.totalTokens)}`);
  }
  if (totals.unpriced > 0) {
    out.push(
      '',
      t(
        lang,
        `${totals.unpriced} call(s) used a model without a known price: their cost is unknown (add it under "prices" in the config file).`,
        `${totals.unpriced} 次调用使用了未知价格的模型，费用未知（可在配置文件的 prices 中添加）。`,
      ),
    );
  }
  io.stdout.write(`${out.join('\n')}\n`);
}

function groupName(by: UsageGrouping, lang: Lang): string {
  const names: Record<UsageGrouping, [string, string]> = {
    day: ['day', '日期'],
    model: ['model', '模型'],
    key: ['key', '密钥'],
    user: ['user', '用户'],
    conversation: ['conversation', '会话'],
  };
  return names[by][lang === 'zh' ? 1 : 0];
}

function costText(g: UsageGroup, lang: Lang): string {
  const parts = Object.entries(g.cost)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([c, v]) => formatMoney(v, c));
  if (g.attempts === 0) return '—';
  if (parts.length === 0) return g.unpriced > 0 ? t(lang, 'unknown', '未知') : formatMoney(0, 'USD');
  return parts.join(' + ') + (g.unpriced > 0 ? ' + ?' : '');
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function total(groups: UsageGroup[]): UsageGroup {
  const sum = emptyUsageGroup('total');
  for (const g of groups) {
    sum.attempts += g.attempts;
    sum.failed += g.failed;
    sum.promptTokens += g.promptTokens;
    sum.completionTokens += g.completionTokens;
    sum.cachedTokens += g.cachedTokens;
    sum.reasoningTokens += g.reasoningTokens;
    sum.totalTokens += g.totalTokens;
    sum.unpriced += g.unpriced;
    for (const [c, v] of Object.entries(g.cost)) sum.cost[c] = (sum.cost[c] ?? 0) + v;
  }
  return sum;
}

/** Every day of the range, the empty ones included, so the chart shows gaps. */
function fillDays(groups: UsageGroup[], since: number, until: number, timeZone: string): UsageGroup[] {
  const byDay = new Map(groups.map((g) => [g.group, g]));
  const out: UsageGroup[] = [];
  let cursor = since;
  for (let i = 0; i < 400 && cursor < until; i++) {
    const day = periodBounds('day', cursor, timeZone);
    out.push(byDay.get(day.key) ?? emptyUsageGroup(day.key));
    cursor = day.end;
  }
  return out.length > 0 ? out : groups;
}
