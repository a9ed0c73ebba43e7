import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeSseError, SSE_DONE_FRAME } from '../openai/sse-encode.js';
import type { ChatRequest } from '../openai/wire-types.js';
import { createTokenCounter, ModelTable } from '../tokens/index.js';
import { buildCompletion, buildStreamFrames, type ResponseMeta } from './build-response.js';
import { EmulatorListenError } from './emulator-error.js';
import {
  type EmulatorHandle,
  type EmulatorOptions,
  type ResolvedEmulatorOptions,
  resolveEmulatorOptions,
} from './emulator-options.js';
import { FaultCounter, type FaultPlan, parseFault } from './faults.js';
import { type GeneratedChoice, generateChoice, type ReplyMode } from './generate-reply.js';
import { completionId, requestId as newRequestId, systemFingerprint, toolCallId } from './ids.js';
import { Journal, type JournalEntry, maskHeaders } from './journal.js';
import {
  apiError,
  BAD_JSON_MESSAGE,
  type EmulatedError,
  invalidKey,
  invalidRequest,
  invalidUrl,
  methodNotAllowed,
  missingKey,
  modelNotFound,
  overloaded,
  quotaExceeded,
  SERVER_ERROR_MESSAGE,
  serverError,
} from './openai-errors.js';
import { RateLimiter } from './rate-limiter.js';
import { validateChatRequest } from './validate-request.js';

/**
 * Starts an offline stand-in for `https://api.openai.com/v1` (chat completions and models) on
 * loopback. Point an SDK's `baseURL` (or `OPENAI_BASE_URL`) at the returned `url`.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const config = resolveEmulatorOptions(options);
  const emulator = new Emulator(config);
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    emulator.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, serverError(), emulator.baseHeaders(newRequestId(), Date.now()));
      else res.destroy(error instanceof Error ? error : undefined);
    });
  });
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    throw new EmulatorListenError(config.host, config.port, error);
  }
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}/v1`,
    port: address.port,
    host: address.address,
    journal: emulator.journal,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

class Emulator {
  readonly journal: Journal;
  readonly #config: ResolvedEmulatorOptions;
  readonly #models: ModelTable;
  readonly #counter;
  readonly #faults = new FaultCounter();
  readonly #limiter: RateLimiter;

  constructor(config: ResolvedEmulatorOptions) {
    this.#config = config;
    this.journal = new Journal(config.journalLimit);
    this.#models = new ModelTable(config.models);
    this.#counter = createTokenCounter({ models: this.#models });
    this.#limiter = new RateLimiter(config.rpm, config.tpm, config.now, config.organization);
  }

  baseHeaders(requestId: string, started: number): Record<string, string> {
    return {
      'x-request-id': requestId,
      'openai-organization': this.#config.organization,
      'openai-processing-ms': String(Math.max(0, Date.now() - started)),
      'openai-version': '2020-10-01',
      'access-control-expose-headers': 'X-Request-ID',
      'x-content-type-options': 'nosniff',
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = newRequestId();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const raw = await readBody(req, this.#config.maxBodyBytes);

    if (path === '/emulator/requests' || path.startsWith('/emulator/')) {
      this.#control(method, path, res, requestId, started);
      return;
    }

    const parsed = parseJson(raw);
    const faultHeader = header(req, 'x-emulator-fault');
    const entry = this.journal.add(raw === null || raw === 'too-large' ? 0 : raw.length, {
      requestId,
      time: new Date(started).toISOString(),
      method,
      path: url,
      headers: maskHeaders(req.headers),
      body:
        raw === null
          ? null
          : parsed.ok
            ? parsed.value
            : raw === 'too-large'
              ? '(too large)'
              : raw.toString('utf8'),
      status: null,
      fault: faultHeader ?? null,
    });
    const headers = () => this.baseHeaders(requestId, started);
    const reply = (error: EmulatedError) => this.#sendError(req, res, error, headers(), entry, undefined);

    let fault: FaultPlan | undefined;
    if (faultHeader !== undefined) {
      const plan = parseFault(faultHeader);
      if (typeof plan === 'string') {
        return reply(
          invalidRequest(
            `Invalid x-emulator-fault header: ${plan}. See docs/emulator.md for the faults the emulator understands.`,
            null,
            'emulator_invalid_fault',
          ),
        );
      }
      const key = header(req, 'x-emulator-fault-key') ?? faultHeader;
      if (this.#faults.fire(key, plan.times)) fault = plan;
    }
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (res.destroyed) return;

    const isModels = path === '/v1/models' || path.startsWith('/v1/models/');
    const isChat = path === '/v1/chat/completions';
    if (!isModels && !isChat) return reply(invalidUrl(method, path));
    if (isChat && method !== 'POST') return reply(methodNotAllowed(method, path));
    if (isModels && method !== 'GET') return reply(methodNotAllowed(method, path));

    const key = bearer(req);
    if (this.#config.requireAuth && !key) return reply(missingKey());
    if (key && this.#config.invalidKeys.has(key)) return reply(invalidKey(key));

    if (fault?.status)
      return this.#sendError(req, res, faultError(fault.status, requestId), headers(), entry, fault);

    if (isModels) return this.#models_(path, res, headers(), entry, reply);

    if (raw === 'too-large') {
      return this.#sendError(
        req,
        res,
        apiError(
          413,
          `Request body too large: the emulator accepts at most ${this.#config.maxBodyBytes} bytes.`,
          'invalid_request_error',
        ),
        headers(),
        entry,
        undefined,
      );
    }
    if (!parsed.ok) return reply(invalidRequest(BAD_JSON_MESSAGE));
    const valid = validateChatRequest(parsed.value, {
      models: this.#models,
      counter: this.#counter,
      strictFields: this.#config.strictFields,
      acceptUnknownModels: this.#config.acceptUnknownModels,
    });
    if ('status' in valid) return reply(valid);
    const { request, model, promptTokens } = valid;

    let rateHeaders: Record<string, string> = {};
    if (this.#limiter.enabled) {
      const limit = request.max_completion_tokens ?? request.max_tokens ?? 0;
      const decision = this.#limiter.take(key ?? 'anonymous', model.id, promptTokens + limit);
      if (decision.error) return reply(decision.error);
      rateHeaders = decision.headers;
    }

    const mode = replyMode(header(req, 'x-emulator-reply')) ?? this.#config.reply;
    const tokensHeader = Number(header(req, 'x-emulator-reply-tokens'));
    // A model never writes more than its output limit, whatever the header asks.
    const replyTokens = Math.min(
      model.maxOutputTokens,
      Number.isInteger(tokensHeader) && tokensHeader >= 0 ? tokensHeader : this.#config.replyTokens,
    );
    const forcedToolNames = (header(req, 'x-emulator-tool-call') ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const choices: GeneratedChoice[] = [];
    for (let i = 0; i < (request.n ?? 1); i++) {
      choices.push(
        generateChoice({
          request,
          model,
          counter: this.#counter,
          mode,
          replyTokens,
          seed: this.#config.seed,
          choiceIndex: i,
          forcedToolNames,
          newToolCallId: toolCallId,
        }),
      );
    }
    const meta: ResponseMeta = {
      id: completionId(),
      created: Math.floor(this.#config.now() / 1000),
      model: model.responseModel,
      systemFingerprint: systemFingerprint(),
      promptTokens,
    };
    if (request.logprobs === true) {
      meta.topLogprobs = typeof request.top_logprobs === 'number' ? request.top_logprobs : 0;
    }
    const responseHeaders = { ...headers(), ...rateHeaders };
    if (request.stream === true) {
      const includeUsage = request.stream_options?.include_usage === true;
      return this.#stream(res, buildStreamFrames(meta, choices, includeUsage), responseHeaders, entry, fault);
    }
    return this.#complete(
      req,
      res,
      JSON.stringify(buildCompletion(meta, choices)),
      responseHeaders,
      entry,
      fault,
    );
  }

  #models_(
    path: string,
    res: ServerResponse,
    headers: Record<string, string>,
    entry: JournalEntry,
    reply: (error: EmulatedError) => void,
  ): void {
    const objects = this.#models.list().flatMap((info) =>
      [info.id, info.snapshot, ...(info.otherSnapshots ?? [])].map((id) => ({
        id,
        object: 'model' as const,
        created: info.created,
        owned_by: info.owned_by,
      })),
    );
    if (path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: objects }, headers, entry);
      return;
    }
    const id = decodeURIComponent(path.slice('/v1/models/'.length));
    const found = objects.find((object) => object.id === id);
    if (!found) {
      reply(modelNotFound(id));
      return;
    }
    sendJson(res, 200, found, headers, entry);
  }

  #control(method: string, path: string, res: ServerResponse, requestId: string, started: number): void {
    const headers = this.baseHeaders(requestId, started);
    if (path === '/emulator/requests' && method === 'GET') {
      sendJson(res, 200, { object: 'list', data: this.journal.entries() }, headers, undefined);
      return;
    }
    if (path === '/emulator/requests' && method === 'DELETE') {
      sendJson(res, 200, { object: 'list', deleted: this.journal.clear() }, headers, undefined);
      return;
    }
    if (path === '/emulator/faults' && method === 'DELETE') {
      this.#faults.clear();
      sendJson(res, 200, { reset: true }, headers, undefined);
      return;
    }
    if (path === '/emulator/health' && method === 'GET') {
      sendJson(res, 200, { status: 'ok' }, headers, undefined);
      return;
    }
    sendError(res, invalidUrl(method, path), headers);
  }

  #sendError(
    req: IncomingMessage,
    res: ServerResponse,
    error: EmulatedError,
    headers: Record<string, string>,
    entry: JournalEntry,
    fault: FaultPlan | undefined,
  ): void {
    const merged = { ...headers, ...(error.headers ?? {}) };
    applyRetrySwitch(merged, 'retry-after', fault?.retryAfter, header(req, 'x-emulator-retry-after'));
    applyRetrySwitch(merged, 'retry-after-ms', fault?.retryAfterMs, header(req, 'x-emulator-retry-after-ms'));
    applyRetrySwitch(merged, 'x-should-retry', fault?.shouldRetry, header(req, 'x-emulator-should-retry'));
    entry.status = error.status;
    sendError(res, error, merged);
  }

  async #complete(
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    headers: Record<string, string>,
    entry: JournalEntry,
    fault: FaultPlan | undefined,
  ): Promise<void> {
    if (this.#config.timeToFirstTokenMs > 0) await sleep(this.#config.timeToFirstTokenMs);
    if (res.destroyed) return;
    if (fault?.stallAfter !== undefined) return; // never answers; the client's timeout must fire
    if (fault?.dropAfter !== undefined) {
      req.socket.destroy();
      return;
    }
    if (fault?.errorAfter !== undefined) {
      return this.#sendError(req, res, serverError(), headers, entry, fault);
    }
    if (fault?.malformedAfter !== undefined) body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    entry.status = 200;
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  async #stream(
    res: ServerResponse,
    frames: string[],
    headers: Record<string, string>,
    entry: JournalEntry,
    fault: FaultPlan | undefined,
  ): Promise<void> {
    const ttft = this.#config.timeToFirstTokenMs;
    const gap = fault?.slowMs ?? this.#config.interChunkDelayMs;
    entry.status = 200;
    const streamHeaders = {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    };
    const cutAt = firstDefined(fault?.stallAfter, fault?.dropAfter, fault?.errorAfter, fault?.malformedAfter);
    if (ttft === 0 && gap === 0 && cutAt === undefined) {
      // Nothing to wait for: one body, one write (the bytes are the same as a chunk-by-chunk stream).
      let body = '';
      for (const frame of frames) body += frame;
      body += SSE_DONE_FRAME;
      res.writeHead(200, { ...streamHeaders, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(200, streamHeaders);
    res.flushHeaders();
    let written: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < frames.length; i++) {
      if (i === cutAt) return this.#cut(res, fault!, frames[i]!, written);
      const wait = i === 0 ? ttft : gap;
      if (wait > 0) await sleep(wait);
      if (res.destroyed) return;
      written = new Promise((resolve) => res.write(frames[i], resolve));
    }
    if (cutAt !== undefined && cutAt >= frames.length)
      return this.#cut(res, fault!, frames[0] ?? '', written);
    res.end(SSE_DONE_FRAME);
  }

  async #cut(
    res: ServerResponse,
    fault: FaultPlan,
    nextFrame: string,
    written: Promise<unknown>,
  ): Promise<void> {
    if (fault.stallAfter !== undefined) return; // keep the socket open, send nothing more
    if (fault.dropAfter !== undefined) {
      // Let the chunks already written reach the client, then close without `[DONE]`.
      await written;
      await sleep(5);
      res.socket?.destroy();
      return;
    }
    if (fault.errorAfter !== undefined) {
      res.end(encodeSseError(SERVER_ERROR_MESSAGE, 'server_error', null, null));
      return;
    }
    // A frame cut in the middle of its JSON, then the end of the response.
    res.end(`${nextFrame.slice(0, Math.max(8, Math.floor(nextFrame.length / 2)))}\n\n`);
  }
}

function faultError(status: NonNullable<FaultPlan['status']>, requestId: string): EmulatedError {
  switch (status) {
    case '401':
      return invalidKey('sk-emulator-fault-key');
    case '403':
      return apiError(
        403,
        'Country, region, or territory not supported',
        'request_forbidden',
        null,
        'unsupported_country_region_territory',
      );
    case '408':
      return apiError(408, 'Request timed out.', 'timeout', null, null);
    case '429':
      return apiError(
        429,
        'Rate limit reached for requests in organization org-emulator on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.',
        'requests',
        null,
        'rate_limit_exceeded',
      );
    case '429-quota':
      return quotaExceeded();
    case '500':
      return serverError();
    case '503':
      return overloaded(requestId.replace(/^req_/, ''));
    case '502-html':
      return htmlError(502, 'Bad Gateway');
    case '504-html':
      return htmlError(504, 'Gateway Time-out');
  }
}

/** What Cloudflare's edge answers with: an HTML page, not OpenAI's JSON envelope. */
function htmlError(status: number, title: string): EmulatedError {
  const html = `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`;
  return { status, body: { error: { message: html, type: 'server_error', param: null, code: null } }, html };
}

function sendError(res: ServerResponse, error: EmulatedError, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  const body = error.html ?? JSON.stringify(error.body);
  res.writeHead(error.status, {
    ...headers,
    'content-type': error.html === undefined ? 'application/json' : 'text/html',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string>,
  entry: JournalEntry | undefined,
): void {
  const body = JSON.stringify(value);
  if (entry) entry.status = status;
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** A `;retry-after=` fault parameter wins over the `x-emulator-*` request header; `none` removes it. */
function applyRetrySwitch(
  headers: Record<string, string>,
  name: string,
  fromFault: string | null | undefined,
  fromHeader: string | undefined,
): void {
  const value =
    fromFault !== undefined
      ? fromFault
      : fromHeader === undefined
        ? undefined
        : fromHeader === 'none'
          ? null
          : fromHeader;
  if (value === undefined) return;
  if (value === null) delete headers[name];
  else headers[name] = value;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : size === 0 ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer | null | 'too-large'): { ok: true; value: unknown } | { ok: false } {
  if (raw === null || raw === 'too-large') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bearer(req: IncomingMessage): string | undefined {
  const value = header(req, 'authorization');
  const match = value ? /^\s*bearer\s+(\S.*?)\s*$/i.exec(value) : null;
  return match?.[1];
}

function replyMode(value: string | undefined): ReplyMode | undefined {
  return value === 'echo' || value === 'lorem' || value === 'refusal' ? value : undefined;
}

function firstDefined(...values: (number | undefined)[]): number | undefined {
  return values.find((value) => value !== undefined);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type { ChatRequest };
