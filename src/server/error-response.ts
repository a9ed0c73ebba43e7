import { scrubSecrets, UpstreamError } from '../openai/index.js';
import { PiiBlockedError } from '../redact/index.js';
import { BudgetExceededError, LocalRateLimitError, RunawayRequestError } from '../usage/index.js';
import { GatewayError } from './gateway-error.js';

/** OpenAI's error envelope. */
export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error as the gateway answers it: status, headers and OpenAI's envelope. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorEnvelope;
}

const NO_RETRY = { 'x-should-retry': 'false' };

/**
 * Maps any failure to the answer a client sees, in OpenAI's envelope with our own codes
 * (`budget_exceeded`, `pii_blocked`, `rate_limit_exceeded`, …). Upstream secrets never get through:
 * upstream messages are scrubbed, and an unknown failure says only "internal error".
 */
export function errorResponse(error: unknown, secrets: readonly string[] = []): ErrorResponse {
  if (error instanceof GatewayError) {
    return {
      status: error.status,
      headers: error.headers,
      body: envelope(error.message, error.type, error.param, error.code),
    };
  }
  if (error instanceof BudgetExceededError) {
    return {
      status: 429,
      headers: { ...NO_RETRY },
      body: envelope(error.message, 'insufficient_quota', null, 'budget_exceeded'),
    };
  }
  if (error instanceof LocalRateLimitError) {
    const seconds = error.retryAfterSeconds;
    return {
      status: 429,
      headers: seconds === undefined ? { ...NO_RETRY } : { 'retry-after': String(seconds) },
      body: envelope(error.message, error.limit, null, 'rate_limit_exceeded'),
    };
  }
  if (error instanceof RunawayRequestError) {
    return {
      status: 429,
      headers: { ...NO_RETRY },
      body: envelope(error.message, 'requests', null, 'runaway_request'),
    };
  }
  if (error instanceof PiiBlockedError) {
    return {
      status: 400,
      headers: {},
      body: envelope(error.message, 'invalid_request_error', error.field, 'pii_blocked'),
    };
  }
  if (error instanceof UpstreamError) return upstreamErrorResponse(error, secrets);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'conversation_not_found') {
    return {
      status: 404,
      headers: {},
      body: envelope((error as Error).message, 'invalid_request_error', null, 'conversation_not_found'),
    };
  }
  if (code === 'nothing_to_retry') {
    return {
      status: 409,
      headers: {},
      body: envelope((error as Error).message, 'invalid_request_error', null, 'nothing_to_retry'),
    };
  }
  return {
    status: 500,
    headers: {},
    body: envelope(
      'The gateway failed to handle the request; see its log.',
      'server_error',
      null,
      'internal_error',
    ),
  };
}

function upstreamErrorResponse(error: UpstreamError, secrets: readonly string[]): ErrorResponse {
  const clean = (text: string) => scrubSecrets(text, [...secrets]);
  switch (error.code) {
    case 'connection_failed':
      return {
        status: 502,
        headers: {},
        body: envelope(
          clean(`The gateway could not reach the upstream: ${error.message}`),
          'server_error',
          null,
          'upstream_unreachable',
        ),
      };
    case 'timeout':
      return {
        status: 504,
        headers: {},
        body: envelope(
          clean(`The upstream did not answer in time: ${error.message}`),
          'server_error',
          null,
          'upstream_timeout',
        ),
      };
    case 'missing_api_key':
    case 'invalid_api_key':
      // The upstream rejected the gateway's own key: not the client's fault, and its key stays hidden.
      return {
        status: 502,
        headers: { ...NO_RETRY },
        body: envelope(
          'The upstream rejected the gateway’s API key; the gateway operator must fix its configuration.',
          'server_error',
          null,
          'upstream_auth_failed',
        ),
      };
    case 'aborted':
      return {
        status: 499,
        headers: {},
        body: envelope('The request was cancelled.', 'invalid_request_error', null, 'aborted'),
      };
    case 'stream_interrupted':
      return {
        status: 502,
        headers: {},
        body: envelope(clean(error.message), 'server_error', null, 'stream_interrupted'),
      };
    default: {
      const status = error.status ?? 502;
      const headers: Record<string, string> = {};
      for (const name of ['retry-after', 'retry-after-ms', 'x-should-retry']) {
        const value = error.headers[name];
        if (value !== undefined) headers[name] = value;
      }
      return {
        status,
        headers,
        body: envelope(
          clean(error.upstreamMessage ?? error.message),
          error.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
          error.param ?? null,
          error.upstreamCode ?? (error.code.startsWith('http_') ? null : error.code),
        ),
      };
    }
  }
}

/** OpenAI's envelope; all four keys always present. */
export function envelope(
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): ErrorEnvelope {
  return { error: { message, type, param, code } };
}
