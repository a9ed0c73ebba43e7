import type { Command } from 'commander';
import { loadSettings, type Settings } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { openStore, type Store } from '../store/index.js';
import {
  type BudgetBook,
  type BudgetPeriod,
  type BudgetScope,
  type BudgetStatus,
  createBudgetBook,
  type Money,
  parseBudgetConfig,
  parseMoney,
} from '../usage/index.js';
import type { RegisterCommand } from './commands.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';
import { formatInt, formatMoney, renderTable } from './usage-table.js';

interface CommonFlags {
  config?: string;
}

interface SetFlags extends CommonFlags {
  dailyTokens?: string;
  monthlyTokens?: string;
  dailyCost?: string;
  monthlyCost?: string;
  user?: string;
  key?: string;
  conversation?: string;
  each?: string;
}

async function withBook<T>(
  io: CliIo,
  flags: CommonFlags,
  fn: (book: BudgetBook, settings: Settings) => Promise<T>,
): Promise<T> {
  const settings = loadSettings({
    env: io.env,
    cwd: io.cwd,
    ...(flags.config === undefined ? {} : { configFile: flags.config }),
  });
  const config = parseBudgetConfig(settings.file.budgets);
  const store: Store = await openStore({
    home: settings.home,
    ...(settings.databaseUrl ? { url: settings.databaseUrl } : {}),
  });
  try {
    const book = createBudgetBook({
      store,
      limits: config.limits,
      ...(config.timeZone ? { timeZone: config.timeZone } : {}),
    });
    return await fn(book, settings);
  } finally {
    await store.close();
  }
}

/** `steadychat budget show` / `steadychat budget set …`. */
export const registerBudgetCommand: RegisterCommand = (program, io) => {
  const budget = program
    .command('budget')
    .description('Show or set token and money budgets (enforced before every call)');
  const langOf = (command: Command) =>
    command.parent?.parent?.opts<{ lang?: string }>().lang ?? command.parent?.opts<{ lang?: string }>().lang;

  budget
    .command('show')
    .description('Budgets in force, what is used and held this period, and when each resets')
    .option('--json', 'print JSON')
    .option('--config <file>', 'config file to read')
    .action(async (flags: CommonFlags & { json?: boolean }, command: Command) => {
      await withBook(io, flags, async (book, settings) => {
        const lang = detectLang(io.env, langOf(command) ?? settings.lang);
        const status = await book.status();
        if (flags.json) {
          io.stdout.write(`${JSON.stringify({ timeZone: book.timeZone, budgets: status }, null, 2)}\n`);
          return;
        }
        io.stdout.write(`${renderStatus(status, book.timeZone, lang)}\n`);
      });
    });

  budget
    .command('set')
    .description('Set budgets in the store (they override the config file); "none" removes one')
    .option('--daily-tokens <n>', 'tokens per day')
    .option('--monthly-tokens <n>', 'tokens per month')
    .option('--daily-cost <money>', 'money per day, e.g. 1USD or 7CNY')
    .option('--monthly-cost <money>', 'money per month, e.g. 10USD')
    .option('--user <id>', 'for this user (default: global)')
    .option('--key <id>', 'for this gateway key')
    .option('--conversation <id>', 'for this conversation')
    .option('--each <scope>', 'for each user, key or conversation separately')
    .option('--config <file>', 'config file to read')
    .action(async (flags: SetFlags, command: Command) => {
      await withBook(io, flags, async (book, settings) => {
        const lang = detectLang(io.env, langOf(command) ?? settings.lang);
        const { scope, scopeId } = scopeOf(flags, lang);
        const changes: Array<{ period: BudgetPeriod; tokens?: number | null; cost?: Money | null }> = [];
        const day: { period: BudgetPeriod; tokens?: number | null; cost?: Money | null } = { period: 'day' };
        const month: { period: BudgetPeriod; tokens?: number | null; cost?: Money | null } = {
          period: 'month',
        };
        if (flags.dailyTokens !== undefined) day.tokens = tokensOf(flags.dailyTokens, '--daily-tokens', lang);
        if (flags.monthlyTokens !== undefined)
          month.tokens = tokensOf(flags.monthlyTokens, '--monthly-tokens', lang);
        if (flags.dailyCost !== undefined) day.cost = moneyOf(flags.dailyCost, lang);
        if (flags.monthlyCost !== undefined) month.cost = moneyOf(flags.monthlyCost, lang);
        for (const c of [day, month]) if (c.tokens !== undefined || c.cost !== undefined) changes.push(c);
        if (changes.length === 0) {
          throw new UsageError(t(lang, 'Nothing to set.', '没有要设置的内容。'), {
            hint: t(
              lang,
              'Example: steadychat budget set --daily-tokens 200000 --monthly-cost 10USD',
              '例如：steadychat budget set --daily-tokens 200000 --monthly-cost 10USD',
            ),
          });
        }
        for (const change of changes) await book.setLimit({ scope, scopeId, ...change });
        const status = (await book.status()).filter(
          (s) => s.scope === scope && (s.scopeId === scopeId || scope === 'global'),
        );
        io.stdout.write(
          `${t(lang, 'Budget saved.', '预算已保存。')}\n\n${renderStatus(status, book.timeZone, lang)}\n`,
        );
      });
    });
};

function scopeOf(flags: SetFlags, lang: Lang): { scope: BudgetScope; scopeId: string } {
  const given = [
    flags.user !== undefined ? { scope: 'user' as const, scopeId: flags.user } : null,
    flags.key !== undefined ? { scope: 'key' as const, scopeId: flags.key } : null,
    flags.conversation !== undefined ? { scope: 'conversation' as const, scopeId: flags.conversation } : null,
    flags.each !== undefined ? eachScope(flags.each, lang) : null,
  ].filter((x) => x !== null);
  if (given.length > 1) {
    throw new UsageError(
      t(
        lang,
        'Give at most one of --user, --key, --conversation, --each.',
        '--user、--key、--conversation、--each 最多只能给一个。',
      ),
    );
  }
  return given[0] ?? { scope: 'global', scopeId: '*' };
}

function eachScope(value: string, lang: Lang): { scope: BudgetScope; scopeId: string } {
  if (value === 'user' || value === 'key' || value === 'conversation') return { scope: value, scopeId: '*' };
  throw new UsageError(
    t(lang, '--each must be user, key or conversation.', '--each 只能是 user、key 或 conversation。'),
  );
}

function isNone(value: string): boolean {
  return /^(none|off|unset)$/i.test(value.trim());
}

function tokensOf(value: string, flag: string, lang: Lang): number | null {
  if (isNone(value)) return null;
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(
      t(lang, `${flag} needs a whole number of tokens or "none".`, `${flag} 需要整数 token 数或 "none"。`),
    );
  }
  return n;
}

function moneyOf(value: string, lang: Lang): Money | null {
  if (isNone(value)) return null;
  try {
    return parseMoney(value);
  } catch (error) {
    throw new UsageError(
      t(
        lang,
        `Cannot read "${value}" as money: write it like 10USD, 70CNY or $10.`,
        `无法把“${value}”解析为金额：请写成 10USD、70CNY 或 $10 的形式。`,
      ),
      {
        cause: error,
        hint: t(lang, 'Write it like 10USD, 70CNY or $10.', '请写成 10USD、70CNY 或 $10 的形式。'),
      },
    );
  }
}

function renderStatus(status: BudgetStatus[], timeZone: string, lang: Lang): string {
  if (status.length === 0) {
    return t(
      lang,
      'No budgets set: calls are not limited. Set one with `steadychat budget set --daily-tokens N` or in the config file.',
      '未设置预算：调用不受限制。可用 `steadychat budget set --daily-tokens N` 或在配置文件中设置。',
    );
  }
  const who = (s: BudgetStatus) =>
    s.scope === 'global'
      ? t(lang, 'global', '全局')
      : `${s.scope} ${s.scopeId === '*' ? t(lang, '(each)', '（每个）') : s.scopeId}`;
  const rows = status.map((s) => {
    const cells: string[] = [who(s), s.period === 'day' ? t(lang, 'day', '日') : t(lang, 'month', '月')];
    const limit: string[] = [];
    const used: string[] = [];
    const held: string[] = [];
    const left: string[] = [];
    if (s.tokensLimit !== null) {
      limit.push(`${formatInt(s.tokensLimit)} tok`);
      used.push(`${formatInt(s.usedTokens)} tok`);
      held.push(`${formatInt(s.reservedTokens)} tok`);
      left.push(`${formatInt(Math.max(0, s.tokensLimit - s.usedTokens - s.reservedTokens))} tok`);
    }
    if (s.costLimit !== null) {
      const c = s.costLimit.currency;
      limit.push(formatMoney(s.costLimit.amount, c));
      used.push(formatMoney(s.usedCost, c));
      held.push(formatMoney(s.reservedCost, c));
      left.push(formatMoney(Math.max(0, s.costLimit.amount - s.usedCost - s.reservedCost), c));
    }
    const resets = new Date(s.resetsAt).toISOString().slice(0, 16).replace('T', ' ');
    const source = s.source === 'store' ? t(lang, 'set', '命令') : t(lang, 'config', '配置');
    return [
      ...cells,
      limit.join(' / '),
      used.join(' / '),
      held.join(' / '),
      left.join(' / '),
      `${resets} UTC`,
      source,
    ];
  });
  const header = [
    t(lang, 'BUDGET', '预算'),
    t(lang, 'PERIOD', '周期'),
    t(lang, 'LIMIT', '限额'),
    t(lang, 'USED', '已用'),
    t(lang, 'IN FLIGHT', '占用中'),
    t(lang, 'LEFT', '剩余'),
    t(lang, 'RESETS', '重置时间'),
    t(lang, 'FROM', '来源'),
  ];
  return `${t(lang, `Time zone: ${timeZone}`, `时区：${timeZone}`)}\n\n${renderTable(header, rows, (i) => i >= 2 && i <= 5)}`;
}
