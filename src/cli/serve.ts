import type { Command } from 'commander';
import { createLogger, loadSettings, type Settings, type SettingsInput } from '../config/index.js';
import { type EmulatorHandle, startEmulator } from '../emulator/index.js';
import { UsageError } from '../errors/index.js';
import {
  type GatewayCluster,
  type GatewayClusterMember,
  type GatewayHandle,
  isGatewayWorker,
  joinGatewayCluster,
  startGateway,
  startGatewayCluster,
  type UpstreamConfig,
} from '../server/index.js';
import type { RegisterCommand } from './commands.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';
import { waitForSignal } from './wait-for-signal.js';

interface ServeFlags {
  port?: string;
  host?: string;
  allowOpenNetwork?: boolean;
  demo?: boolean;
  workers?: string;
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
    .option(
      '--workers <n>',
      'gateway processes sharing the port (default 1, STEADYCHAT_WORKERS; auto = one per CPU core)',
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const lang = detectLang(io.env, command.parent?.opts<{ lang?: string }>().lang);
      const input: SettingsInput = { gateway: {} };
      if (flags.port !== undefined) input.gateway!.port = flags.port;
      if (flags.host !== undefined) input.gateway!.host = flags.host;
      if (flags.workers !== undefined) input.gateway!.workers = flags.workers;
      const settings = loadSettings({ env: io.env, cwd: io.cwd, flags: input, defaults: { redact: 'on' } });
      const run = { settings, demo: flags.demo === true, allowOpenNetwork: flags.allowOpenNetwork === true };
      if (isGatewayWorker()) {
        await runServeWorker(run, io);
        return;
      }
      const handle = await runServe(run, io, lang);
      await waitForSignal();
      io.stdout.write(
        `${t(lang, 'shutting down: finishing open streams…', '正在关闭：等待进行中的流结束…')}\n`,
      );
      await handle.close();
      io.stdout.write(`${t(lang, 'gateway stopped', '网关已停止')}\n`);
    });
};

/** Whether `serve` runs in demo mode: asked for, or nothing to talk to (no key, no upstreams section). */
function isDemo(run: ServeRun): boolean {
  return run.demo === true || (!run.settings.openai.apiKey && !run.settings.file.upstreams);
}

/** The demo upstream: the built-in emulator at `url`. */
function demoUpstreams(url: string): UpstreamConfig[] {
  return [{ name: 'emulator', baseUrl: url, apiKeys: ['sk-demo'] }];
}

/**
 * Starts the gateway (in demo mode with the emulator as upstream when there is no API key and no
 * upstreams section) and prints the banner: one process, or with `gateway.workers` > 1 a primary
 * process and that many workers on the same port. `close()` stops the gateway, then the emulator.
 * @internal exported for tests
 */
export async function runServe(
  run: ServeRun,
  io: CliIo,
  lang: Lang,
): Promise<{
  url: string;
  demo: boolean;
  /** The gateway, when it runs in this process (one worker). */
  gateway?: GatewayHandle;
  /** The workers, when there are several. */
  cluster?: GatewayCluster;
  close(): Promise<void>;
}> {
  const { settings } = run;
  const demo = isDemo(run);
  const workers = settings.gateway.workers;
  let emulator: EmulatorHandle | undefined;
  if (demo) {
    // One emulator for every worker: they forward to this process.
    emulator = await startEmulator({
      port: 0,
      requireAuth: false,
      acceptUnknownModels: true,
      replyTokens: 80,
      interChunkDelayMs: 25,
    });
  }
  let gateway: GatewayHandle | undefined;
  let cluster: GatewayCluster | undefined;
  let started: ServeStarted;
  try {
    if (workers > 1) {
      cluster = await startGatewayCluster({
        workers,
        ...(emulator ? { env: { STEADYCHAT_DEMO_UPSTREAM: emulator.url } } : {}),
        logger: createLogger(settings, { destination: io.stderr, base: { component: 'gateway-primary' } }),
      });
      started = { url: cluster.url, open: cluster.open, upstreams: cluster.upstreams };
    } else {
      ({ gateway, started } = await startServeGateway(run, io, emulator?.url, { component: 'gateway' }));
    }
  } catch (error) {
    await emulator?.close();
    if ((error as { code?: string }).code === 'auth_required')
      throw new UsageError((error as Error).message, { hint: (error as { hint?: string }).hint ?? '' });
    throw error;
  }
  const { url, open } = started;
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
      `  Upstreams:       ${started.upstreams.join(', ')}`,
      `  上游：           ${started.upstreams.join(', ')}`,
    ),
    ...(cluster
      ? [
          t(
            lang,
            `  Workers:         ${workers} processes on one port (rate limits, runaway guard and /metrics shared)`,
            `  工作进程：       ${workers} 个进程共用一个端口（共享速率限制、失控防护和 /metrics）`,
          ),
        ]
      : []),
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
    ...(gateway ? { gateway } : {}),
    ...(cluster ? { cluster } : {}),
    async close() {
      await (cluster ?? gateway)?.close();
      await emulator?.close();
    },
  };
}

/**
 * One worker of `serve --workers N` (this process was forked by the primary and runs the same
 * command): the gateway on the shared port, its rate limits, runaway guard and metrics shared through
 * the primary, until the primary asks it to stop or a signal comes. A start failure goes to the
 * primary, which reports it.
 */
async function runServeWorker(run: ServeRun, io: CliIo): Promise<void> {
  const member = joinGatewayCluster();
  let gateway: GatewayHandle;
  let started: ServeStarted;
  try {
    ({ gateway, started } = await startServeGateway(
      run,
      io,
      io.env.STEADYCHAT_DEMO_UPSTREAM,
      { component: 'gateway', worker: member.id, pid: process.pid },
      member,
    ));
  } catch (error) {
    await member.failed(error);
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  member.ready(started);
  await Promise.race([waitForSignal(), new Promise<void>((resolve) => member.onShutdown(resolve))]);
  await gateway.close();
  process.disconnect?.();
}

/** What the banner and the primary need to know of a started gateway. */
type ServeStarted = { url: string; open: boolean; upstreams: string[] };

/**
 * The gateway as `serve` runs it in this process, alone or as one worker: logs batched per turn on
 * standard error (with `logBase` on each line), the demo emulator at `demoUrl` as upstream in demo
 * mode.
 */
async function startServeGateway(
  run: ServeRun,
  io: CliIo,
  demoUrl: string | undefined,
  logBase: Record<string, unknown>,
  cluster?: GatewayClusterMember,
): Promise<{ gateway: GatewayHandle; started: ServeStarted }> {
  const demo = isDemo(run);
  const gateway = await startGateway({
    settings: run.settings,
    env: io.env,
    logger: createLogger(run.settings, { destination: io.stderr, base: logBase, batch: true }),
    demo,
    ...(demo && demoUrl ? { upstreams: demoUpstreams(demoUrl) } : {}),
    ...(run.allowOpenNetwork ? { allowOpenNetwork: true } : {}),
    ...(cluster ? { cluster } : {}),
  });
  return {
    gateway,
    started: { url: gateway.url, open: await gateway.gateway.isOpen(), upstreams: gateway.gateway.upstreams },
  };
}
