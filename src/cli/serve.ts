import type { Command } from 'commander';
import { createLogger, loadSettings, type Settings, type SettingsInput } from '../config/index.js';
import { type EmulatorHandle, startEmulator } from '../emulator/index.js';
import { UsageError } from '../errors/index.js';
import { type GatewayHandle, startGateway, type UpstreamConfig } from '../server/index.js';
import type { RegisterCommand } from './commands.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';
import { waitForSignal } from './wait-for-signal.js';

interface ServeFlags {
  port?: string;
  host?: string;
  allowOpenNetwork?: boolean;
  demo?: boolean;
}

/** What `runServe` needs besides the flags. */
export interface ServeRun {
  settings: Settings;
  /** Force demo mode (the built-in emulator as upstream) even with a key. */
  demo?: boolean;
  allowOpenNetwork?: boolean;
}

/** `steadychat serve`: the gateway, until Ctrl+C / SIGTERM (then a graceful shutdown). */
export const registerServeCommand: RegisterCommand = (program, io) => {
  program
    .command('serve')
    .description(
      'Run the gateway: OpenAI-compatible /v1 with keys, budgets, redaction, conversations and the web page',
    )
    .option('--port <n>', 'TCP port (default 8787, STEADYCHAT_PORT; 0 picks a free one)')
    .option('--host <host>', 'address to bind (default 127.0.0.1, STEADYCHAT_HOST)')
    .option('--allow-open-network', 'serve without keys on a non-loopback address (trusted networks only)')
    .option('--demo', 'use the built-in emulator as the upstream even when OPENAI_API_KEY is set')
    .action(async (flags: ServeFlags, command: Command) => {
      const lang = detectLang(io.env, command.parent?.opts<{ lang?: string }>().lang);
      const input: SettingsInput = { gateway: {} };
      if (flags.port !== undefined) input.gateway!.port = flags.port;
      if (flags.host !== undefined) input.gateway!.host = flags.host;
      const settings = loadSettings({ env: io.env, cwd: io.cwd, flags: input, defaults: { redact: 'on' } });
      const handle = await runServe(
        { settings, demo: flags.demo === true, allowOpenNetwork: flags.allowOpenNetwork === true },
        io,
        lang,
      );
      await waitForSignal();
      io.stdout.write(
        `${t(lang, 'shutting down: finishing open streams…', '正在关闭：等待进行中的流结束…')}\n`,
      );
      await handle.close();
      io.stdout.write(`${t(lang, 'gateway stopped', '网关已停止')}\n`);
    });
};

/**
 * Starts the gateway (in demo mode with the emulator as upstream when there is no API key and no
 * upstreams section) and prints the banner. `close()` stops the gateway, then the emulator.
 * @internal exported for tests
 */
export async function runServe(
  run: ServeRun,
  io: CliIo,
  lang: Lang,
): Promise<{ url: string; demo: boolean; gateway: GatewayHandle; close(): Promise<void> }> {
  const { settings } = run;
  const demo = run.demo === true || (!settings.openai.apiKey && !settings.file.upstreams);
  let emulator: EmulatorHandle | undefined;
  let upstreams: UpstreamConfig[] | undefined;
  if (demo) {
    emulator = await startEmulator({
      port: 0,
      requireAuth: false,
      acceptUnknownModels: true,
      replyTokens: 80,
      interChunkDelayMs: 25,
    });
    upstreams = [{ name: 'emulator', baseUrl: emulator.url, apiKeys: ['sk-demo'] }];
  }
  let gateway: GatewayHandle;
  try {
    gateway = await startGateway({
      settings,
      env: io.env,
      logger: createLogger(settings, { destination: io.stderr, base: { component: 'gateway' }, batch: true }),
      demo,
      ...(upstreams ? { upstreams } : {}),
      ...(run.allowOpenNetwork ? { allowOpenNetwork: true } : {}),
    });
  } catch (error) {
    await emulator?.close();
    if ((error as { code?: string }).code === 'auth_required')
      throw new UsageError((error as Error).message, { hint: (error as { hint?: string }).hint ?? '' });
    throw error;
  }
  const url = gateway.url;
  const open = await gateway.gateway.isOpen();
  const lines: string[] = [];
  if (demo) {
    lines.push(
      '',
      '  ┌──────────────────────────────────────────────────────────────────────┐',
      t(
        lang,
        '  │  DEMO MODE: no OPENAI_API_KEY, so answers come from the built-in     │\n  │  offline emulator (lorem ipsum), not from a real model.              │\n  │  Set OPENAI_API_KEY (or an upstreams section) to talk to OpenAI.     │',
        '  │  演示模式：未设置 OPENAI_API_KEY，回答来自内置的离线模拟器            │\n  │  （随机文本），并非真实模型。设置 OPENAI_API_KEY 即可连接 OpenAI。     │',
      ),
      '  └──────────────────────────────────────────────────────────────────────┘',
      '',
    );
  }
  lines.push(
    t(lang, `steadychat gateway listening on ${url}`, `steadychat 网关已启动：${url}`),
    t(lang, `  Web chat page:   ${url}/`, `  网页聊天：       ${url}/`),
    t(lang, `  OpenAI base URL: ${url}/v1`, `  OpenAI base URL：${url}/v1`),
    t(
      lang,
      `  Upstreams:       ${gateway.gateway.upstreams.join(', ')}`,
      `  上游：           ${gateway.gateway.upstreams.join(', ')}`,
    ),
    open
      ? t(
          lang,
          '  Auth: OPEN (loopback, no keys defined): requests without a key are accepted. Create one with `steadychat keys create --name NAME`.',
          '  认证：开放（仅本机，且未定义密钥）：无需密钥即可访问。用 `steadychat keys create --name NAME` 创建密钥。',
        )
      : t(
          lang,
          '  Auth: gateway keys required (Authorization: Bearer sc-…).',
          '  认证：需要网关密钥（Authorization: Bearer sc-…）。',
        ),
    t(lang, '  Press Ctrl+C to stop.', '  按 Ctrl+C 停止。'),
    '',
  );
  io.stdout.write(`${lines.join('\n')}\n`);
  return {
    url,
    demo,
    gateway,
    async close() {
      await gateway.close();
      await emulator?.close();
    },
  };
}
