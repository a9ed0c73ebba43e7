import type { Command } from 'commander';
import { loadSettings } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { createGatewayKey, createKeyStore, type GatewayKey, type KeyLimitsInput } from '../server/index.js';
import { openStore } from '../store/index.js';
import { createBudgetBook, parseMoney } from '../usage/index.js';
import type { RegisterCommand } from './commands.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';

interface CreateFlags {
  name: string;
  dailyTokens?: string;
  monthlyCost?: string;
  rpm?: string;
  tpm?: string;
  maxTokens?: string;
  models?: string;
}

/** `steadychat keys create | list | revoke`: the gateway's keys, in the store the gateway uses. */
export const registerKeysCommand: RegisterCommand = (program, io, setExitCode) => {
  const keys = program.command('keys').description('Manage gateway keys (sc-…): create, list, revoke');
  const langOf = (command: Command) =>
    detectLang(io.env, command.parent?.parent?.opts<{ lang?: string }>().lang);

  keys
    .command('create')
    .description('Create a key; it is printed once and stored only hashed')
    .requiredOption('--name <name>', 'who or what the key is for')
    .option('--daily-tokens <n>', 'tokens per day for this key')
    .option('--monthly-cost <money>', 'money per month for this key, e.g. 10USD or 70CNY')
    .option('--rpm <n>', 'requests per minute')
    .option('--tpm <n>', 'tokens per minute')
    .option('--max-tokens <n>', 'largest max_tokens a request may ask for')
    .option('--models <list>', 'comma-separated models the key may use (default: any)')
    .action(async (flags: CreateFlags, command: Command) => {
      const lang = langOf(command);
      const input: KeyLimitsInput = { name: flags.name };
      if (flags.dailyTokens !== undefined)
        input.dailyTokens = count(flags.dailyTokens, '--daily-tokens', lang);
      if (flags.rpm !== undefined) input.rpm = count(flags.rpm, '--rpm', lang);
      if (flags.tpm !== undefined) input.tpm = count(flags.tpm, '--tpm', lang);
      if (flags.maxTokens !== undefined) input.maxTokens = count(flags.maxTokens, '--max-tokens', lang);
      if (flags.monthlyCost !== undefined) {
        try {
          parseMoney(flags.monthlyCost);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        input.monthlyCost = flags.monthlyCost;
      }
      if (flags.models !== undefined) {
        input.models = flags.models
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
      }
      await withStore(io, async (store) => {
        const book = createBudgetBook({ store });
        const { key, secret } = await createGatewayKey(createKeyStore(store.db), book, input);
        io.stdout.write(
          [
            t(lang, `Created key ${key.id} (${key.name}).`, `已创建密钥 ${key.id}（${key.name}）。`),
            '',
            `  ${secret}`,
            '',
            t(
              lang,
              'Copy it now: it is shown only this once (only its hash is stored).',
              '请立即复制：它只显示这一次（只保存其哈希）。',
            ),
            '',
          ].join('\n'),
        );
      });
    });

  keys
    .command('list')
    .description('List keys (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const lang = langOf(command);
      await withStore(io, async (store) => {
        const list = await createKeyStore(store.db).list();
        if (flags.json) {
          io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (list.length === 0) {
          io.stdout.write(
            `${t(lang, 'No keys yet: steadychat keys create --name NAME', '还没有密钥：steadychat keys create --name NAME')}\n`,
          );
          return;
        }
        io.stdout.write(`${table(list, lang)}\n`);
      });
    });

  keys
    .command('revoke')
    .description('Revoke a key by id (it stops working at once)')
    .argument('<id>', 'key id (key_…)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const lang = langOf(command);
      await withStore(io, async (store) => {
        const revoked = await createKeyStore(store.db).revoke(id);
        if (!revoked) {
          io.stderr.write(
            `✗ ${t(lang, `No live key with id ${id} (see steadychat keys list).`, `没有 id 为 ${id} 的有效密钥（见 steadychat keys list）。`)}\n`,
          );
          setExitCode(1);
          return;
        }
        io.stdout.write(`${t(lang, `Revoked ${id}.`, `已吊销 ${id}。`)}\n`);
      });
    });
};

async function withStore(io: CliIo, run: (store: Awaited<ReturnType<typeof openStore>>) => Promise<void>) {
  const settings = loadSettings({ env: io.env, cwd: io.cwd });
  const store = await openStore({
    ...(settings.databaseUrl ? { url: settings.databaseUrl } : {}),
    home: settings.home,
  });
  try {
    await run(store);
  } finally {
    await store.close();
  }
}

function count(value: string, flag: string, lang: Lang): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(
      t(lang, `${flag} must be a whole number, not '${value}'.`, `${flag} 必须是整数，而不是 '${value}'。`),
    );
  }
  return n;
}

function table(list: GatewayKey[], lang: Lang): string {
  const head = [
    'id',
    t(lang, 'name', '名称'),
    t(lang, 'prefix', '前缀'),
    'rpm',
    t(lang, 'models', '模型'),
    t(lang, 'created', '创建时间'),
    t(lang, 'status', '状态'),
  ];
  const rows = list.map((k) => [
    k.id,
    k.name,
    `${k.prefix}…`,
    k.rpm === null ? '-' : String(k.rpm),
    k.models ? k.models.join(',') : t(lang, 'any', '任意'),
    new Date(k.createdAt).toISOString().slice(0, 16).replace('T', ' '),
    k.revokedAt === null ? t(lang, 'active', '有效') : t(lang, 'revoked', '已吊销'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
