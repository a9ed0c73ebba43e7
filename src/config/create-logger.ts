import pino, { type DestinationStream, type Logger } from 'pino';
import { settingsSecrets } from './describe-settings.js';
import { maskKeyShapedTokens, secretMasker } from './mask-secret.js';
import type { LogLevel, Settings } from './settings.js';
import { turnBatchedDestination } from './turn-batched-destination.js';

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
  /**
   * Write the lines of one turn of the event loop together, at the end of that turn, in one write
   * (for a server that logs a line per request). Lines still gathered at exit are written then.
   * @default false (one write per line)
   */
  batch?: boolean;
}

/** Fields masked by name, whatever their value, at the top of a log object and two levels down. */
export const SECRET_LOG_FIELDS: ReadonlySet<string> = new Set([
  'apiKey',
  'adminKey',
  'authorization',
  'password',
  'secret',
  'token',
]);

/** Header names masked inside any `headers` object (any case). */
export const SECRET_LOG_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'api-key',
  'x-api-key',
  'cookie',
  'set-cookie',
]);

const CENSOR = '[redacted]';

/** The deepest level whose fields are masked by name (0 is the top). */
const MASKED_DEPTH = 2;

/**
 * The log object with its secret fields masked (see SECRET_LOG_FIELDS): the same object when there is
 * none, else a copy (the caller's object is never changed). Only plain objects are walked.
 */
function maskSecretFields<T extends object>(object: T, depth = 0, headers = false): T {
  let copy: Record<string, unknown> | undefined;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    const value: unknown = object[key];
    let next = value;
    if (SECRET_LOG_FIELDS.has(key) || (headers && SECRET_LOG_HEADERS.has(key.toLowerCase()))) {
      next = CENSOR;
    } else if (depth < MASKED_DEPTH && isPlainObject(value)) {
      next = maskSecretFields(value, depth + 1, key === 'headers');
    }
    if (next !== value) {
      copy ??= { ...(object as Record<string, unknown>) };
      copy[key] = next;
    }
  }
  return (copy as T | undefined) ?? object;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A pino logger that never writes a secret: known field names are masked by name, and every
 * configured secret (the API key, the admin key, passwords in URLs) plus anything shaped like an API key
 * (`sk-…`, `Bearer …`) is masked in the final line, wherever it sits (message, nested field, stack).
 * Build it from the settings (`createLogger(settings)`, level `logLevel`) or from options; `more`
 * adds to either (a destination, a `base`, extra secrets).
 */
export function createLogger(input: Settings | LoggerOptions = {}, more: LoggerOptions = {}): Logger {
  const from: LoggerOptions =
    'sources' in input ? { level: input.logLevel, secrets: settingsSecrets(input) } : input;
  const options: LoggerOptions = { ...from, ...more };
  const maskSecrets = secretMasker([...(from.secrets ?? []), ...(more.secrets ?? [])]);
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      formatters: { log: (object) => (isPlainObject(object) ? maskSecretFields(object) : object) },
      hooks: {
        streamWrite: (line) => maskKeyShapedTokens(maskSecrets(line)),
      },
    },
    options.batch ? turnBatchedDestination(destination) : destination,
  );
}

export type { Logger };
