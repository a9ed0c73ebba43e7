import pino, { type DestinationStream, type Logger } from 'pino';
import { settingsSecrets } from './describe-settings.js';
import { maskKeyShapedTokens, redactSecrets } from './mask-secret.js';
import type { LogLevel, Settings } from './settings.js';

/** How to build a logger when not from the settings. */
export interface LoggerOptions {
  /**
   * The lowest level written.
   * @default 'info'
   */
  level?: LogLevel;
  /**
   * Where the JSON lines go (anything with `write(string)`).
   * @default standard error, so a command's own output on standard output stays clean
   */
  destination?: DestinationStream;
  /** Values masked wherever they appear in a line (message, fields, error stacks). */
  secrets?: readonly string[];
  /** Extra fields on every line (e.g. `{ component: 'gateway' }`). */
  base?: Record<string, unknown>;
}

/** Field paths masked by name, whatever their value. */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'apiKey',
  '*.apiKey',
  'openai.apiKey',
  '*.openai.apiKey',
  'adminKey',
  '*.adminKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'headers["api-key"]',
  '*.headers["api-key"]',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'headers.cookie',
  '*.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
];

/**
 * A pino logger that never writes a secret: known field names are masked by path, and every
 * configured secret (the API key, the admin key, passwords in URLs) plus anything shaped like an API key
 * (`sk-…`, `Bearer …`) is masked in the final line, wherever it sits (message, nested field, stack).
 * Build it from the settings (`createLogger(settings)`, level `logLevel`) or from options; `more`
 * adds to either (a destination, a `base`, extra secrets).
 */
export function createLogger(input: Settings | LoggerOptions = {}, more: LoggerOptions = {}): Logger {
  const from: LoggerOptions =
    'sources' in input ? { level: input.logLevel, secrets: settingsSecrets(input) } : input;
  const options: LoggerOptions = { ...from, ...more };
  const secrets = [...(from.secrets ?? []), ...(more.secrets ?? [])];
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
      hooks: {
        streamWrite: (line) => maskKeyShapedTokens(redactSecrets(line, secrets)),
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

export type { Logger };
