import { describe, expect, it } from 'vitest';
import { SteadyChatError } from '../../src/errors/index.js';
import {
  AbortedError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  ContextLengthError,
  errorFromResponse,
  errorFromStreamFrame,
  HttpStatusError,
  isRetryable,
  ModelNotFoundError,
  NotFoundError,
  PermissionDeniedError,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  StreamInterruptedError,
  TimeoutError,
} from '../../src/openai/index.js';

const body = (message: string, type: string, code: string | null, param: string | null = null) =>
  JSON.stringify({ error: { message, type, param, code } });

const map = (status: number, text: string, headers: Record<string, string> = {}) =>
  errorFromResponse({ status, headers: { 'x-request-id': 'req_abc', ...headers }, body: text });

describe('every upstream failure maps to the class a caller can act on', () => {
  it('401 missing key vs rejected key', () => {
    const missing = map(
      401,
      body("You didn't provide an API key. You need to provide…", 'invalid_request_error', null),
    );
    expect(missing).toBeInstanceOf(AuthenticationError);
    expect((missing as AuthenticationError).reason).toBe('missing');
    expect(missing.code).toBe('missing_api_key');
    const rejected = map(
      401,
      body('Incorrect API key provided: sk-abc***abcd.', 'invalid_request_error', 'invalid_api_key'),
    );
    expect((rejected as AuthenticationError).reason).toBe('rejected');
    expect(rejected.code).toBe('invalid_api_key');
    expect(rejected.requestId).toBe('req_abc');
    expect(rejected.message).toMatch(/OPENAI_API_KEY/);
  });

  it('403, 404 model, 404 route, 400, 422, 5xx, other', () => {
    expect(
      map(
        403,
        body(
          'Country, region, or territory not supported',
          'request_forbidden',
          'unsupported_country_region_territory',
        ),
      ),
    ).toBeInstanceOf(PermissionDeniedError);
    const model = map(
      404,
      body(
        'The model `gpt-9` does not exist or you do not have access to it.',
        'invalid_request_error',
        'model_not_found',
      ),
    );
    expect(model).toBeInstanceOf(ModelNotFoundError);
    expect((model as ModelNotFoundError).model).toBe('gpt-9');
    const route = map(404, body('Invalid URL (POST /v1/chat/completion)', 'invalid_request_error', null));
    expect(route).toBeInstanceOf(NotFoundError);
    expect(route).not.toBeInstanceOf(ModelNotFoundError);
    expect(route.message).toMatch(/\/v1/);
    const bad = map(
      400,
      body(
        "Invalid 'temperature': decimal above maximum value.",
        'invalid_request_error',
        'decimal_above_max_value',
        'temperature',
      ),
    );
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.param).toBe('temperature');
    expect(bad.upstreamCode).toBe('decimal_above_max_value');
    expect(map(422, body('x', 'invalid_request_error', null))).toBeInstanceOf(BadRequestError);
    for (const s of [500, 502, 503, 504])
      expect(map(s, body('The server had an error', 'server_error', null))).toBeInstanceOf(ServerError);
    expect(map(409, 'conflict')).toBeInstanceOf(HttpStatusError);
  });

  it('429 quota is not a rate limit, and only the rate limit carries a wait', () => {
    const quota = map(
      429,
      body(
        'You exceeded your current quota, please check your plan and billing details.',
        'insufficient_quota',
        'insufficient_quota',
      ),
    );
    expect(quota).toBeInstanceOf(QuotaExceededError);
    expect(quota).not.toBeInstanceOf(RateLimitError);
    expect(isRetryable(quota)).toBe(false);
    const limited = map(
      429,
      body(
        'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.',
        'requests',
        'rate_limit_exceeded',
      ),
      { 'retry-after': '20' },
    );
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterMs).toBe(20_000);
    expect(limited.type).toBe('requests');
    expect(isRetryable(limited)).toBe(true);
  });

  it('context too long carries the limit and the requested count, in both wordings', () => {
    const old = map(
      400,
      body(
        "This model's maximum context length is 4097 tokens. However, you requested 4268 tokens (4012 in the messages, 256 in the completion). Please reduce the length of the messages or completion.",
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      ),
    );
    expect(old).toBeInstanceOf(ContextLengthError);
    expect(old).toBeInstanceOf(BadRequestError);
    expect((old as ContextLengthError).limit).toBe(4097);
    expect((old as ContextLengthError).requested).toBe(4268);
    const newer = map(
      400,
      body(
        'Input tokens exceed the configured limit of 272000 tokens. Your messages resulted in 3148588 tokens. Please reduce the length of the messages.',
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      ),
    );
    expect((newer as ContextLengthError).limit).toBe(272000);
    expect((newer as ContextLengthError).requested).toBe(3148588);
    expect(isRetryable(newer)).toBe(false);
  });

  it('an HTML page from an edge proxy becomes a short message, not a dump', () => {
    const e = map(502, '<html><head><title>502 Bad Gateway</title></head><body>…cloudflare…</body></html>');
    expect(e).toBeInstanceOf(ServerError);
    expect(e.message).toContain('502 Bad Gateway');
    expect(e.message).not.toContain('<body>');
    expect(isRetryable(e)).toBe(true);
  });

  it('a key echoed back by a provider never reaches the error', () => {
    const key = 'sk-proj-AAAABBBBCCCCDDDDEEEEFFFF1234';
    const e = errorFromResponse({
      status: 401,
      headers: {},
      body: body(`Incorrect API key provided: ${key}`, 'invalid_request_error', 'invalid_api_key'),
      secrets: [key],
    });
    expect(e.message).not.toContain(key);
    expect(e.localized('zh')).not.toContain(key);
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain(key);
    expect(e.message).toContain('1234');
  });

  it('x-should-retry overrides the status rule both ways', () => {
    expect(
      isRetryable(map(400, body('x', 'invalid_request_error', null), { 'x-should-retry': 'true' })),
    ).toBe(true);
    expect(isRetryable(map(503, body('x', 'server_error', null), { 'x-should-retry': 'false' }))).toBe(false);
  });

  it('retry rules for failures without a status', () => {
    expect(isRetryable(new ConnectionError({ reason: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryable(new TimeoutError('connect', 10))).toBe(true);
    expect(isRetryable(new TimeoutError('firstByte', 10))).toBe(true);
    expect(isRetryable(new TimeoutError('total', 10))).toBe(false);
    expect(isRetryable(new AbortedError())).toBe(false);
    expect(isRetryable(new StreamInterruptedError({ partialText: 'a', chunks: 1, reason: 'x' }))).toBe(false);
    expect(isRetryable(new SteadyChatError('budget_exceeded', 'over budget'))).toBe(false);
    for (const s of [401, 403, 404])
      expect(isRetryable(map(s, body('x', 'invalid_request_error', null)))).toBe(false);
  });

  it('error frames inside a stream are typed too', () => {
    const e = errorFromStreamFrame(
      '{"error": {"message": "The server had an error while processing your request.", "type": "server_error"}}',
      {},
    );
    expect(e).toBeInstanceOf(ServerError);
    expect(
      errorFromStreamFrame(
        '{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}',
        {},
      ),
    ).toBeInstanceOf(QuotaExceededError);
  });

  it('messages come in Chinese on request, and say what to do', () => {
    const e = new TimeoutError('idle', 1500, { host: 'api.openai.com' });
    expect(e.message).toMatch(/1500 ms/);
    expect(e.message).toMatch(/idle/);
    expect(e.localized('zh')).toMatch(/超时/);
    expect(e.localized('zh')).toMatch(/STEADYCHAT_IDLE_TIMEOUT_MS/);
    const q = map(429, body('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'));
    expect(q.localized('zh')).toMatch(/额度/);
    expect(q.setAttempts(3).message).toMatch(/3 attempts/);
  });
});
