import type { Command } from 'commander';
import { loadSettings } from '../config/index.js';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '../emulator/index.js';
import { UsageError } from '../errors/index.js';
import { modelsFromConfig } from '../tokens/index.js';
import type { RegisterCommand } from './commands.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';
import { waitForSignal } from './wait-for-signal.js';

interface EmulatorFlags {
  port: string;
  host: string;
  rpm?: string;
  tpm?: string;
  seed?: string;
  invalidKey: string[];
  auth: boolean;
  reply?: string;
  replyTokens?: string;
  ttft?: string;
  chunkDelay?: string;
  strict?: boolean;
  acceptUnknownModels?: boolean;
  config?: string;
}

/** `steadychat emulator`: the offline OpenAI stand-in, until Ctrl+C / SIGTERM. */
export const registerEmulatorCommand: RegisterCommand = (program, io) => {
  program
    .command('emulator')
    .description('Run an offline OpenAI-compatible emulator (chat completions, models, fault injection)')
    .option('--port <n>', 'TCP port (0 picks a free one)', '4010')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--rpm <n>', 'requests per minute per API key (429 type "requests" beyond)')
    .option('--tpm <n>', 'tokens per minute per API key (429 type "tokens" beyond)')
    .option('--seed <n>', 'seed of the deterministic replies', '0')
    .option('--invalid-key <key>', 'answer this key with 401 invalid_api_key (repeatable)', collect, [])
    .option('--no-auth', 'accept requests without an Authorization header')
    .option('--reply <mode>', 'lorem (seeded words), echo (the last user message) or refusal', 'lorem')
    .option('--reply-tokens <n>', 'length of a lorem reply in tokens', '16')
    .option('--ttft <ms>', 'delay before the first token', '0')
    .option('--chunk-delay <ms>', 'delay between streamed chunks', '0')
    .option('--strict', 'reject unknown request fields like the real API does for typos')
    .option('--accept-unknown-models', 'serve any model name instead of answering 404')
    .option('--config <file>', 'config file whose "models" section extends the model table')
    .action(async (flags: EmulatorFlags, command: Command) => {
      const lang = detectLang(io.env, command.parent?.opts<{ lang?: string }>().lang);
      const options = toOptions(flags, lang);
      // Only the config file's "models" section matters here; a broken config still fails loudly.
      const settings = loadSettings({
        env: io.env,
        cwd: io.cwd,
        ...(flags.config === undefined ? {} : { configFile: flags.config }),
      });
      const models = modelsFromConfig(settings.file.models);
      if (models.length > 0) options.models = models;
      await runEmulator(options, io, lang, waitForSignal());
    });
};

/**
 * Starts the emulator, prints how to use it, and stops cleanly when `until` resolves.
 * @internal exported for tests
 */
export async function runEmulator(
  options: EmulatorOptions,
  io: CliIo,
  lang: Lang,
  until: Promise<unknown>,
): Promise<EmulatorHandle> {
  const emulator = await startEmulator(options);
  const root = emulator.url.replace(/\/v1$/, '');
  const loopback = /^(127\.|::1$|::ffff:127\.|localhost$)/.test(emulator.host);
  if (!loopback) {
    io.stderr.write(
      `${t(
        lang,
        `! listening on ${emulator.host}: other machines can reach this emulator${options.requireAuth === false ? ' without any key' : ''}.`,
        `! 正在监听 ${emulator.host}：其他机器也能访问这个模拟器${options.requireAuth === false ? '，且无需任何密钥' : ''}。`,
      )}
`,
    );
  }
  io.stdout.write(
    [
      t(lang, `steadychat emulator listening on ${emulator.url}`, `steadychat 模拟器已启动：${emulator.url}`),
      '',
      t(lang, '  Point the official SDKs at it:', '  让官方 SDK 指向它：'),
      `    export OPENAI_BASE_URL=${emulator.url}`,
      '    export OPENAI_API_KEY=sk-emulator',
      `    new OpenAI({ baseURL: '${emulator.url}', apiKey: 'sk-emulator' })`,
      '',
      t(
        lang,
        `  Requests received: GET ${root}/emulator/requests`,
        `  已收到的请求：GET ${root}/emulator/requests`,
      ),
      t(
        lang,
        '  Faults: header x-emulator-fault (see docs/emulator.md)',
        '  故障注入：请求头 x-emulator-fault（见 docs/emulator.md）',
      ),
      t(lang, '  Press Ctrl+C to stop.', '  按 Ctrl+C 停止。'),
      '',
    ].join('\n'),
  );
  await until;
  await emulator.close();
  io.stdout.write(`${t(lang, 'emulator stopped', '模拟器已停止')}\n`);
  return emulator;
}

function toOptions(flags: EmulatorFlags, lang: Lang): EmulatorOptions {
  const options: EmulatorOptions = {
    port: integer(flags.port, '--port', lang, 0, 65_535),
    host: flags.host,
    seed: integer(flags.seed ?? '0', '--seed', lang, -(2 ** 31), 2 ** 32),
    invalidKeys: flags.invalidKey,
    requireAuth: flags.auth,
    replyTokens: integer(flags.replyTokens ?? '16', '--reply-tokens', lang, 0, 1_000_000),
    timeToFirstTokenMs: integer(flags.ttft ?? '0', '--ttft', lang, 0, 600_000),
    interChunkDelayMs: integer(flags.chunkDelay ?? '0', '--chunk-delay', lang, 0, 600_000),
    strictFields: flags.strict === true,
    acceptUnknownModels: flags.acceptUnknownModels === true,
  };
  if (flags.rpm !== undefined) options.rpm = integer(flags.rpm, '--rpm', lang, 1, 1e9);
  if (flags.tpm !== undefined) options.tpm = integer(flags.tpm, '--tpm', lang, 1, 1e12);
  if (flags.reply !== undefined) {
    if (flags.reply !== 'lorem' && flags.reply !== 'echo' && flags.reply !== 'refusal') {
      throw new UsageError(
        t(
          lang,
          `--reply must be lorem, echo or refusal, not '${flags.reply}'.`,
          `--reply 只能是 lorem、echo 或 refusal，而不是 '${flags.reply}'。`,
        ),
      );
    }
    options.reply = flags.reply;
  }
  return options;
}

function integer(value: string, flag: string, lang: Lang, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      t(
        lang,
        `${flag} must be a whole number from ${min} to ${max}, not '${value}'.`,
        `${flag} 必须是 ${min} 到 ${max} 之间的整数，而不是 '${value}'。`,
      ),
    );
  }
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
