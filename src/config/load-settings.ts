import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { closestName } from './closest-name.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import {
  FIELDS,
  type FieldContext,
  type FieldSpec,
  OTHER_KNOWN_VARIABLES,
  resolveUserPath,
} from './fields.js';
import { maskSecret, maskUrl } from './mask-secret.js';
import { readJsonFile } from './read-config-file.js';
import type { ConfigWarning, FileSections, SettingSource, Settings, SettingsInput } from './settings.js';

/** Where and how to load the settings. Every field is optional: the CLI passes none but `flags`. */
export interface LoadSettingsOptions {
  /**
   * The environment to read.
   * @default process.env
   */
  env?: Record<string, string | undefined>;
  /**
   * The working directory: where `.env` and `steadychat.config.json` are looked for, and relative paths
   * are resolved from.
   * @default process.cwd()
   */
  cwd?: string;
  /** Config file to read; wins over `STEADYCHAT_CONFIG`. A missing file is an error. */
  configFile?: string;
  /** Values given on the command line (or by a library caller): the strongest source. */
  flags?: SettingsInput;
  /** Replacement defaults (e.g. the gateway turns `redact` on); still reported as `default`. */
  defaults?: SettingsInput;
  /**
   * Read `.env` from the working directory.
   * @default true
   */
  dotenv?: boolean;
}

/** Config-file-only sections and what each holds (an object of named entries). */
const FILE_SECTIONS = ['models', 'prices', 'budgets', 'upstreams', 'redact'] as const;

interface Candidate {
  raw: unknown;
  source: SettingSource;
}

/**
 * Resolve the settings once: flags > environment > `.env` (working directory; never overrides a real
 * variable) > config file (`STEADYCHAT_CONFIG`, else `./steadychat.config.json`, else
 * `$STEADYCHAT_HOME/config.json`) > defaults. Every problem is collected and thrown together as one
 * {@link ConfigError}; each value remembers where it came from in `settings.sources`.
 */
export function loadSettings(options: LoadSettingsOptions = {}): Settings {
  const env = options.env ?? process.env;
  const cwd = resolve(options.cwd ?? process.cwd());
  const problems: ConfigProblem[] = [];
  const warnings: ConfigWarning[] = [];

  // 1. `.env`, read but never written into the environment.
  const dotenvFile = join(cwd, '.env');
  let dotenv: Record<string, string | undefined> = {};
  let envFile: string | undefined;
  if (options.dotenv !== false && existsSync(dotenvFile)) {
    try {
      dotenv = parseEnv(readFileSync(dotenvFile, 'utf8'));
      envFile = dotenvFile;
    } catch (error) {
      problems.push({
        key: '.env',
        source: { from: 'dotenv', file: dotenvFile },
        message: `${dotenvFile} cannot be read (${errorCode(error)}). Make it readable or remove it.`,
        messageZh: `无法读取 ${dotenvFile}（${errorCode(error)}）。请使其可读或删除它。`,
      });
    }
  }
  const lookupEnv = (names: readonly string[]): Candidate | undefined => {
    for (const [layer, from, file] of [
      [env, 'env', undefined],
      [dotenv, 'dotenv', dotenvFile],
    ] as const) {
      for (const name of names) {
        const value = layer[name];
        // An empty variable counts as unset, so `OPENAI_API_KEY=` in the shell does not hide `.env`.
        if (value !== undefined && value.trim() !== '') {
          return { raw: value, source: file === undefined ? { from, name } : { from, name, file } };
        }
      }
    }
    return undefined;
  };

  const fieldContext: FieldContext = { cwd, home: '' };
  const homeField = FIELDS.find((f) => f.key === 'home')!;

  // 2. The config file. Its location may depend on STEADYCHAT_HOME (but not on the file itself).
  const preHome = resolveField(homeField, undefined);
  fieldContext.home = typeof preHome?.value === 'string' ? preHome.value : '';
  let fileData: Record<string, unknown> = {};
  let configFile: string | undefined;
  const configVar = lookupEnv(['STEADYCHAT_CONFIG']);
  const explicit =
    options.configFile !== undefined
      ? { path: options.configFile, source: { from: 'flag', name: 'configFile' } as SettingSource }
      : configVar && { path: String(configVar.raw).trim(), source: configVar.source };
  const candidates = explicit
    ? [resolveUserPath(explicit.path, cwd)]
    : [
        join(cwd, 'steadychat.config.json'),
        ...(fieldContext.home ? [join(fieldContext.home, 'config.json')] : []),
      ];
  for (const file of candidates) {
    const result = readJsonFile(file);
    if (!result.ok && result.missing) {
      if (explicit) {
        const name =
          explicit.source.from === 'flag' ? 'The config file' : `${explicit.source.name}="${explicit.path}":`;
        problems.push({
          key: 'configFile',
          source: explicit.source,
          message: `${name} ${file} does not exist. Create it or point to an existing file. Example: STEADYCHAT_CONFIG=./steadychat.config.json`,
          messageZh: `${name} ${file} 不存在。请创建该文件或指向已有文件。示例：STEADYCHAT_CONFIG=./steadychat.config.json`,
        });
      }
      continue;
    }
    configFile = file;
    if (result.ok) {
      fileData = checkFileShape(result.data, file, problems);
    } else if (result.syntax) {
      const { line, column, problem } = result.syntax;
      problems.push({
        key: 'configFile',
        source: { from: 'file', file },
        message: `${file}:${line}:${column}: invalid JSON: ${problem.en}.`,
        messageZh: `${file}:${line}:${column}：JSON 格式错误：${problem.zh}。`,
      });
    } else {
      problems.push({
        key: 'configFile',
        source: { from: 'file', file },
        message: `${file} cannot be read (${result.ioError}). Make it readable, or set STEADYCHAT_CONFIG to another file.`,
        messageZh: `无法读取 ${file}（${result.ioError}）。请使其可读，或用 STEADYCHAT_CONFIG 指向其他文件。`,
      });
    }
    break;
  }

  // 3. Every leaf, strongest source first; a bad value is an error, never silently skipped.
  const values = new Map<string, unknown>();
  const sources: Settings['sources'] = {};
  for (const field of FIELDS) {
    const resolved = resolveField(field, configFile);
    if (!resolved) continue;
    if (field.key === 'home' && typeof resolved.value === 'string') fieldContext.home = resolved.value;
    values.set(field.key, resolved.value);
    sources[field.key] = resolved.source;
  }

  function resolveField(
    field: FieldSpec,
    file: string | undefined,
  ): { value: unknown; source: SettingSource } | undefined {
    const flag = getPath(options.flags, field.key);
    let candidate: Candidate | undefined =
      flag !== undefined ? { raw: flag, source: { from: 'flag', name: field.key } } : lookupEnv(field.env);
    const raw = file === undefined ? undefined : fileValue(fileData, field.key);
    if (file !== undefined && raw !== undefined) {
      if (!field.inFile) {
        // Reported even when a stronger source overrides it: the secret sits in the file regardless.
        problems.push({
          key: field.key,
          source: { from: 'file', name: field.key, file },
          message: `${file}: "${field.key}" is a secret and may not be in a config file (one is easily committed by mistake). Remove it and set it in the environment or .env instead. Example: ${field.env[0]}=${field.example}`,
          messageZh: `${file}：“${field.key}”是密钥，不能写在配置文件里（配置文件容易被误提交）。请删除它，改在环境变量或 .env 中设置。示例：${field.env[0]}=${field.example}`,
        });
        return undefined;
      }
      candidate ??= { raw, source: { from: 'file', name: field.key, file } };
    }
    if (!candidate) {
      const custom = getPath(options.defaults, field.key);
      if (custom !== undefined) candidate = { raw: custom, source: { from: 'default' } };
      else if (field.default) return { value: field.default(fieldContext), source: { from: 'default' } };
      else return undefined;
    }
    const parsed = field.schema.safeParse(candidate.raw);
    if (!parsed.success) {
      // Reported once, even though `home` is resolved twice.
      if (!problems.some((p) => p.key === field.key && p.source.from === candidate.source.from)) {
        problems.push(problemFor(field, candidate));
      }
      return undefined;
    }
    const value = field.resolvePath ? resolveUserPath(parsed.data as string, cwd) : parsed.data;
    return { value, source: candidate.source };
  }

  // 4. Likely mistakes that still work.
  const apiKey = values.get('openai.apiKey');
  if (
    typeof apiKey === 'string' &&
    /your[-_ ]?(api[-_ ]?)?key|x{6,}|placeholder|^<.*>$|changeme/i.test(apiKey)
  ) {
    warnings.push({
      key: 'openai.apiKey',
      message: `openai.apiKey (${maskSecret(apiKey)}) looks like a placeholder, not a real key. Put your provider's key in OPENAI_API_KEY.`,
      messageZh: `openai.apiKey（${maskSecret(apiKey)}）看起来是占位符，而不是真实的密钥。请在 OPENAI_API_KEY 中填入服务商提供的密钥。`,
    });
  }
  const baseUrl = values.get('openai.baseUrl');
  if (typeof baseUrl === 'string') warnings.push(...baseUrlWarnings(baseUrl));
  for (const names of [
    ['OPENAI_BASE_URL', 'OPENAI_API_BASE'],
    ['https_proxy', 'HTTPS_PROXY'],
    ['http_proxy', 'HTTP_PROXY'],
    ['no_proxy', 'NO_PROXY'],
  ] as const) {
    const [a, b] = names.map((n) => env[n]?.trim() || dotenv[n]?.trim());
    if (a && b && a !== b) {
      warnings.push({
        key: names[0],
        message: `${names[0]} and ${names[1]} are both set and differ; ${names[0]} is used. Remove one of them.`,
        messageZh: `${names[0]} 和 ${names[1]} 都已设置且不同；使用 ${names[0]}。请删除其中一个。`,
      });
    }
  }
  const known = [...FIELDS.flatMap((f) => f.env), ...OTHER_KNOWN_VARIABLES].filter((n) =>
    n.startsWith('STEADYCHAT_'),
  );
  const prefix = 'STEADYCHAT_';
  const knownSuffixes = known.map((n) => n.slice(prefix.length));
  for (const name of new Set([...Object.keys(env), ...Object.keys(dotenv)])) {
    if (!name.startsWith(prefix) || known.includes(name)) continue;
    // Compared without the common prefix, so only a near miss of the distinctive part counts.
    const suffix = closestName(name.slice(prefix.length), knownSuffixes);
    if (suffix === undefined) continue;
    const guess = `${prefix}${suffix}`;
    warnings.push({
      key: name,
      message: `${name} is not a steadychat variable and is ignored. Did you mean ${guess}?`,
      messageZh: `${name} 不是 steadychat 的变量，已忽略。是否想写 ${guess}？`,
    });
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const get = <T>(key: string): T => values.get(key) as T;
  const optional = <K extends string, T>(key: K, value: T | undefined): { [P in K]?: T } =>
    (value === undefined ? {} : { [key]: value }) as { [P in K]?: T };
  const file: FileSections = {};
  for (const section of FILE_SECTIONS) {
    const value = fileData[section];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const entries = { ...(value as Record<string, unknown>) };
      if (section === 'redact') delete entries.enabled;
      file[section] = entries;
    }
  }
  return {
    openai: {
      ...optional('apiKey', get<string | undefined>('openai.apiKey')),
      baseUrl: get<string>('openai.baseUrl'),
      ...optional('orgId', get<string | undefined>('openai.orgId')),
      ...optional('projectId', get<string | undefined>('openai.projectId')),
    },
    proxy: {
      ...optional('httpsProxy', get<string | undefined>('proxy.httpsProxy')),
      ...optional('httpProxy', get<string | undefined>('proxy.httpProxy')),
      ...optional('noProxy', get<string | undefined>('proxy.noProxy')),
    },
    home: get<string>('home'),
    ...optional('databaseUrl', get<string | undefined>('databaseUrl')),
    model: get<string>('model'),
    ...optional('summaryModel', get<string | undefined>('summaryModel')),
    timeouts: {
      connectMs: get<number>('timeouts.connectMs'),
      firstByteMs: get<number>('timeouts.firstByteMs'),
      idleMs: get<number>('timeouts.idleMs'),
      totalMs: get<number>('timeouts.totalMs'),
    },
    maxRetries: get<number>('maxRetries'),
    redact: get<'on' | 'off'>('redact'),
    logLevel: get<Settings['logLevel']>('logLevel'),
    ...optional('lang', get<'en' | 'zh' | undefined>('lang')),
    gateway: {
      port: get<number>('gateway.port'),
      host: get<string>('gateway.host'),
      workers: get<number>('gateway.workers'),
      ...optional('adminKey', get<string | undefined>('gateway.adminKey')),
      corsOrigins: get<string[]>('gateway.corsOrigins'),
    },
    ...optional('redisUrl', get<string | undefined>('redisUrl')),
    file,
    ...optional('configFile', configFile),
    ...optional('envFile', envFile),
    sources,
    warnings,
  };
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function getPath(input: unknown, key: string): unknown {
  let node = input;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** A leaf's value in the config file; `redact` may be the switch itself or a section with `enabled`. */
function fileValue(data: Record<string, unknown>, key: string): unknown {
  const value = getPath(data, key);
  if (key === 'redact' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return (value as Record<string, unknown>).enabled;
  }
  return value;
}

/** The example written the way the value's source spells it. */
function exampleFor(field: FieldSpec, source: SettingSource): string {
  const example = field.example;
  if (source.from === 'env' || source.from === 'dotenv') {
    return `${source.name ?? field.env[0]}=${Array.isArray(example) ? example.join(',') : example}`;
  }
  const parts = field.key.split('.');
  let json = JSON.stringify(example);
  for (const part of parts.reverse()) json = `{ "${part}": ${json} }`;
  return json;
}

function shown(field: FieldSpec, raw: unknown): string {
  const text = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
  const masked = field.secret === 'token' ? maskSecret(text) : field.secret === 'url' ? maskUrl(text) : text;
  const short = masked.length > 80 ? `${masked.slice(0, 77)}…` : masked;
  return typeof raw === 'string' ? JSON.stringify(short) : short;
}

function problemFor(field: FieldSpec, candidate: Candidate): ConfigProblem {
  const { source } = candidate;
  const value = shown(field, candidate.raw);
  const example = exampleFor(field, source);
  let where: string;
  let whereZh: string;
  switch (source.from) {
    case 'env':
      where = `${source.name}=${value}`;
      whereZh = where;
      break;
    case 'dotenv':
      where = `${source.name}=${value} (in ${source.file})`;
      whereZh = `${source.name}=${value}（在 ${source.file} 中）`;
      break;
    case 'file':
      where = `${source.file}: "${field.key}" = ${value}`;
      whereZh = `${source.file}：“${field.key}” = ${value}`;
      break;
    case 'flag':
      where = `option ${field.key} = ${value}`;
      whereZh = `选项 ${field.key} = ${value}`;
      break;
    default:
      where = `default ${field.key} = ${value}`;
      whereZh = `默认值 ${field.key} = ${value}`;
  }
  return {
    key: field.key,
    source,
    message: `${where} is not ${field.expected.en}. Example: ${example}`,
    messageZh: `${whereZh} 不是${field.expected.zh}。示例：${example}`,
  };
}

function baseUrlWarnings(baseUrl: string): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const url = new URL(baseUrl);
  if (url.hostname === 'api.openai.com' && !/^\/v1(\/|$)/.test(url.pathname)) {
    warnings.push({
      key: 'openai.baseUrl',
      message: `openai.baseUrl ${baseUrl} lacks /v1: OpenAI will answer 404. Use https://api.openai.com/v1.`,
      messageZh: `openai.baseUrl ${baseUrl} 缺少 /v1：OpenAI 会返回 404。请使用 https://api.openai.com/v1。`,
    });
  }
  if (/\/chat\/completions$/.test(url.pathname)) {
    warnings.push({
      key: 'openai.baseUrl',
      message: `openai.baseUrl ${baseUrl} ends with /chat/completions, which steadychat appends itself. Remove it.`,
      messageZh: `openai.baseUrl ${baseUrl} 以 /chat/completions 结尾，steadychat 会自动添加。请删除这一段。`,
    });
  }
  const loopback =
    ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.endsWith('.localhost');
  if (url.protocol === 'http:' && !loopback) {
    warnings.push({
      key: 'openai.baseUrl',
      message: `openai.baseUrl ${baseUrl} is plain http: the API key travels unencrypted. Use https:// unless this is a trusted network.`,
      messageZh: `openai.baseUrl ${baseUrl} 使用明文 http：API 密钥将未加密传输。除非是可信网络，请使用 https://。`,
    });
  }
  return warnings;
}

/** Checks the file's structure (objects where objects belong, no unknown keys) and returns it. */
function checkFileShape(data: unknown, file: string, problems: ConfigProblem[]): Record<string, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    problems.push({
      key: 'configFile',
      source: { from: 'file', file },
      message: `${file}: the file must hold one JSON object. Example: { "model": "gpt-4o-mini", "timeouts": { "idleMs": 30000 } }`,
      messageZh: `${file}：文件内容必须是一个 JSON 对象。示例：{ "model": "gpt-4o-mini", "timeouts": { "idleMs": 30000 } }`,
    });
    return {};
  }
  const result = FILE_SCHEMA.safeParse(data);
  if (result.success) return data as Record<string, unknown>;
  for (const issue of result.error.issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(issue.path.map(String));
      for (const key of issue.keys) {
        const name = at ? `${at}.${key}` : key;
        const guess = closestName(key, allowed);
        const mean = guess ? ` Did you mean "${guess}"?` : '';
        const meanZh = guess ? `是否想写“${guess}”？` : '';
        problems.push({
          key: name,
          source: { from: 'file', name, file },
          message: `${file}: unknown key "${name}".${mean} Allowed keys${at ? ` in "${at}"` : ''}: ${allowed.join(', ')}.`,
          messageZh: `${file}：未知的键“${name}”。${meanZh}${at ? `“${at}”中` : ''}允许的键：${allowed.join('、')}。`,
        });
      }
    } else {
      const path = issue.path.map(String);
      const inner = path.length === 2 ? '{ … }' : `{ "${allowedKeysAt(path)[0] ?? '…'}": … }`;
      let example = inner;
      for (const part of [...path].reverse()) example = `{ "${part}": ${example} }`;
      problems.push({
        key: at,
        source: { from: 'file', name: at, file },
        message: `${file}: "${at}" must be an object. Example: ${example}`,
        messageZh: `${file}：“${at}”必须是对象。示例：${example}`,
      });
    }
  }
  // Still returned, so that bad leaf values are reported in the same run.
  return data as Record<string, unknown>;
}

function allowedKeysAt(path: string[]): string[] {
  if (path.length === 0) return Object.keys(FILE_SCHEMA.shape);
  if (path.length > 1) return [];
  return FIELDS.map((f) => f.key.split('.')).flatMap(([head, leaf]) =>
    head === path[0] && leaf ? [leaf] : [],
  );
}

/** The file's structure; leaf values are validated by the fields themselves, like environment values. */
const FILE_SCHEMA = (() => {
  const leaf = z.unknown().optional();
  const shape: Record<string, z.ZodType<unknown>> = { $schema: leaf };
  const sections = new Map<string, Record<string, z.ZodType<unknown>>>();
  for (const field of FIELDS) {
    const [head = '', sub] = field.key.split('.');
    if (sub === undefined) {
      shape[head] = leaf;
    } else {
      const entries = sections.get(head) ?? {};
      entries[sub] = leaf;
      sections.set(head, entries);
    }
  }
  for (const [name, entries] of sections) shape[name] = z.strictObject(entries).optional();
  // Only the section itself must be an object: its owner validates the entries (budgets.timezone is a string).
  const entries = z.record(z.string(), z.unknown()).optional();
  for (const name of FILE_SECTIONS) shape[name] = name === 'redact' ? leaf : entries;
  return z.strictObject(shape);
})();
