import type { ErrorBody } from '../openai/wire-types.js';

/** An error the emulator answers with: HTTP status, OpenAI's envelope, and extra headers. */
export interface EmulatedError {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
  /** Sent instead of the JSON body, as `text/html` (an edge proxy's page). */
  html?: string;
}

/** Builds OpenAI's error envelope; all four keys are always present. */
export function apiError(
  status: number,
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): EmulatedError {
  return { status, body: { error: { message, type, param, code } } };
}

/** 400 invalid_request_error. */
export function invalidRequest(
  message: string,
  param: string | null = null,
  code: string | null = null,
): EmulatedError {
  return apiError(400, message, 'invalid_request_error', param, code);
}

export const MISSING_KEY_MESSAGE =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.";

export const BAD_JSON_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

export const QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.';

export const SERVER_ERROR_MESSAGE =
  'The server had an error while processing your request. Sorry about that!';

export const missingKey = (): EmulatedError => apiError(401, MISSING_KEY_MESSAGE, 'invalid_request_error');

/** "Incorrect API key provided: sk-ab***wxyz." — the key is masked, never echoed whole. */
export function invalidKey(key: string): EmulatedError {
  return apiError(
    401,
    `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

export const quotaExceeded = (): EmulatedError =>
  apiError(429, QUOTA_MESSAGE, 'insufficient_quota', null, 'insufficient_quota');

export const serverError = (): EmulatedError => apiError(500, SERVER_ERROR_MESSAGE, 'server_error');

export function overloaded(requestId: string): EmulatedError {
  return apiError(
    503,
    `That model is currently overloaded with other requests. You can retry your request, or contact us through our help center at help.openai.com if the error persists. (Please include the request ID ${requestId} in your message.)`,
    'server_error',
  );
}

export function modelNotFound(model: string): EmulatedError {
  return apiError(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    null,
    'model_not_found',
  );
}

export function invalidUrl(method: string, path: string): EmulatedError {
  return apiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error');
}

export function methodNotAllowed(method: string, path: string): EmulatedError {
  return apiError(405, `Method not allowed (${method} ${path})`, 'invalid_request_error');
}

/** A key as it may appear in messages and the journal: a short prefix, asterisks, the last 4. */
export function maskKey(key: string): string {
  if (key.length <= 8) return `${key.slice(0, 2)}${'*'.repeat(Math.max(0, key.length - 2))}`;
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 40))}${key.slice(-4)}`;
}

/** The `Bearer …` header value with its key masked. */
export function maskAuthorization(value: string): string {
  const match = /^(\s*bearer\s+)(.*)$/i.exec(value);
  return match ? `${match[1]}${maskKey((match[2] ?? '').trim())}` : maskKey(value);
}
