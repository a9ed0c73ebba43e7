import { availableParallelism, homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { SettingKey } from './settings.js';

/** What a field needs to resolve a default or a path. */
export interface FieldContext {
  cwd: string;
  home: string;
}

/** One leaf setting: its names in every source, how to validate it, a good example and its default. */
export interface FieldSpec {
  key: SettingKey;
  /** Environment variables, the strongest first (aliases and lower/upper case spellings). */
  env: readonly string[];
  /** Validates and normalises a raw value (a string from the environment, JSON from the file…). */
  schema: z.ZodType<unknown, unknown>;
  /** Completes "… is not <expected>". */
  expected: { en: string; zh: string };
  /** A good value, in its typed form. */
  example: string | number | string[];
  /** `token`: masked with maskSecret; `url`: credentials inside are masked. */
  secret?: 'token' | 'url';
  /** False for secrets, which a config file (easy to commit by mistake) may not hold. */
  inFile: boolean;
  /** Resolves paths against the working directory after validation. */
  resolvePath?: boolean;
  default?: (ctx: FieldContext) => unknown;
  /** One line for the docs and `steadychat config`. */
  doc: string;
  /** JSON Schema of the value in the config file (for editors); absent for fields the file may not hold. */
  json?: Record<string, unknown>;
}

const MAX_MS = 86_400_000;

/** Digits from the environment become a number; anything else stays as it is, to fail the number check. */
function wholeNumber(min: number, max: number): z.ZodType<number, unknown> {
  return z.preprocess(
    (raw) =>
      typeof raw === 'string' && /^\s*\d[\d_]*\s*$/.test(raw) ? Number(raw.replace(/[_\s]/g, '')) : raw,
    z.number().int().min(min).max(max),
  );
}

const trimmed = z.preprocess((raw) => (typeof raw === 'string' ? raw.trim() : raw), z.string().min(1));

function httpUrl(protocols: readonly string[]): z.ZodType<string, unknown> {
  return trimmed.pipe(
    z
      .string()
      .refine((value) => {
        try {
          const url = new URL(value);
          return protocols.includes(url.protocol) && url.hostname !== '';
        } catch {
          return false;
        }
      })
      .transform((value) => value.replace(/\/+$/, '')),
  );
}

/**
 * An API key must survive being sent in an HTTP header: printable ASCII, no spaces. Quotes and
 * backslashes are refused too: no provider's key holds them, but a quoted value copied into a Docker
 * env file or a CI secret keeps them literally.
 */
const token = trimmed.pipe(
  z
    .string()
    .regex(/^[\x21-\x7e]+$/)
    .refine((v) => !/["'`\\]/.test(v)),
);

const onOff = z.preprocess(
  (raw) => {
    if (typeof raw === 'boolean') return raw ? 'on' : 'off';
    if (typeof raw !== 'string') return raw;
    const v = raw.trim().toLowerCase();
    if (['on', 'true', '1', 'yes'].includes(v)) return 'on';
    if (['off', 'false', '0', 'no'].includes(v)) return 'off';
    return v;
  },
  z.enum(['on', 'off']),
);

const logLevel = z.preprocess(
  (raw) => (typeof raw === 'string' ? raw.trim().toLowerCase() : raw),
  z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
);

const lang = z.preprocess(
  (raw) => {
    if (typeof raw !== 'string') return raw;
    const v = raw.trim().toLowerCase();
    if (/^zh([-_].*)?$/.test(v)) return 'zh';
    if (/^en([-_].*)?$/.test(v)) return 'en';
    return v;
  },
  z.enum(['en', 'zh']),
);

const origin = z.string().refine((value) => {
  if (value === '*') return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
});

const origins = z.preprocess(
  (raw) =>
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : raw,
  z.array(origin.transform((v) => v.replace(/\/$/, ''))),
);

const databaseUrl = trimmed.pipe(
  z.string().refine((value) => {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
    // A one-letter "scheme" is a Windows drive (C:\…), i.e. a path.
    if (scheme === undefined || scheme.length === 1) return true;
    if (scheme === 'sqlite' || scheme === 'file') return true;
    if (scheme === 'postgres' || scheme === 'postgresql') {
      try {
        return new URL(value).hostname !== '' || new URL(value).search.includes('host=');
      } catch {
        return false;
      }
    }
    return false;
  }),
);

const path = trimmed;

/** Expand a leading `~` and make the path absolute against the working directory. */
export function resolveUserPath(value: string, cwd: string): string {
  const expanded = value === '~' || value.startsWith('~/') ? `${homedir()}${value.slice(1)}` : value;
  return isAbsolute(expanded) ? expanded : resolve(cwd, expanded);
}

/** Every leaf setting. The order is the order of `steadychat config` and the docs. */
export const FIELDS: readonly FieldSpec[] = [
  {
    key: 'openai.apiKey',
    env: ['OPENAI_API_KEY'],
    schema: token,
    expected: {
      en: 'an API key (printable ASCII without spaces or quotes — check for stray quotes, a "Bearer " prefix or a full-width character)',
      zh: 'API 密钥（不含空格和引号的可打印 ASCII 字符——检查是否有多余的引号、"Bearer " 前缀或全角字符）',
    },
    example: 'sk-proj-…',
    secret: 'token',
    inFile: false,
    doc: 'API key of OpenAI or of the compatible provider.',
  },
  {
    key: 'openai.baseUrl',
    json: { type: 'string', format: 'uri' },
    env: ['OPENAI_BASE_URL', 'OPENAI_API_BASE'],
    schema: httpUrl(['http:', 'https:']),
    expected: { en: 'an http(s) URL', zh: 'http(s) 地址' },
    example: 'https://api.openai.com/v1',
    inFile: true,
    default: () => 'https://api.openai.com/v1',
    doc: 'Base URL of the Chat Completions API (OPENAI_API_BASE is the older name).',
  },
  {
    key: 'openai.orgId',
    json: { type: 'string', minLength: 1 },
    env: ['OPENAI_ORG_ID'],
    schema: token,
    expected: { en: 'an organization id', zh: '组织 ID' },
    example: 'org-AbC123',
    inFile: true,
    doc: 'OpenAI organization, sent as OpenAI-Organization.',
  },
  {
    key: 'openai.projectId',
    json: { type: 'string', minLength: 1 },
    env: ['OPENAI_PROJECT_ID'],
    schema: token,
    expected: { en: 'a project id', zh: '项目 ID' },
    example: 'proj_AbC123',
    inFile: true,
    doc: 'OpenAI project, sent as OpenAI-Project.',
  },
  {
    key: 'proxy.httpsProxy',
    json: { type: 'string', format: 'uri' },
    env: ['https_proxy', 'HTTPS_PROXY'],
    schema: httpUrl(['http:', 'https:']),
    expected: { en: 'an http(s) proxy URL', zh: 'http(s) 代理地址' },
    example: 'http://127.0.0.1:7890',
    secret: 'url',
    inFile: true,
    doc: 'Proxy for https:// upstreams.',
  },
  {
    key: 'proxy.httpProxy',
    json: { type: 'string', format: 'uri' },
    env: ['http_proxy', 'HTTP_PROXY'],
    schema: httpUrl(['http:', 'https:']),
    expected: { en: 'an http(s) proxy URL', zh: 'http(s) 代理地址' },
    example: 'http://127.0.0.1:7890',
    secret: 'url',
    inFile: true,
    doc: 'Proxy for http:// upstreams.',
  },
  {
    key: 'proxy.noProxy',
    json: { type: 'string', minLength: 1 },
    env: ['no_proxy', 'NO_PROXY'],
    schema: trimmed,
    expected: { en: 'a comma-separated list of hosts', zh: '逗号分隔的主机列表' },
    example: 'localhost,127.0.0.1,.internal.example.com',
    inFile: true,
    doc: 'Hosts that bypass the proxy.',
  },
  {
    key: 'home',
    json: { type: 'string', minLength: 1 },
    env: ['STEADYCHAT_HOME'],
    schema: path,
    expected: { en: 'a directory path', zh: '目录路径' },
    example: '~/.steadychat',
    inFile: true,
    resolvePath: true,
    default: () => resolve(homedir(), '.steadychat'),
    doc: 'Data directory: the SQLite database and config.json.',
  },
  {
    key: 'databaseUrl',
    json: { type: 'string', minLength: 1 },
    env: ['STEADYCHAT_DATABASE_URL'],
    schema: databaseUrl,
    expected: {
      en: 'a postgres:// URL, a sqlite: URL or a file path',
      zh: 'postgres:// 地址、sqlite: 地址或文件路径',
    },
    example: 'postgres://postgres@127.0.0.1:5432/steadychat',
    secret: 'url',
    inFile: true,
    doc: 'Database; unset means the SQLite file $STEADYCHAT_HOME/steadychat.db.',
  },
  {
    key: 'model',
    json: { type: 'string', minLength: 1 },
    env: ['STEADYCHAT_MODEL'],
    schema: trimmed,
    expected: { en: 'a model name', zh: '模型名称' },
    example: 'gpt-4o-mini',
    inFile: true,
    default: () => 'gpt-4o-mini',
    doc: 'Model used when a call names none.',
  },
  {
    key: 'summaryModel',
    json: { type: 'string', minLength: 1 },
    env: ['STEADYCHAT_SUMMARY_MODEL'],
    schema: trimmed,
    expected: { en: 'a model name', zh: '模型名称' },
    example: 'gpt-4o-mini',
    inFile: true,
    doc: 'Cheap model that summarises turns evicted from a conversation window.',
  },
  ...(
    [
      ['connectMs', 'STEADYCHAT_CONNECT_TIMEOUT_MS', 10_000, 'Time to open the connection.'],
      ['firstByteMs', 'STEADYCHAT_FIRST_BYTE_TIMEOUT_MS', 60_000, 'Time from the request to the first byte.'],
      ['idleMs', 'STEADYCHAT_IDLE_TIMEOUT_MS', 30_000, 'Longest silence between two stream chunks.'],
      ['totalMs', 'STEADYCHAT_TOTAL_TIMEOUT_MS', 600_000, 'The whole call, retries included.'],
    ] as const
  ).map(
    ([leaf, env, def, doc]): FieldSpec => ({
      key: `timeouts.${leaf}`,
      env: [env],
      schema: wholeNumber(1, MAX_MS),
      expected: {
        en: `a whole number of milliseconds (1 to ${MAX_MS})`,
        zh: `毫秒数（1 到 ${MAX_MS} 的整数）`,
      },
      example: def,
      inFile: true,
      default: () => def,
      doc,
      json: { type: 'integer', minimum: 1, maximum: MAX_MS },
    }),
  ),
  {
    key: 'maxRetries',
    json: { type: 'integer', minimum: 0, maximum: 10 },
    env: ['STEADYCHAT_MAX_RETRIES'],
    schema: wholeNumber(0, 10),
    expected: { en: 'a whole number from 0 to 10', zh: '0 到 10 的整数' },
    example: 2,
    inFile: true,
    default: () => 2,
    doc: 'Retries after the first attempt.',
  },
  {
    key: 'redact',
    json: { enum: ['on', 'off', true, false] },
    env: ['STEADYCHAT_REDACT'],
    schema: onOff,
    expected: { en: 'on or off', zh: 'on 或 off' },
    example: 'on',
    inFile: true,
    default: () => 'off',
    doc: 'Replace personal data before it leaves the machine (the gateway defaults to on).',
  },
  {
    key: 'logLevel',
    json: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
    env: ['STEADYCHAT_LOG_LEVEL'],
    schema: logLevel,
    expected: {
      en: 'one of trace, debug, info, warn, error, fatal, silent',
      zh: 'trace、debug、info、warn、error、fatal、silent 之一',
    },
    example: 'info',
    inFile: true,
    default: () => 'info',
    doc: 'Log level.',
  },
  {
    key: 'lang',
    json: { enum: ['en', 'zh'] },
    env: ['STEADYCHAT_LANG'],
    schema: lang,
    expected: { en: 'en or zh', zh: 'en 或 zh' },
    example: 'zh',
    inFile: true,
    doc: 'CLI language; unset means from LANG.',
  },
  {
    key: 'gateway.port',
    json: { type: 'integer', minimum: 0, maximum: 65535 },
    env: ['STEADYCHAT_PORT'],
    schema: wholeNumber(0, 65_535),
    expected: { en: 'a port number from 0 to 65535', zh: '0 到 65535 的端口号' },
    example: 8787,
    inFile: true,
    default: () => 8787,
    doc: 'Port of the gateway (0 = any free port).',
  },
  {
    key: 'gateway.host',
    json: { type: 'string', minLength: 1 },
    env: ['STEADYCHAT_HOST'],
    schema: trimmed.pipe(z.string().regex(/^[^\s/]+$/)),
    expected: { en: 'a host name or IP address', zh: '主机名或 IP 地址' },
    example: '127.0.0.1',
    inFile: true,
    default: () => '127.0.0.1',
    doc: 'Address the gateway binds to.',
  },
  {
    key: 'gateway.workers',
    json: { oneOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { const: 'auto' }] },
    env: ['STEADYCHAT_WORKERS'],
    schema: z.union([
      z.preprocess(
        (raw) => (typeof raw === 'string' ? raw.trim().toLowerCase() : raw),
        z.literal('auto').transform(() => availableParallelism()),
      ),
      wholeNumber(1, 256),
    ]),
    expected: {
      en: 'a number of processes from 1 to 256, or auto (one per CPU core)',
      zh: '1 到 256 的进程数，或 auto（每个 CPU 核一个）',
    },
    example: 2,
    inFile: true,
    default: () => 1,
    doc: 'Gateway processes sharing the port (auto = one per CPU core).',
  },
  {
    key: 'gateway.adminKey',
    env: ['STEADYCHAT_ADMIN_KEY'],
    schema: trimmed.pipe(z.string().regex(/^[\x21-\x7e]{16,}$/)),
    expected: {
      en: 'a key of at least 16 printable ASCII characters without spaces',
      zh: '至少 16 个不含空格的可打印 ASCII 字符',
    },
    example: 'a-long-random-string-of-32-chars',
    secret: 'token',
    inFile: false,
    doc: 'Key of the gateway admin API.',
  },
  {
    key: 'gateway.corsOrigins',
    json: { oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }] },
    env: ['STEADYCHAT_CORS_ORIGINS'],
    schema: origins,
    expected: {
      en: 'a comma-separated list of origins (scheme://host[:port], or *)',
      zh: '逗号分隔的来源列表（scheme://host[:port]，或 *）',
    },
    example: ['https://app.example.com', 'http://localhost:5173'],
    inFile: true,
    default: () => [],
    doc: 'Browser origins allowed to call the gateway.',
  },
  {
    key: 'redisUrl',
    json: { type: 'string', format: 'uri' },
    env: ['STEADYCHAT_REDIS_URL'],
    schema: httpUrl(['redis:', 'rediss:']),
    expected: { en: 'a redis:// or rediss:// URL', zh: 'redis:// 或 rediss:// 地址' },
    example: 'redis://127.0.0.1:6379',
    secret: 'url',
    inFile: true,
    doc: 'Redis for counters and rate limits shared by several gateway instances.',
  },
];

/** Variables of ours that are read elsewhere than in the field table (not reported as unknown). */
export const OTHER_KNOWN_VARIABLES: readonly string[] = [
  'STEADYCHAT_CONFIG',
  // Set by `serve --workers` for its worker processes.
  'STEADYCHAT_CLUSTER_WORKER',
  'STEADYCHAT_DEMO_UPSTREAM',
];
