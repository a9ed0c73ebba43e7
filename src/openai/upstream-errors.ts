import { SteadyChatError } from '../errors/index.js';
import type { Usage } from './wire-types.js';

/** What every upstream failure carries besides its message. */
export interface UpstreamErrorInit {
  /** HTTP status, when the upstream answered. */
  status?: number | undefined;
  /** OpenAI's `error.code` (e.g. `rate_limit_exceeded`), when it sent one. */
  upstreamCode?: string | null | undefined;
  /** OpenAI's `error.type` (e.g. `invalid_request_error`, `tokens`). */
  type?: string | null | undefined;
  /** OpenAI's `error.param` (e.g. `messages`). */
  param?: string | null | undefined;
  /** The upstream `x-request-id` (quote it to the provider's support). */
  requestId?: string | undefined;
  /** Response headers, lower-case names. */
  headers?: Record<string, string> | undefined;
  /** The upstream's own message (already scrubbed of secrets). */
  upstreamMessage?: string | undefined;
  cause?: unknown;
}

/** English and Chinese text of one error: what happened, then what to do. */
export interface ErrorText {
  en: string;
  zh: string;
  hintEn?: string;
  hintZh?: string;
}

/**
 * Base class of every failure talking to OpenAI or a compatible upstream. `code` is steadychat's
 * stable code (switch on it or on the subclass); `upstreamCode`/`type`/`param` are OpenAI's own.
 */
export class UpstreamError extends SteadyChatError {
  readonly status: number | undefined;
  readonly upstreamCode: string | undefined;
  readonly type: string | undefined;
  readonly param: string | undefined;
  readonly requestId: string | undefined;
  readonly headers: Record<string, string>;
  readonly upstreamMessage: string | undefined;
  /** Upstream attempts made before giving up (1 = no retry). */
  attempts = 1;
  #text: ErrorText;

  constructor(code: string, text: ErrorText, init: UpstreamErrorInit = {}) {
    const hint = text.hintEn;
    super(code, joinText(text.en, hint, init.requestId, 'en'), {
      cause: init.cause,
      ...(hint === undefined ? {} : { hint }),
    });
    this.#text = text;
    this.status = init.status;
    this.upstreamCode = init.upstreamCode ?? undefined;
    this.type = init.type ?? undefined;
    this.param = init.param ?? undefined;
    this.requestId = init.requestId;
    this.headers = init.headers ?? {};
    this.upstreamMessage = init.upstreamMessage;
  }

  /** The message in the given language (`zh` for Chinese, anything else English). */
  localized(lang: string): string {
    const base = lang === 'zh' ? this.#text.zh : this.#text.en;
    const hint = lang === 'zh' ? this.#text.hintZh : this.#text.hintEn;
    return (
      joinText(base, hint, this.requestId, lang === 'zh' ? 'zh' : 'en') + attemptsNote(this.attempts, lang)
    );
  }

  /** Record how many attempts were made; the message then says so. */
  setAttempts(attempts: number): this {
    this.attempts = attempts;
    this.message = this.localized('en');
    return this;
  }
}

function joinText(base: string, hint: string | undefined, requestId: string | undefined, lang: 'en' | 'zh') {
  const withHint = hint ? `${base} ${hint}` : base;
  if (!requestId) return withHint;
  return lang === 'zh' ? `${withHint}（请求 ID：${requestId}）` : `${withHint} (request id: ${requestId})`;
}

function attemptsNote(attempts: number, lang: string): string {
  if (attempts <= 1) return '';
  return lang === 'zh' ? `（共尝试 ${attempts} 次）` : ` (gave up after ${attempts} attempts)`;
}

function quoted(message: string | undefined): string {
  return message ? `: ${message}` : '.';
}

function statusLabel(status: number | undefined, code: string | undefined): string {
  return [status, code].filter((x) => x !== undefined && x !== null && x !== '').join(' ');
}

/** Why the key failed: none was configured or sent, or the upstream rejected the one sent. */
export type AuthenticationReason = 'missing' | 'rejected';

/** 401, or no key configured at all. `reason` tells a missing key from a rejected one. */
export class AuthenticationError extends UpstreamError {
  readonly reason: AuthenticationReason;
  constructor(reason: AuthenticationReason, init: UpstreamErrorInit & { baseUrl?: string } = {}) {
    const where = init.baseUrl ? ` (${init.baseUrl})` : '';
    const text: ErrorText =
      reason === 'missing'
        ? {
            en: 'No API key was sent to the upstream.',
            zh: '没有向上游发送 API 密钥。',
            hintEn:
              'Set OPENAI_API_KEY (in the environment or a .env file) or pass apiKey to createClient; get a key at https://platform.openai.com/api-keys.',
            hintZh:
              '请设置 OPENAI_API_KEY（环境变量或 .env 文件），或在 createClient 中传入 apiKey；密钥可在 https://platform.openai.com/api-keys 创建。',
          }
        : {
            en: `The API key was rejected (${statusLabel(init.status ?? 401, init.upstreamCode ?? undefined)})${quoted(init.upstreamMessage)}`,
            zh: `API 密钥被拒绝（${statusLabel(init.status ?? 401, init.upstreamCode ?? undefined)}）${quoted(init.upstreamMessage)}`,
            hintEn: `Check that OPENAI_API_KEY is a current key for this base URL${where}; create a new key if it was revoked.`,
            hintZh: `请确认 OPENAI_API_KEY 是该 base URL${where} 的有效密钥；若已被撤销，请新建一个。`,
          };
    super(reason === 'missing' ? 'missing_api_key' : 'invalid_api_key', text, init);
    this.reason = reason;
  }
}

/** 403: the key is valid but may not use this model, project or region. */
export class PermissionDeniedError extends UpstreamError {
  constructor(init: UpstreamErrorInit = {}) {
    super(
      'permission_denied',
      {
        en: `Access denied (${statusLabel(init.status ?? 403, init.upstreamCode ?? undefined)})${quoted(init.upstreamMessage)}`,
        zh: `访问被拒绝（${statusLabel(init.status ?? 403, init.upstreamCode ?? undefined)}）${quoted(init.upstreamMessage)}`,
        hintEn:
          'The key may lack access to this model or project (check OPENAI_ORG_ID / OPENAI_PROJECT_ID and the project settings), or the request comes from an unsupported region (use a proxy via HTTPS_PROXY).',
        hintZh:
          '该密钥可能无权使用此模型或项目（检查 OPENAI_ORG_ID / OPENAI_PROJECT_ID 与项目设置），或请求来自不受支持的地区（可通过 HTTPS_PROXY 使用代理）。',
      },
      init,
    );
  }
}

/** 429 `insufficient_quota`: the account is out of credit. Never retried: waiting does not help. */
export class QuotaExceededError extends UpstreamError {
  constructor(init: UpstreamErrorInit = {}) {
    super(
      'insufficient_quota',
      {
        en: `The account's quota is used up (429 insufficient_quota)${quoted(init.upstreamMessage)}`,
        zh: `账户额度已用完（429 insufficient_quota）${quoted(init.upstreamMessage)}`,
        hintEn:
          'Retrying will not help: add credit or raise the spending limit in the billing settings of your provider (https://platform.openai.com/settings/organization/billing), or use another key.',
        hintZh:
          '重试无济于事：请在服务商的账单设置中充值或提高消费上限（https://platform.openai.com/settings/organization/billing），或换用其他密钥。',
      },
      init,
    );
  }
}

/** 429 rate limit: too many requests or tokens per minute. `retryAfterMs` is the server's wait, if any. */
export class RateLimitError extends UpstreamError {
  readonly retryAfterMs: number | undefined;
  constructor(init: UpstreamErrorInit & { retryAfterMs?: number | undefined } = {}) {
    const wait =
      init.retryAfterMs === undefined
        ? undefined
        : `${Math.max(0, Math.ceil(init.retryAfterMs / 100) / 10)} s`;
    super(
      'rate_limited',
      {
        en: `Rate limited (${statusLabel(init.status ?? 429, init.upstreamCode ?? undefined)})${quoted(init.upstreamMessage)}`,
        zh: `触发速率限制（${statusLabel(init.status ?? 429, init.upstreamCode ?? undefined)}）${quoted(init.upstreamMessage)}`,
        hintEn: `${wait ? `Wait ${wait} and try again` : 'Wait a little and try again'}; lower the request rate or the tokens per request, or ask your provider for a higher limit.`,
        hintZh: `${wait ? `请等待 ${wait} 后重试` : '请稍后重试'}；降低请求频率或每次请求的 token 数，或向服务商申请更高的限额。`,
      },
      init,
    );
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 400 / 422 and other 4xx the caller must fix; `param` names the offending field. */
export class BadRequestError extends UpstreamError {
  constructor(init: UpstreamErrorInit = {}, code = 'bad_request', text?: ErrorText) {
    const param = init.param ? ` (${init.param})` : '';
    super(
      code,
      text ?? {
        en: `The upstream rejected the request (${statusLabel(init.status ?? 400, init.upstreamCode ?? undefined)})${quoted(init.upstreamMessage)}`,
        zh: `上游拒绝了该请求（${statusLabel(init.status ?? 400, init.upstreamCode ?? undefined)}）${quoted(init.upstreamMessage)}`,
        hintEn: `Fix the request${param} and send it again; retrying it unchanged will fail the same way.`,
        hintZh: `请修正请求${param}后再发送；原样重试会得到同样的错误。`,
      },
      init,
    );
  }
}

/** 400 `context_length_exceeded`: the prompt (plus max output) exceeds the model's window. */
export class ContextLengthError extends BadRequestError {
  /** The model's context window, parsed from the message when it says so. */
  readonly limit: number | undefined;
  /** Tokens the request needed, parsed from the message when it says so. */
  readonly requested: number | undefined;
  constructor(init: UpstreamErrorInit = {}) {
    const { limit, requested } = parseContextNumbers(init.upstreamMessage ?? '');
    const numbers =
      limit !== undefined && requested !== undefined
        ? ` (${requested} tokens requested, limit ${limit})`
        : '';
    const numbersZh =
      limit !== undefined && requested !== undefined ? `（请求 ${requested} 个 token，上限 ${limit}）` : '';
    super(init, 'context_length_exceeded', {
      en: `The conversation is too long for the model${numbers}${quoted(init.upstreamMessage)}`,
      zh: `对话超出模型的上下文长度${numbersZh}${quoted(init.upstreamMessage)}`,
      hintEn:
        'Shorten or summarise earlier messages, lower max_tokens / max_completion_tokens, or use a model with a larger context window.',
      hintZh: '请缩短或摘要较早的消息，调低 max_tokens / max_completion_tokens，或换用上下文更大的模型。',
    });
    this.limit = limit;
    this.requested = requested;
  }
}

/** Parse "maximum context length is 8192 tokens… resulted in 8227 tokens" and the 2025 wording. */
export function parseContextNumbers(message: string): { limit?: number; requested?: number } {
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s.replace(/,/g, '')));
  const limit = num(
    /maximum context length is ([\d,]+)/i.exec(message)?.[1] ??
      /configured limit of ([\d,]+)/i.exec(message)?.[1] ??
      /limit(?: is|:)? ([\d,]+) tokens/i.exec(message)?.[1],
  );
  const requested = num(
    /you requested ([\d,]+) tokens/i.exec(message)?.[1] ?? /resulted in ([\d,]+) tokens/i.exec(message)?.[1],
  );
  const out: { limit?: number; requested?: number } = {};
  if (limit !== undefined && Number.isFinite(limit)) out.limit = limit;
  if (requested !== undefined && Number.isFinite(requested)) out.requested = requested;
  return out;
}

/** 404 for anything but a model: almost always a wrong base URL. */
export class NotFoundError extends UpstreamError {
  constructor(init: UpstreamErrorInit & { url?: string } = {}, code = 'not_found', text?: ErrorText) {
    super(
      code,
      text ?? {
        en: `Not found (${statusLabel(init.status ?? 404, init.upstreamCode ?? undefined)})${quoted(init.upstreamMessage)}`,
        zh: `未找到（${statusLabel(init.status ?? 404, init.upstreamCode ?? undefined)}）${quoted(init.upstreamMessage)}`,
        hintEn: `The base URL is probably wrong${init.url ? ` (${init.url})` : ''}: it usually ends in /v1, e.g. https://api.openai.com/v1 (OPENAI_BASE_URL).`,
        hintZh: `base URL 可能有误${init.url ? `（${init.url}）` : ''}：通常以 /v1 结尾，例如 https://api.openai.com/v1（OPENAI_BASE_URL）。`,
      },
      init,
    );
  }
}

/** 404 `model_not_found`: the model does not exist or this key has no access to it. */
export class ModelNotFoundError extends NotFoundError {
  readonly model: string | undefined;
  constructor(init: UpstreamErrorInit & { model?: string | undefined } = {}) {
    const model =
      init.model ?? /model [`'"]?([^`'"\s]+)[`'"]? does not exist/i.exec(init.upstreamMessage ?? '')?.[1];
    super(init, 'model_not_found', {
      en: `The model ${model ? `"${model}" ` : ''}does not exist or this key has no access to it (404)${quoted(init.upstreamMessage)}`,
      zh: `模型 ${model ? `"${model}" ` : ''}不存在，或该密钥无权使用（404）${quoted(init.upstreamMessage)}`,
      hintEn:
        'Check the model name (--model or STEADYCHAT_MODEL); `steadychat doctor` lists the models this key can use.',
      hintZh: '请检查模型名（--model 或 STEADYCHAT_MODEL）；`steadychat doctor` 会列出该密钥可用的模型。',
    });
    this.model = model;
  }
}

/** 5xx (and 408 / 409): the upstream failed; retried automatically. */
export class ServerError extends UpstreamError {
  constructor(init: UpstreamErrorInit = {}) {
    super(
      'server_error',
      {
        en: `The upstream failed (${statusLabel(init.status, init.upstreamCode ?? undefined) || 'server error'})${quoted(init.upstreamMessage)}`,
        zh: `上游服务出错（${statusLabel(init.status, init.upstreamCode ?? undefined) || 'server error'}）${quoted(init.upstreamMessage)}`,
        hintEn:
          "The problem is on the provider's side: try again in a moment, and check its status page if it persists.",
        hintZh: '问题出在服务商一侧：请稍后重试；若持续出现，请查看其状态页。',
      },
      init,
    );
  }
}

/** No HTTP answer at all: DNS, refused, reset, TLS or proxy failure. `reason` is the low-level code. */
export class ConnectionError extends UpstreamError {
  /** The system or undici code, e.g. `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`. */
  readonly reason: string | undefined;
  constructor(init: UpstreamErrorInit & { host?: string; reason?: string | undefined; proxy?: string } = {}) {
    const host = init.host ?? 'the upstream';
    const reason = init.reason ? ` (${init.reason})` : '';
    const via = init.proxy ? ` via proxy ${init.proxy}` : '';
    const viaZh = init.proxy ? `（经代理 ${init.proxy}）` : '';
    const { en, zh } = connectionHint(init.reason, Boolean(init.proxy));
    super(
      'connection_failed',
      {
        en: `Could not reach ${host}${via}${reason}${quoted(init.upstreamMessage)}`,
        zh: `无法连接 ${host}${viaZh}${reason}${quoted(init.upstreamMessage)}`,
        hintEn: en,
        hintZh: zh,
      },
      init,
    );
    this.reason = init.reason;
  }
}

function connectionHint(reason: string | undefined, proxied: boolean): { en: string; zh: string } {
  if (reason === 'ENOTFOUND' || reason === 'EAI_AGAIN')
    return {
      en: 'The host name does not resolve: check the base URL (OPENAI_BASE_URL) and your DNS.',
      zh: '域名无法解析：请检查 base URL（OPENAI_BASE_URL）和 DNS 设置。',
    };
  if (reason && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/i.test(reason))
    return {
      en: 'The TLS certificate was not accepted: a proxy or firewall may intercept HTTPS; set NODE_EXTRA_CA_CERTS to its CA, or check the base URL.',
      zh: 'TLS 证书未通过校验：可能有代理或防火墙拦截 HTTPS；请将其 CA 设置到 NODE_EXTRA_CA_CERTS，或检查 base URL。',
    };
  if (proxied)
    return {
      en: 'Check that the proxy (HTTPS_PROXY / HTTP_PROXY) is running and allows CONNECT to the upstream.',
      zh: '请确认代理（HTTPS_PROXY / HTTP_PROXY）正在运行且允许 CONNECT 到上游。',
    };
  return {
    en: 'Check the base URL (OPENAI_BASE_URL) and your network. From mainland China api.openai.com usually needs a proxy: set HTTPS_PROXY (e.g. http://127.0.0.1:7890), or use a compatible provider.',
    zh: '请检查 base URL（OPENAI_BASE_URL）和网络。在中国大陆访问 api.openai.com 通常需要代理：设置 HTTPS_PROXY（例如 http://127.0.0.1:7890），或改用兼容的服务商。',
  };
}

/** Which deadline ran out. */
export type TimeoutPhase = 'connect' | 'firstByte' | 'idle' | 'total';

const PHASE_TEXT: Record<TimeoutPhase, { en: string; zh: string; env: string }> = {
  connect: { en: 'connecting to the upstream', zh: '连接上游', env: 'STEADYCHAT_CONNECT_TIMEOUT_MS' },
  firstByte: {
    en: 'waiting for the upstream to start answering',
    zh: '等待上游开始响应',
    env: 'STEADYCHAT_FIRST_BYTE_TIMEOUT_MS',
  },
  idle: { en: 'waiting for the next data', zh: '等待下一段数据', env: 'STEADYCHAT_IDLE_TIMEOUT_MS' },
  total: { en: 'the whole call', zh: '整个调用', env: 'STEADYCHAT_TOTAL_TIMEOUT_MS' },
};

/** A deadline ran out; `phase` says which one and `timeoutMs` how long it was. */
export class TimeoutError extends UpstreamError {
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  constructor(phase: TimeoutPhase, timeoutMs: number, init: UpstreamErrorInit & { host?: string } = {}) {
    const p = PHASE_TEXT[phase];
    super(
      'timeout',
      {
        en: `Timed out after ${timeoutMs} ms ${p.en}${init.host ? ` (${init.host})` : ''} [${phase} timeout].`,
        zh: `${p.zh}${init.host ? `（${init.host}）` : ''}超时：已等待 ${timeoutMs} 毫秒 [${phase} 超时]。`,
        hintEn:
          phase === 'connect'
            ? `The host may be unreachable from here (a proxy may be needed: HTTPS_PROXY), or raise ${p.env}.`
            : `The upstream may be overloaded or the request large; try again, or raise ${p.env}.`,
        hintZh:
          phase === 'connect'
            ? `当前网络可能无法直连该主机（可能需要代理：HTTPS_PROXY），或调大 ${p.env}。`
            : `上游可能过载或请求过大；请重试，或调大 ${p.env}。`,
      },
      init,
    );
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** A stream broke after some chunks reached the caller; the partial answer is kept here. */
export class StreamInterruptedError extends UpstreamError {
  /** The text of choice 0 received before the cut. */
  readonly partialText: string;
  /** Usage as far as known: estimated with the tokenizer when the final usage chunk never came. */
  readonly usage: Usage | undefined;
  readonly usageEstimated: boolean;
  /** Chunks received before the cut. */
  readonly chunks: number;
  constructor(
    init: UpstreamErrorInit & {
      partialText: string;
      chunks: number;
      usage?: Usage | undefined;
      usageEstimated?: boolean;
      /** Why, in a few words (or the underlying error, described from its class). */
      reason: string | { en: string; zh: string };
    },
  ) {
    const cause = typeof init.reason === 'string' ? { en: init.reason, zh: init.reason } : init.reason;
    super(
      'stream_interrupted',
      {
        en: `The answer was cut off after ${init.chunks} chunks (${init.partialText.length} characters): ${cause.en}.`,
        zh: `回答在收到 ${init.chunks} 个数据块（${init.partialText.length} 个字符）后中断：${cause.zh}。`,
        hintEn: 'The partial text is kept (error.partialText); ask again for a complete answer.',
        hintZh: '已保留部分回答（error.partialText）；请重新提问以获得完整回答。',
      },
      init,
    );
    this.partialText = init.partialText;
    this.usage = init.usage;
    this.usageEstimated = init.usageEstimated ?? false;
    this.chunks = init.chunks;
  }
}

/** A few words on why a stream broke, for {@link StreamInterruptedError}'s message. */
export function describeCut(error: UpstreamError): { en: string; zh: string } {
  if (error instanceof TimeoutError) {
    return error.phase === 'total'
      ? {
          en: `the call reached its total timeout (${error.timeoutMs} ms)`,
          zh: `调用达到总超时（${error.timeoutMs} 毫秒）`,
        }
      : {
          en: `no data for ${error.timeoutMs} ms (idle timeout)`,
          zh: `${error.timeoutMs} 毫秒内没有新数据（空闲超时）`,
        };
  }
  if (error instanceof ConnectionError) {
    const why = [error.reason, error.upstreamMessage].filter(Boolean).join(': ');
    return {
      en: `the connection closed${why ? ` (${why})` : ''}`,
      zh: `连接已断开${why ? `（${why}）` : ''}`,
    };
  }
  const said = error.upstreamMessage ? `: ${error.upstreamMessage}` : '';
  return { en: `the upstream sent an error${said}`, zh: `上游返回了错误${said}` };
}

/** The caller aborted (signal or `stream.abort()`). Never retried. */
export class AbortedError extends UpstreamError {
  constructor(init: UpstreamErrorInit = {}) {
    super('aborted', { en: 'The call was cancelled by the caller.', zh: '调用已被调用方取消。' }, init);
  }
}

/** Any other HTTP status (e.g. 408, 409, 402, 413): `status` tells which. */
export class HttpStatusError extends UpstreamError {
  constructor(init: UpstreamErrorInit = {}) {
    super(
      `http_${init.status ?? 'error'}`,
      {
        en: `The upstream answered ${statusLabel(init.status, init.upstreamCode ?? undefined)}${quoted(init.upstreamMessage)}`,
        zh: `上游返回 ${statusLabel(init.status, init.upstreamCode ?? undefined)}${quoted(init.upstreamMessage)}`,
        hintEn: 'Check the request and the provider documentation for this status.',
        hintZh: '请检查请求，并查阅服务商文档中对该状态码的说明。',
      },
      init,
    );
  }
}
