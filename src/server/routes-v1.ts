import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ChatCompletionChunk, ModelObject } from '../openai/index.js';
import type { ChatCall } from '../pipeline/index.js';
import { BUILTIN_MODELS } from '../tokens/index.js';
import { checkChatRequest } from './check-chat-request.js';
import { errorResponse } from './error-response.js';
import type { Caller, GatewayContext } from './gateway-context.js';
import { SseWriter } from './sse-writer.js';

const MODELS_TTL_MS = 60_000;

/** `/v1`: the OpenAI-compatible endpoints. */
export function registerV1Routes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/v1/models', async (request, reply) => {
    const caller = request.caller as Caller;
    const models = await ctx.listModels();
    const allowed = caller.key?.models;
    const data = allowed ? models.filter((m) => allowed.includes(m.id)) : [...models];
    if (allowed) {
      for (const id of allowed) {
        if (!data.some((m) => m.id === id))
          data.push({ id, object: 'model', created: 0, owned_by: 'system' });
      }
    }
    return reply.send({ object: 'list', data });
  });

  app.get<{ Params: { model: string } }>('/v1/models/:model', async (request, reply) => {
    const caller = request.caller as Caller;
    const id = request.params.model;
    const allowed = caller.key?.models;
    if (allowed && !allowed.includes(id)) {
      const failure = errorResponse({ code: 'model_not_found' });
      failure.body.error = {
        message: `The model \`${id}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      };
      return reply.code(404).send(failure.body);
    }
    return reply.send({ id, object: 'model', created: 0, owned_by: 'system' });
  });

  const onAttempt = countRetries(ctx);
  app.post('/v1/chat/completions', async (request, reply) => {
    const caller = request.caller as Caller;
    const body = checkChatRequest(ctx, caller, request.body);
    const wantsUsage = body.stream_options?.include_usage === true;
    const controller = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const call: ChatCall = {
      request: body,
      signal: controller.signal,
      context: { requestId: request.id, keyId: caller.id },
      options: {
        upstream: { headers: forwarded(ctx, request) },
        retry: { onAttempt },
        // The ledger row and the settlement are written just after the answer leaves.
        afterAnswer: ctx.afterAnswer,
      },
    };
    const response = await ctx.pipeline(call);
    if (response.type === 'completion') {
      // (`x-request-id` is already set, by the onRequest hook.)
      return reply.send(response.completion);
    }
    return streamChunks(ctx, request, reply, response.stream, controller, wantsUsage, body.model);
  });
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function forwarded(ctx: GatewayContext, request: FastifyRequest): Record<string, string> {
  if (ctx.forwardHeaders.length === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const name of ctx.forwardHeaders) {
    const value = request.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** Counts retried attempts by error code (the retry stage reports each attempt here). */
export function countRetries(ctx: GatewayContext) {
  return (event: { willRetry: boolean; error?: unknown }) => {
    if (event.willRetry)
      ctx.metrics.retries.inc({ code: String((event.error as { code?: unknown })?.code ?? 'unknown') });
  };
}

/** The models of the first upstream (or of the upstream configs), cached for a minute. */
export function createModelLister(
  ctx: Pick<GatewayContext, 'pool' | 'logger'>,
): () => Promise<ModelObject[]> {
  let cache: { at: number; models: Promise<ModelObject[]> } | undefined;
  return () => {
    if (!cache || Date.now() - cache.at > MODELS_TTL_MS)
      cache = { at: Date.now(), models: upstreamModels(ctx) };
    return cache.models;
  };
}

async function upstreamModels(ctx: Pick<GatewayContext, 'pool' | 'logger'>): Promise<ModelObject[]> {
  if (ctx.pool.models.length > 0) {
    return ctx.pool.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'system' }));
  }
  const upstream = ctx.pool.first();
  try {
    if (!upstream) throw new Error('no upstream');
    const { body } = await upstream.requestJson<{ data?: ModelObject[] }>('GET', '/models');
    if (Array.isArray(body.data)) return body.data;
  } catch (error) {
    ctx.logger.warn(
      { error: (error as Error).message },
      'could not list the upstream models; listing the built-in table',
    );
  }
  return BUILTIN_MODELS.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: m.owned_by }));
}

/**
 * Sends a chunk stream as SSE, each chunk flushed as it arrives. A stream that breaks ends with an
 * error frame and no `[DONE]`; a client that leaves aborts the upstream call (through the signal).
 */
async function streamChunks(
  ctx: GatewayContext,
  request: FastifyRequest,
  reply: FastifyReply,
  stream: AsyncIterable<ChatCompletionChunk>,
  controller: AbortController,
  wantsUsage: boolean,
  model: string,
): Promise<void> {
  reply.hijack();
  const writer = new SseWriter(reply.raw, { 'x-request-id': request.id }, ctx.keepAliveMs);
  let shuttingDown = false;
  let finish!: () => void;
  const open = {
    cut() {
      shuttingDown = true;
      controller.abort();
    },
    done: new Promise<void>((resolve) => {
      finish = resolve;
    }),
  };
  ctx.streams.add(open);
  ctx.metrics.openStreams.inc();
  let status = 200;
  let first = true;
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const chunk = next.value;
      // The usage chunk the gateway asked for on its own account is not the client's to see.
      if (!wantsUsage && chunk.usage && chunk.choices.length === 0) continue;
      const pending = writer.data(JSON.stringify(chunk));
      if (first) {
        first = false;
        ctx.metrics.timeToFirstToken.observe({ model }, (performance.now() - request.startedAt) / 1000);
      }
      if (pending) await pending;
      if (writer.closed) break;
    }
    writer.end('data: [DONE]\n\n');
  } catch (error) {
    status = 599;
    if (!writer.closed) {
      const failure = shuttingDown
        ? {
            error: {
              message: 'The gateway is shutting down; the answer was cut. Ask again.',
              type: 'server_error',
              param: null,
              code: 'server_shutting_down',
            },
          }
        : errorResponse(error, ctx.secrets).body;
      ctx.metrics.errors.inc({ code: failure.error.code ?? 'unknown' });
      writer.end(`data: ${JSON.stringify(failure)}\n\n`);
      ctx.logger.warn(
        { reqId: request.id, code: failure.error.code, keyId: (request.caller as Caller).id },
        'stream ended with an error frame',
      );
    }
  } finally {
    if (writer.closed && controller.signal.aborted === false && !reply.raw.writableFinished)
      controller.abort();
    await iterator.return?.(undefined).catch(() => undefined);
    writer.end();
    ctx.metrics.openStreams.dec();
    ctx.streams.delete(open);
    finish();
    const seconds = (performance.now() - request.startedAt) / 1000;
    const clientGone = !reply.raw.writableFinished;
    ctx.metrics.requests.inc({
      route: '/v1/chat/completions',
      method: 'POST',
      status: clientGone ? 499 : status === 200 ? 200 : 502,
    });
    ctx.metrics.latency.observe({ route: '/v1/chat/completions' }, seconds);
    ctx.logger.info(
      {
        reqId: request.id,
        method: 'POST',
        url: '/v1/chat/completions',
        status: 200,
        stream: clientGone ? 'client_closed' : status === 200 ? 'done' : 'error_frame',
        keyId: (request.caller as Caller).id,
        ms: Math.round(seconds * 1000),
      },
      'request',
    );
  }
}
