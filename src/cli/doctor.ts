import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Command } from 'commander';
import { type ChatClient, createClient } from '../client/index.js';
import { describeSettings, loadSettings, maskSecret, maskUrl, type Settings } from '../config/index.js';
import {
  AuthenticationError,
  ConnectionError,
  ModelNotFoundError,
  NotFoundError,
  PermissionDeniedError,
  proxyFor,
  QuotaExceededError,
  RateLimitError,
  TimeoutError,
  UpstreamError,
} from '../openai/index.js';
import type { RegisterCommand } from './commands.js';
import { collect, extraHeaders } from './extra-headers.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';

interface DoctorFlags {
  json?: boolean;
  header: string[];
  model?: string;
  timeout: string;
}

/** The outcome of one check. */
interface Check {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  detail: string;
  hint?: string;
  latencyMs?: number;
  data?: Record<string, unknown>;
}

const SHOWN_SETTINGS = new Set([
  'openai.apiKey',
  'openai.baseUrl',
  'openai.orgId',
  'openai.projectId',
  'proxy.httpsProxy',
  'proxy.httpProxy',
  'proxy.noProxy',
  'model',
  'timeouts.connectMs',
  'timeouts.firstByteMs',
  'timeouts.idleMs',
  'timeouts.totalMs',
  'maxRetries',
]);

/** `steadychat doctor`: key, network, proxy, models, quota, with the likely fix for each failure. */
export const registerDoctorCommand: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('doctor')
    .description(
      'Diagnose the API key, network, proxy, model and quota, with the likely fix for each problem',
    )
    .option('--json', 'print the checks as JSON')
    .option('--model <model>', 'model to check (default: STEADYCHAT_MODEL, else gpt-4o-mini)')
    .option('--timeout <ms>', 'timeout of each network check', '10000')
    .option('--header <header>', 'extra request header "Name: value" (repeatable)', collect, [])
    .action(async (flags: DoctorFlags, command: Command) => {
      const code = await runDoctor(flags, io, command.parent?.opts<{ lang?: string }>().lang);
      setExitCode(code);
    });
};

async function runDoctor(flags: DoctorFlags, io: CliIo, langFlag: string | undefined): Promise<number> {
  const settings = loadSettings({
    env: io.env,
    cwd: io.cwd,
    ...(flags.model ? { flags: { model: flags.model } } : {}),
  });
  const lang = detectLang(io.env, langFlag ?? settings.lang);
  const timeoutMs = Math.max(1, Number(flags.timeout) || 10_000);
  const headers = extraHeaders(io.env, flags.header);
  const checks: Check[] = [];
  const L = (en: string, zh: string) => t(lang, en, zh);

  const keyCheck = checkKey(settings, L);
  checks.push(keyCheck);
  const urlCheck = checkBaseUrl(settings, L);
  checks.push(urlCheck);

  let url: URL | undefined;
  try {
    url = new URL(settings.openai.baseUrl);
  } catch {
    url = undefined;
  }
  const proxy = url ? proxyFor(url.href, settings.proxy) : undefined;
  let reachable = url !== undefined;
  if (url) {
    const host = url.hostname;
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    if (proxy) {
      const proxyCheck = await checkProxy(proxy, timeoutMs, L);
      checks.push(proxyCheck);
      reachable = proxyCheck.status !== 'fail';
    } else if (host === 'api.openai.com') {
      checks.push({
        id: 'proxy',
        title: L('Proxy', '代理'),
        status: 'skip',
        detail: L('none configured; connecting directly', '未配置，直接连接'),
        hint: L(
          'From mainland China api.openai.com usually needs a proxy: set HTTPS_PROXY (e.g. http://127.0.0.1:7890).',
          '在中国大陆访问 api.openai.com 通常需要代理：设置 HTTPS_PROXY（例如 http://127.0.0.1:7890）。',
        ),
      });
    }
    const dns = await checkDns(host, Boolean(proxy), L);
    checks.push(dns);
    if (!proxy) {
      if (dns.status === 'fail') reachable = false;
      else {
        const tcp = await checkTcp(host, port, timeoutMs, L);
        checks.push(tcp);
        reachable = tcp.status === 'pass';
        if (reachable && url.protocol === 'https:') {
          const tls = await checkTls(host, port, timeoutMs, L);
          checks.push(tls);
          reachable = tls.status === 'pass';
        }
      }
    }
  }

  const model = settings.model;
  if (reachable && url) {
    const client = createClient({
      settings,
      headers,
      maxRetries: 0,
      timeouts: {
        connectMs: timeoutMs,
        firstByteMs: timeoutMs * 3,
        idleMs: timeoutMs * 3,
        totalMs: timeoutMs * 6,
      },
    });
    try {
      const models = await checkModels(client, model, L);
      checks.push(...models.checks);
      if (models.canChat) checks.push(await checkCompletion(client, model, L));
    } finally {
      await client.close();
    }
  } else {
    checks.push({
      id: 'api',
      title: L('API calls', 'API 调用'),
      status: 'skip',
      detail: L('skipped: the upstream is not reachable', '已跳过：无法连接上游'),
    });
  }

  const failed = checks.filter((c) => c.status === 'fail').length;
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          ok: failed === 0,
          settings: describeSettings(settings)
            .filter((row) => SHOWN_SETTINGS.has(row.key))
            .map((row) => ({ key: row.key, value: row.value, source: row.source ?? null })),
          checks,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stdout.write(render(settings, checks, failed, lang));
  }
  return failed === 0 ? 0 : 1;
}

type Say = (en: string, zh: string) => string;

function checkKey(settings: Settings, L: Say): Check {
  const key = settings.openai.apiKey;
  const title = L('API key', 'API 密钥');
  const official = /(^|\.)openai\.com$/.test(hostOf(settings.openai.baseUrl));
  if (!key) {
    return {
      id: 'key',
      title,
      status: official ? 'fail' : 'warn',
      detail: L('not set', '未设置'),
      hint: L(
        'Set OPENAI_API_KEY in the environment or in a .env file in this directory.',
        '请在环境变量或当前目录的 .env 文件中设置 OPENAI_API_KEY。',
      ),
    };
  }
  const masked = maskSecret(key);
  if (/^\s|\s$/.test(key) || /^["']|["']$/.test(key)) {
    return {
      id: 'key',
      title,
      status: 'fail',
      detail: L(`${masked} has surrounding spaces or quotes`, `${masked} 两端带有空格或引号`),
      hint: L(
        'Remove the quotes/spaces around the key in .env or the environment.',
        '请去掉 .env 或环境变量中密钥两端的引号或空格。',
      ),
    };
  }
  if (/\s/.test(key)) {
    return {
      id: 'key',
      title,
      status: 'fail',
      detail: L(`${masked} contains whitespace`, `${masked} 中含有空白字符`),
      hint: L(
        'The key was probably pasted with a line break; paste it again.',
        '密钥可能在粘贴时带入了换行，请重新粘贴。',
      ),
    };
  }
  if (official && !/^sk-[A-Za-z0-9_-]{20,}$/.test(key)) {
    return {
      id: 'key',
      title,
      status: 'warn',
      detail: L(
        `${masked} does not look like an OpenAI key (sk-…)`,
        `${masked} 看起来不像 OpenAI 密钥（sk-…）`,
      ),
      hint: L(
        'OpenAI keys start with sk- (sk-proj-… for project keys). A key from another provider needs that provider’s OPENAI_BASE_URL.',
        'OpenAI 密钥以 sk- 开头（项目密钥为 sk-proj-…）。其他服务商的密钥需要配合其 OPENAI_BASE_URL 使用。',
      ),
    };
  }
  return {
    id: 'key',
    title,
    status: 'pass',
    detail: L(
      `present (${masked}, from ${sourceLabel(settings, 'openai.apiKey')})`,
      `已设置（${masked}，来自 ${sourceLabel(settings, 'openai.apiKey')}）`,
    ),
  };
}

function checkBaseUrl(settings: Settings, L: Say): Check {
  const title = L('Base URL', 'Base URL');
  const raw = settings.openai.baseUrl;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {
      id: 'base-url',
      title,
      status: 'fail',
      detail: L(`not a URL: ${raw}`, `不是合法的 URL：${raw}`),
      hint: L(
        'Set OPENAI_BASE_URL to e.g. https://api.openai.com/v1',
        '请将 OPENAI_BASE_URL 设置为例如 https://api.openai.com/v1',
      ),
    };
  }
  const shown = maskUrl(raw);
  if (!/\/v\d+[a-z]*\/?$/i.test(url.pathname) && !/\/openai\//.test(url.pathname)) {
    return {
      id: 'base-url',
      title,
      status: 'warn',
      detail: L(`${shown} does not end in /v1`, `${shown} 不以 /v1 结尾`),
      hint: L(
        'Most OpenAI-compatible services expect the base URL to end in /v1 (requests go to <base>/chat/completions).',
        '大多数 OpenAI 兼容服务要求 base URL 以 /v1 结尾（请求发往 <base>/chat/completions）。',
      ),
    };
  }
  return {
    id: 'base-url',
    title,
    status: 'pass',
    detail: `${shown} (${sourceLabel(settings, 'openai.baseUrl')})`,
  };
}

async function checkProxy(proxy: string, timeoutMs: number, L: Say): Promise<Check> {
  const title = L('Proxy', '代理');
  const shown = maskUrl(proxy);
  let url: URL;
  try {
    url = new URL(proxy);
  } catch {
    return {
      id: 'proxy',
      title,
      status: 'fail',
      detail: L(`not a URL: ${shown}`, `不是合法的 URL：${shown}`),
      hint: L('Write the proxy as http://host:port', '代理应写成 http://host:port'),
    };
  }
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const started = performance.now();
  try {
    await tcpConnect(url.hostname, port, timeoutMs);
    return {
      id: 'proxy',
      title,
      status: 'pass',
      detail: L(`${shown} accepts connections`, `${shown} 可以连接`),
      latencyMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    return {
      id: 'proxy',
      title,
      status: 'fail',
      detail: L(`${shown} is not reachable (${codeOf(error)})`, `无法连接 ${shown}（${codeOf(error)}）`),
      hint: L(
        'Start the proxy client (Clash, V2Ray…) and check its port, or unset HTTPS_PROXY / HTTP_PROXY.',
        '请启动代理客户端（Clash、V2Ray 等）并核对端口，或取消设置 HTTPS_PROXY / HTTP_PROXY。',
      ),
    };
  }
}

async function checkDns(host: string, proxied: boolean, L: Say): Promise<Check> {
  const title = 'DNS';
  if (isIP(host))
    return { id: 'dns', title, status: 'skip', detail: L(`${host} is an IP address`, `${host} 是 IP 地址`) };
  const started = performance.now();
  try {
    const addresses = await lookup(host, { all: true });
    return {
      id: 'dns',
      title,
      status: 'pass',
      detail: `${host} → ${addresses.map((a) => a.address).join(', ')}`,
      latencyMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    if (proxied) {
      return {
        id: 'dns',
        title,
        status: 'warn',
        detail: L(
          `${host} does not resolve here (${codeOf(error)}); the proxy resolves it`,
          `本机无法解析 ${host}（${codeOf(error)}）；将由代理解析`,
        ),
      };
    }
    return {
      id: 'dns',
      title,
      status: 'fail',
      detail: L(`${host} does not resolve (${codeOf(error)})`, `无法解析 ${host}（${codeOf(error)}）`),
      hint: L(
        'Check the spelling of OPENAI_BASE_URL and your DNS; if the name is blocked on this network, use a proxy (HTTPS_PROXY).',
        '请检查 OPENAI_BASE_URL 的拼写和 DNS；若该域名在当前网络被屏蔽，请使用代理（HTTPS_PROXY）。',
      ),
    };
  }
}

async function checkTcp(host: string, port: number, timeoutMs: number, L: Say): Promise<Check> {
  const title = 'TCP';
  const started = performance.now();
  try {
    await tcpConnect(host, port, timeoutMs);
    return {
      id: 'tcp',
      title,
      status: 'pass',
      detail: L(`connected to ${host}:${port}`, `已连接 ${host}:${port}`),
      latencyMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    const code = codeOf(error);
    return {
      id: 'tcp',
      title,
      status: 'fail',
      detail: L(`cannot connect to ${host}:${port} (${code})`, `无法连接 ${host}:${port}（${code}）`),
      hint:
        code === 'ECONNREFUSED'
          ? L(
              'Nothing listens there: check the host and port in OPENAI_BASE_URL (is the local server running?).',
              '该地址没有服务在监听：请检查 OPENAI_BASE_URL 中的主机和端口（本地服务是否已启动？）。',
            )
          : L(
              'The host is unreachable from this network. From mainland China api.openai.com usually needs a proxy: set HTTPS_PROXY.',
              '当前网络无法访问该主机。在中国大陆访问 api.openai.com 通常需要代理：请设置 HTTPS_PROXY。',
            ),
    };
  }
}

async function checkTls(host: string, port: number, timeoutMs: number, L: Say): Promise<Check> {
  const title = 'TLS';
  const started = performance.now();
  return new Promise<Check>((resolve) => {
    const socket = tlsConnect({ host, port, servername: isIP(host) ? undefined : host, timeout: timeoutMs });
    const done = (check: Check) => {
      socket.destroy();
      resolve(check);
    };
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      done({
        id: 'tls',
        title,
        status: 'pass',
        detail: L(
          `${socket.getProtocol() ?? 'TLS'}, certificate for ${cert.subject?.CN ?? host} valid until ${cert.valid_to ?? '?'}`,
          `${socket.getProtocol() ?? 'TLS'}，证书 ${cert.subject?.CN ?? host} 有效期至 ${cert.valid_to ?? '?'}`,
        ),
        latencyMs: Math.round(performance.now() - started),
      });
    });
    socket.once('timeout', () =>
      done({
        id: 'tls',
        title,
        status: 'fail',
        detail: L(`no TLS handshake within ${timeoutMs} ms`, `${timeoutMs} 毫秒内未完成 TLS 握手`),
        hint: L(
          'Something on the path swallows HTTPS (firewall, blocked host). Use a proxy (HTTPS_PROXY).',
          '路径上有设备拦截了 HTTPS（防火墙或被屏蔽的主机）。请使用代理（HTTPS_PROXY）。',
        ),
      }),
    );
    socket.once('error', (error) =>
      done({
        id: 'tls',
        title,
        status: 'fail',
        detail: L(`TLS failed (${codeOf(error)})`, `TLS 失败（${codeOf(error)}）`),
        hint: L(
          'A proxy or antivirus may intercept HTTPS: add its CA with NODE_EXTRA_CA_CERTS, or check that the base URL really speaks HTTPS.',
          '代理或杀毒软件可能拦截了 HTTPS：请用 NODE_EXTRA_CA_CERTS 加入其 CA，或确认 base URL 确实支持 HTTPS。',
        ),
      }),
    );
  });
}

async function checkModels(
  client: ChatClient,
  model: string,
  L: Say,
): Promise<{ checks: Check[]; canChat: boolean }> {
  const title = L('Key accepted (GET /models)', '密钥有效（GET /models）');
  const started = performance.now();
  try {
    const { models } = await client.listModels();
    const latencyMs = Math.round(performance.now() - started);
    const checks: Check[] = [
      {
        id: 'models',
        title,
        status: 'pass',
        detail: L(`${models.length} models available`, `可用模型 ${models.length} 个`),
        latencyMs,
      },
    ];
    const ids = models.map((m) => m.id);
    const modelTitle = L(`Model ${model}`, `模型 ${model}`);
    if (ids.length === 0) {
      checks.push({
        id: 'model',
        title: modelTitle,
        status: 'warn',
        detail: L('the provider lists no models; cannot confirm', '服务商未列出任何模型，无法确认'),
      });
    } else if (ids.includes(model) || ids.some((id) => id.startsWith(`${model}-`))) {
      checks.push({ id: 'model', title: modelTitle, status: 'pass', detail: L('available', '可用') });
    } else {
      const close = ids.filter((id) => id.includes(model.split('-').slice(0, 2).join('-'))).slice(0, 5);
      const suggestions = (close.length > 0 ? close : ids.slice(0, 5)).join(', ');
      checks.push({
        id: 'model',
        title: modelTitle,
        status: 'fail',
        detail: L('not available to this key', '该密钥无法使用此模型'),
        hint: L(
          `Set STEADYCHAT_MODEL (or --model) to one of: ${suggestions}`,
          `请将 STEADYCHAT_MODEL（或 --model）设为以下之一：${suggestions}`,
        ),
      });
      return { checks, canChat: false };
    }
    return { checks, canChat: true };
  } catch (error) {
    const explained = explain(error, L);
    return {
      checks: [{ id: 'models', title, status: 'fail', ...explained }],
      // Some compatible providers have no /models; a 404 there does not prove chat is broken.
      canChat: error instanceof NotFoundError && !(error instanceof ModelNotFoundError),
    };
  }
}

async function checkCompletion(client: ChatClient, model: string, L: Say): Promise<Check> {
  const title = L('One-token completion', '单 token 补全');
  const reasoning = /^(o\d|gpt-5)/.test(model);
  const started = performance.now();
  try {
    const result = await client.chat({
      model,
      messages: [{ role: 'user', content: 'Reply with the word OK.' }],
      ...(reasoning ? { max_completion_tokens: 16 } : { max_tokens: 1 }),
    });
    const latencyMs = Math.round(performance.now() - started);
    const h = result.meta.headers;
    const limits = rateLimitSummary(h);
    return {
      id: 'completion',
      title,
      status: 'pass',
      detail: L(
        `answered by ${result.model}${limits ? `; rate limits: ${limits}` : ''}`,
        `${result.model} 已应答${limits ? `；速率限制：${limits}` : ''}`,
      ),
      latencyMs,
      data: {
        requestId: result.meta.upstreamRequestId ?? null,
        model: result.model,
        rateLimits: Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('x-ratelimit-'))),
      },
    };
  } catch (error) {
    return { id: 'completion', title, status: 'fail', ...explain(error, L) };
  }
}

function rateLimitSummary(h: Record<string, string>): string {
  const parts: string[] = [];
  if (h['x-ratelimit-remaining-requests'] !== undefined) {
    parts.push(
      `${h['x-ratelimit-remaining-requests']}/${h['x-ratelimit-limit-requests'] ?? '?'} requests (reset ${h['x-ratelimit-reset-requests'] ?? '?'})`,
    );
  }
  if (h['x-ratelimit-remaining-tokens'] !== undefined) {
    parts.push(
      `${h['x-ratelimit-remaining-tokens']}/${h['x-ratelimit-limit-tokens'] ?? '?'} tokens (reset ${h['x-ratelimit-reset-tokens'] ?? '?'})`,
    );
  }
  return parts.join(', ');
}

/** What a failed API call means, and what to do about it. */
function explain(error: unknown, L: Say): { detail: string; hint?: string } {
  if (error instanceof QuotaExceededError) {
    return {
      detail: L(
        'quota exhausted (429 insufficient_quota) — not a rate limit',
        '额度已用完（429 insufficient_quota）——不是速率限制',
      ),
      hint: L(
        'Waiting will not help: add credit or raise the spending limit in your provider’s billing settings, or use another key.',
        '等待无济于事：请在服务商的账单设置中充值或提高消费上限，或换用其他密钥。',
      ),
    };
  }
  if (error instanceof RateLimitError) {
    const wait = error.retryAfterMs === undefined ? '' : ` ${Math.ceil(error.retryAfterMs / 1000)} s`;
    return {
      detail: L(
        `rate limited (429 ${error.type ?? ''}) — not a quota problem`,
        `触发速率限制（429 ${error.type ?? ''}）——不是额度问题`,
      ),
      hint: L(
        `The account works; wait${wait} and run doctor again, or lower the request rate.`,
        `账户本身正常；请等待${wait}后再运行 doctor，或降低请求频率。`,
      ),
    };
  }
  if (error instanceof AuthenticationError) {
    return {
      detail:
        error.reason === 'missing'
          ? L('no key was sent (401)', '未发送密钥（401）')
          : L(
              `the key was rejected (401 ${error.upstreamCode ?? ''})`,
              `密钥被拒绝（401 ${error.upstreamCode ?? ''}）`,
            ),
      hint: L(
        'Check OPENAI_API_KEY: it must be a current key of the provider at OPENAI_BASE_URL (keys of one provider do not work at another).',
        '请检查 OPENAI_API_KEY：必须是 OPENAI_BASE_URL 对应服务商的有效密钥（不同服务商的密钥不能混用）。',
      ),
    };
  }
  if (error instanceof PermissionDeniedError) {
    return { detail: L('access denied (403)', '访问被拒绝（403）'), hint: error.hint ?? '' };
  }
  if (error instanceof ModelNotFoundError) {
    return { detail: L('model not found (404)', '模型不存在（404）'), hint: error.hint ?? '' };
  }
  if (error instanceof NotFoundError) {
    return {
      detail: L('endpoint not found (404)', '接口不存在（404）'),
      hint: L(
        'The base URL is probably wrong: it usually ends in /v1 (e.g. https://api.openai.com/v1).',
        'base URL 可能有误：通常以 /v1 结尾（例如 https://api.openai.com/v1）。',
      ),
    };
  }
  if (error instanceof TimeoutError) {
    return {
      detail: L(
        `timed out (${error.phase}, ${error.timeoutMs} ms)`,
        `超时（${error.phase}，${error.timeoutMs} 毫秒）`,
      ),
      hint: error.hint ?? '',
    };
  }
  if (error instanceof ConnectionError) {
    return {
      detail: L(
        `connection failed (${error.reason ?? 'network'})`,
        `连接失败（${error.reason ?? 'network'}）`,
      ),
      hint: error.hint ?? '',
    };
  }
  if (error instanceof UpstreamError) {
    return {
      detail: error.upstreamMessage ? `${error.status ?? ''} ${error.upstreamMessage}`.trim() : error.code,
      hint: error.hint ?? '',
    };
  }
  return { detail: error instanceof Error ? error.message : String(error) };
}

function render(settings: Settings, checks: Check[], failed: number, lang: Lang): string {
  const L = (en: string, zh: string) => t(lang, en, zh);
  const out: string[] = [L('Effective settings', '生效的设置')];
  const rows = describeSettings(settings).filter((row) => SHOWN_SETTINGS.has(row.key));
  const keyWidth = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.max(...rows.map((r) => (r.value || '—').length));
  for (const row of rows) {
    const source = row.source
      ? `${row.source.from}${row.source.name ? ` ${row.source.name}` : ''}`
      : L('not set', '未设置');
    out.push(`  ${row.key.padEnd(keyWidth)}  ${(row.value || '—').padEnd(valueWidth)}  ${source}`);
  }
  out.push('', L('Checks', '检查'));
  const mark = { pass: '✓', fail: '✗', warn: '!', skip: '-' } as const;
  for (const check of checks) {
    const latency = check.latencyMs === undefined ? '' : ` (${check.latencyMs} ms)`;
    out.push(`  ${mark[check.status]} ${check.title}: ${check.detail}${latency}`);
    if (check.hint && check.status !== 'pass') out.push(`      → ${check.hint}`);
  }
  out.push(
    '',
    failed === 0
      ? L('All checks passed.', '全部检查通过。')
      : L(`${failed} check(s) failed.`, `${failed} 项检查未通过。`),
  );
  return `${out.join('\n')}\n`;
}

function sourceLabel(settings: Settings, key: 'openai.apiKey' | 'openai.baseUrl'): string {
  const source = settings.sources[key];
  if (!source) return 'default';
  return source.name ? `${source.from} ${source.name}` : source.from;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
    socket.connect(port, host);
  });
}
