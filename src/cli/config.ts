import { relative } from 'node:path';
import type { Command } from 'commander';
import {
  configFileSchema,
  describeSettings,
  loadSettings,
  type SettingSource,
  type Settings,
} from '../config/index.js';
import type { RegisterCommand } from './commands.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';

/** `steadychat config`: the effective settings, secrets masked, each with where it came from. */
export const registerConfigCommand: RegisterCommand = (program, io) => {
  program
    .command('config')
    .description('Show the effective settings (secrets masked) and where each value came from')
    .option('--json', 'print JSON instead of a table')
    .option('--schema', "print the config file's JSON Schema (for editors) and exit")
    .option('--config <file>', 'config file to read (default: STEADYCHAT_CONFIG, ./steadychat.config.json)')
    .action((opts: { json?: boolean; schema?: boolean; config?: string }, command: Command) => {
      if (opts.schema) {
        io.stdout.write(`${JSON.stringify(configFileSchema(), null, 2)}\n`);
        return;
      }
      const settings = loadSettings({
        env: io.env,
        cwd: io.cwd,
        ...(opts.config === undefined ? {} : { configFile: opts.config }),
      });
      const globalLang = command.parent?.opts<{ lang?: string }>().lang;
      const lang = detectLang(io.env, globalLang ?? settings.lang);
      if (opts.json) {
        io.stdout.write(`${JSON.stringify(toJson(settings), null, 2)}\n`);
        return;
      }
      printTable(settings, io, lang);
    });
};

function toJson(settings: Settings): unknown {
  return {
    configFile: settings.configFile ?? null,
    envFile: settings.envFile ?? null,
    settings: describeSettings(settings).map((row) => ({
      key: row.key,
      value: row.typed,
      source: row.source ?? null,
      ...(row.env ? { env: row.env } : {}),
    })),
    warnings: settings.warnings.map((w) => ({ key: w.key, message: w.message })),
  };
}

function printTable(settings: Settings, io: CliIo, lang: Lang): void {
  const rows = describeSettings(settings).map((row) => [
    row.key,
    row.value === '' ? '—' : row.value,
    row.source
      ? sourceLabel(row.source, io.cwd, lang)
      : t(lang, `not set (${row.env ?? ''})`, `未设置（${row.env ?? ''}）`),
  ]);
  const header = [t(lang, 'SETTING', '设置项'), t(lang, 'VALUE', '值'), t(lang, 'SOURCE', '来源')];
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - width(c))))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(
    settings.configFile
      ? t(lang, `Config file: ${settings.configFile}`, `配置文件：${settings.configFile}`)
      : t(
          lang,
          'Config file: none (STEADYCHAT_CONFIG, ./steadychat.config.json or $STEADYCHAT_HOME/config.json)',
          '配置文件：无（STEADYCHAT_CONFIG、./steadychat.config.json 或 $STEADYCHAT_HOME/config.json）',
        ),
    settings.envFile
      ? t(lang, `Env file: ${settings.envFile}`, `.env 文件：${settings.envFile}`)
      : t(lang, 'Env file: none (./.env)', '.env 文件：无（./.env）'),
    '',
    line(header),
    ...rows.map(line),
  );
  if (settings.warnings.length > 0) {
    out.push('', t(lang, 'Warnings:', '警告：'));
    for (const w of settings.warnings) out.push(`  ! ${lang === 'zh' ? w.messageZh : w.message}`);
  }
  io.stdout.write(`${out.join('\n')}\n`);
}

function sourceLabel(source: SettingSource, cwd: string, lang: Lang): string {
  const shortPath = (file: string | undefined) => {
    if (!file) return '';
    const rel = relative(cwd, file);
    return rel && !rel.startsWith('..') ? `./${rel}` : file;
  };
  switch (source.from) {
    case 'default':
      return t(lang, 'default', '默认值');
    case 'env':
      return t(lang, `env ${source.name}`, `环境变量 ${source.name}`);
    case 'dotenv':
      return `${shortPath(source.file)} ${source.name}`;
    case 'file':
      return t(
        lang,
        `file ${shortPath(source.file)} (${source.name})`,
        `配置文件 ${shortPath(source.file)}（${source.name}）`,
      );
    case 'flag':
      return t(lang, `flag ${source.name}`, `命令行参数 ${source.name}`);
  }
}

/** Display width: CJK and full-width characters take two columns. */
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}
