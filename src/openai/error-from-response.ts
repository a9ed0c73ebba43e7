import { serverRetryDelayMs } from './retry-delay.js';
import { scrubSecrets } from './scrub-secrets.js';
import {
  AuthenticationError,
  BadRequestError,
  ContextLengthError,
  HttpStatusError,
  ModelNotFoundError,
  NotFoundError,
  PermissionDeniedError,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  type UpstreamError,
  type UpstreamErrorInit,
} from './upstream-errors.js';

/** What {@link errorFromResponse} needs to know about a failed HTTP answer. */
export interface ErrorResponseInput {
  status: number;
  headers: Record<string, string>;
  /** The raw body text (JSON envelope, HTML page, or anything). */
  body: string;
  /** Secrets to scrub from any text copied into the error (the API key). */
  secrets?: readonly string[];
  /** The request URL, for "wrong base URL" hints. */
  url?: string;
  /** The model requested, for model-not-found messages. */
  model?: string;
}

interface Envelope {
  message?: string;
  type?: string | null;
  param?: string | null;
  code?: string | number | null;
}

/** Read OpenAI's `{"error": {...}}` envelope (or a bare `{message}` some providers send). */
export function parseErrorEnvelope(body: string): Envelope | undefined {
  const trimmed = body.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const json = JSON.parse(trimmed) as { error?: unknown; message?: unknown };
    const err = json.error;
    if (err && typeof err === 'object') return err as Envelope;
    if (typeof err === 'string') return { message: err };
    if (typeof json.message === 'string') return { message: json.message };
  } catch {
    // Not JSON after all: handled as text by the caller.
  }
  return undefined;
}

/** Summarise a non-JSON body (HTML error pages from an edge proxy) into one short line. */
function summariseText(body: string): string | undefined {
  const text = body.trim();
  if (!text) return undefined;
  if (/^<(!doctype|html)/i.test(text)) {
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    return `HTML error page${title ? ` "${title}"` : ''}`;
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * The one mapping from an upstream HTTP error (status + headers + body) to a typed error. Used by the
 * client, the doctor and the gateway alike.
 */
export function errorFromResponse(input: ErrorResponseInput): UpstreamError {
  const { status, headers } = input;
  const env = parseErrorEnvelope(input.body);
  const secrets = input.secrets ?? [];
  const rawMessage = env?.message ?? summariseText(input.body);
  const init: UpstreamErrorInit = {
    status,
    upstreamCode: env?.code === undefined || env.code === null ? undefined : String(env.code),
    type: env?.type,
    param: env?.param,
    requestId: headers['x-request-id'],
    headers,
    upstreamMessage: rawMessage === undefined ? undefined : scrubSecrets(rawMessage, secrets),
  };
  return errorFromInit(init, {
    url: input.url,
    model: input.model,
    retryAfterMs: serverRetryDelayMs(headers),
  });
}

/** Map an error frame received inside a stream (`{"error": {...}}` or `event: error`). */
export function errorFromStreamFrame(
  data: string,
  headers: Record<string, string>,
  secrets: readonly string[] = [],
): UpstreamError {
  const env = parseErrorEnvelope(data);
  const message = env?.message ?? (summariseText(data) || 'An error occurred during streaming');
  const code = env?.code === undefined || env.code === null ? undefined : String(env.code);
  const numeric = typeof env?.code === 'number' ? env.code : undefined;
  const init: UpstreamErrorInit = {
    upstreamCode: code,
    type: env?.type,
    param: env?.param,
    requestId: headers['x-request-id'],
    headers,
    upstreamMessage: scrubSecrets(message, secrets),
  };
  if (numeric !== undefined && numeric >= 400 && numeric < 600) init.status = numeric;
  return errorFromInit(init, {});
}

function errorFromInit(
  init: UpstreamErrorInit,
  extra: { url?: string | undefined; model?: string | undefined; retryAfterMs?: number | undefined },
): UpstreamError {
  const { status } = init;
  const code = init.upstreamCode;
  const type = init.type ?? undefined;
  const message = init.upstreamMessage ?? '';
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return new QuotaExceededError(init);
  if (code === 'context_length_exceeded') return new ContextLengthError(init);
  if (code === 'model_not_found') return new ModelNotFoundError({ ...init, model: extra.model });
  if (code === 'invalid_api_key') return new AuthenticationError('rejected', init);
  if (code === 'rate_limit_exceeded')
    return new RateLimitError({ ...init, retryAfterMs: extra.retryAfterMs });
  switch (status) {
    case 401:
      return new AuthenticationError(
        /didn't provide an API key|no api key|missing/i.test(message) ? 'missing' : 'rejected',
        init,
      );
    case 403:
      return new PermissionDeniedError(init);
    case 404:
      return /model/i.test(message) && /does not exist|not found/i.test(message)
        ? new ModelNotFoundError({ ...init, model: extra.model })
        : new NotFoundError({ ...init, ...(extra.url ? { url: extra.url } : {}) });
    case 429:
      return new RateLimitError({ ...init, retryAfterMs: extra.retryAfterMs });
    case 400:
    case 413:
    case 422:
      return /maximum context length|context length|context window/i.test(message)
        ? new ContextLengthError(init)
        : new BadRequestError(init);
    case undefined:
      return type === 'invalid_request_error' ? new BadRequestError(init) : new ServerError(init);
    default:
      if (status >= 500) return new ServerError(init);
      return new HttpStatusError(init);
  }
}
