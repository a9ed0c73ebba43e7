/** Log levels understood by the logger (pino's), from the most to the least verbose; `silent` logs nothing. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Where one setting's value came from, from the weakest to the strongest. */
export type SettingOrigin = 'default' | 'file' | 'dotenv' | 'env' | 'flag';

/** The origin of one value and the name it had there (variable name, file key or option name). */
export interface SettingSource {
  from: SettingOrigin;
  /** The environment variable (`env`, `dotenv`), the dotted key (`file`, `flag`); absent for `default`. */
  name?: string;
  /** The file the value was read from (`file`: the config file; `dotenv`: the `.env` file). */
  file?: string;
}

/**
 * Config-file-only sections: structures that do not fit in environment variables. Each is checked to be
 * an object of named entries; the feature that owns a section validates the entries themselves.
 */
export interface FileSections {
  /** Extra models or overrides of the model table (context window, encoding…), by model name. */
  models?: Record<string, unknown>;
  /** Price overrides, by model name. */
  prices?: Record<string, unknown>;
  /** Budgets, by name. */
  budgets?: Record<string, unknown>;
  /** Upstream services (OpenAI-compatible providers), by name. */
  upstreams?: Record<string, unknown>;
  /** PII redaction: per-type actions, custom patterns, allow and deny lists. */
  redact?: Record<string, unknown>;
}

/**
 * The one validated, typed settings object, resolved once from (strongest first) flags, the
 * environment, `.env` in the working directory, the config file and the defaults.
 */
export interface Settings {
  openai: {
    /** `OPENAI_API_KEY`. Secret: masked whenever shown. Not accepted in the config file. */
    apiKey?: string;
    /**
     * `OPENAI_BASE_URL`, else the older `OPENAI_API_BASE`. An http(s) URL without a trailing slash.
     * @default 'https://api.openai.com/v1'
     */
    baseUrl: string;
    /** `OPENAI_ORG_ID`: sent as `OpenAI-Organization`. */
    orgId?: string;
    /** `OPENAI_PROJECT_ID`: sent as `OpenAI-Project`. */
    projectId?: string;
  };
  proxy: {
    /** `https_proxy`, else `HTTPS_PROXY`: proxy for https:// upstreams. Credentials in it are masked. */
    httpsProxy?: string;
    /** `http_proxy`, else `HTTP_PROXY`: proxy for http:// upstreams (and https ones when no https proxy). */
    httpProxy?: string;
    /** `no_proxy`, else `NO_PROXY`: comma-separated hosts that bypass the proxy. */
    noProxy?: string;
  };
  /**
   * `STEADYCHAT_HOME`: the data directory (database, config.json). An absolute path.
   * @default '~/.steadychat'
   */
  home: string;
  /**
   * `STEADYCHAT_DATABASE_URL`: `postgres://…` for PostgreSQL, or `sqlite:<path>` / a file path.
   * Unset means the SQLite file `$STEADYCHAT_HOME/steadychat.db`. Credentials in it are masked.
   */
  databaseUrl?: string;
  /**
   * `STEADYCHAT_MODEL`: the model used when a call names none.
   * @default 'gpt-4o-mini'
   */
  model: string;
  /** `STEADYCHAT_SUMMARY_MODEL`: a cheap model that summarises turns evicted from a conversation's window. */
  summaryModel?: string;
  timeouts: {
    /**
     * `STEADYCHAT_CONNECT_TIMEOUT_MS`: time to open the connection to the upstream.
     * @default 10000
     */
    connectMs: number;
    /**
     * `STEADYCHAT_FIRST_BYTE_TIMEOUT_MS`: time from sending the request to the first response byte.
     * @default 60000
     */
    firstByteMs: number;
    /**
     * `STEADYCHAT_IDLE_TIMEOUT_MS`: longest silence allowed between two chunks of a stream.
     * @default 30000
     */
    idleMs: number;
    /**
     * `STEADYCHAT_TOTAL_TIMEOUT_MS`: the whole call, retries included.
     * @default 600000
     */
    totalMs: number;
  };
  /**
   * `STEADYCHAT_MAX_RETRIES`: retries after the first attempt (0–10).
   * @default 2
   */
  maxRetries: number;
  /**
   * `STEADYCHAT_REDACT`: replace personal data before it leaves the machine.
   * @default 'off' (the gateway defaults it to 'on')
   */
  redact: 'on' | 'off';
  /**
   * `STEADYCHAT_LOG_LEVEL`.
   * @default 'info'
   */
  logLevel: LogLevel;
  /** `STEADYCHAT_LANG`: interface language of the CLI; unset means from `LANG`. */
  lang?: 'en' | 'zh';
  gateway: {
    /**
     * `STEADYCHAT_PORT` (0 = any free port).
     * @default 8787
     */
    port: number;
    /**
     * `STEADYCHAT_HOST`: the address the gateway binds to.
     * @default '127.0.0.1'
     */
    host: string;
    /**
     * `STEADYCHAT_WORKERS`: gateway processes sharing the port (`auto` in the variable or the file =
     * one per CPU core).
     * @default 1
     */
    workers: number;
    /** `STEADYCHAT_ADMIN_KEY`: the key of the gateway's admin API. Secret. Not accepted in the config file. */
    adminKey?: string;
    /**
     * `STEADYCHAT_CORS_ORIGINS`: comma-separated origins allowed to call the gateway from a browser
     * (`*` for any).
     * @default [] (none)
     */
    corsOrigins: string[];
  };
  /** `STEADYCHAT_REDIS_URL`: `redis://…` for counters and rate limits shared by several gateway instances. */
  redisUrl?: string;
  /** The config-file-only sections (empty when there is no config file). */
  file: FileSections;
  /** The config file that was read, when one was. */
  configFile?: string;
  /** The `.env` file that was read, when one was. */
  envFile?: string;
  /** Where each value came from, by dotted key (`'timeouts.idleMs'`). Unset optional keys are absent. */
  sources: Partial<Record<SettingKey, SettingSource>>;
  /** Things that work but are probably not what the user meant (shown by `steadychat config`). */
  warnings: ConfigWarning[];
}

/** A setting that works but is probably not what the user meant. */
export interface ConfigWarning {
  /** The setting or variable concerned. */
  key: string;
  message: string;
  /** The same in Chinese. */
  messageZh: string;
}

/** The dotted key of every leaf setting. */
export type SettingKey =
  | 'openai.apiKey'
  | 'openai.baseUrl'
  | 'openai.orgId'
  | 'openai.projectId'
  | 'proxy.httpsProxy'
  | 'proxy.httpProxy'
  | 'proxy.noProxy'
  | 'home'
  | 'databaseUrl'
  | 'model'
  | 'summaryModel'
  | 'timeouts.connectMs'
  | 'timeouts.firstByteMs'
  | 'timeouts.idleMs'
  | 'timeouts.totalMs'
  | 'maxRetries'
  | 'redact'
  | 'logLevel'
  | 'lang'
  | 'gateway.port'
  | 'gateway.host'
  | 'gateway.workers'
  | 'gateway.adminKey'
  | 'gateway.corsOrigins'
  | 'redisUrl';

type NumberInput = number | string;

/**
 * Values given by the caller (CLI flags, a library caller's options) or used as replacement defaults.
 * Same shape as the settings; numbers may be given as strings (as a CLI flag gives them). Every value
 * is validated like an environment variable.
 */
export interface SettingsInput {
  openai?: { apiKey?: string; baseUrl?: string; orgId?: string; projectId?: string };
  proxy?: { httpsProxy?: string; httpProxy?: string; noProxy?: string };
  home?: string;
  databaseUrl?: string;
  model?: string;
  summaryModel?: string;
  timeouts?: {
    connectMs?: NumberInput;
    firstByteMs?: NumberInput;
    idleMs?: NumberInput;
    totalMs?: NumberInput;
  };
  maxRetries?: NumberInput;
  redact?: 'on' | 'off' | boolean;
  logLevel?: LogLevel;
  lang?: 'en' | 'zh';
  gateway?: {
    port?: NumberInput;
    host?: string;
    workers?: NumberInput;
    adminKey?: string;
    corsOrigins?: string[] | string;
  };
  redisUrl?: string;
}
