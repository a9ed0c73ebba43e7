import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Conversation, TurnOptions, TurnResult } from '../memory/index.js';
import { roundCost } from '../usage/index.js';
import { checkModel } from './check-chat-request.js';
import { contextUse, conversationView, messageView, searchConversations } from './conversation-views.js';
import { errorResponse } from './error-response.js';
import type { Caller, GatewayContext } from './gateway-context.js';
import { GatewayError } from './gateway-error.js';
import { SseWriter } from './sse-writer.js';

type IdParams = { Params: { id: string } };

/** `/api`: conversations with memory, usage and the caller's own settings, for front ends. */
export function registerApiRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/api/me', async (request) => {
    const caller = request.caller as Caller;
    const key = caller.key;
    await ctx.settled();
    const statuses = await ctx.services.book.status({ keyId: caller.id });
    let budget: Record<string, unknown> | null = null;
    if (statuses.length > 0) {
      const tokenLeft = statuses
        .filter((s) => s.tokensLimit !== null)
        .map((s) => Math.max(0, (s.tokensLimit ?? 0) - s.usedTokens - s.reservedTokens));
      const costLeft = statuses
        .filter((s) => s.costLimit !== null)
        .map((s) => ({
          amount: roundCost(Math.max(0, (s.costLimit?.amount ?? 0) - s.usedCost - s.reservedCost)),
          currency: s.costLimit?.currency ?? 'USD',
        }))
        .sort((a, b) => a.amount - b.amount);
      budget = {
        left: { tokens: tokenLeft.length > 0 ? Math.min(...tokenLeft) : null, cost: costLeft[0] ?? null },
        budgets: statuses.map((s) => ({
          scope: s.scope,
          period: s.period,
          resetsAt: s.resetsAt,
          tokensLimit: s.tokensLimit,
          usedTokens: s.usedTokens,
          costLimit: s.costLimit,
          usedCost: s.usedCost,
        })),
      };
    }
    const models = key?.models ?? (await ctx.listModels()).map((m) => m.id);
    return {
      key: key ? { id: key.id, name: key.name, prefix: key.prefix } : null,
      open: caller.key === null,
      demo: ctx.demo,
      limits: {
        rpm: key?.rpm ?? null,
        tpm: key?.tpm ?? null,
        maxTokens: key?.maxTokens ?? ctx.limits.maxTokens ?? null,
        maxMessages: key?.maxMessages ?? ctx.limits.maxMessages,
        bodyBytes: ctx.limits.bodyBytes,
      },
      budget,
      models,
      defaultModel:
        key?.models && !key.models.includes(ctx.defaultModel)
          ? (key.models[0] ?? ctx.defaultModel)
          : ctx.defaultModel,
    };
  });

  app.get<{ Querystring: { q?: string } }>('/api/conversations', async (request) => {
    const caller = request.caller as Caller;
    return { data: await searchConversations(ctx.store, caller.id, request.query.q) };
  });

  app.post('/api/conversations', async (request, reply) => {
    const caller = request.caller as Caller;
    const body = objectBody(request.body ?? {});
    const model = optionalString(body, 'model') ?? defaultModelFor(ctx, caller);
    checkModel(caller, model);
    const system = optionalString(body, 'system');
    const title = optionalString(body, 'title');
    const conversation = await ctx.conversationsFor(caller).create({
      owner: caller.id,
      model,
      ...(title === undefined ? {} : { title }),
      ...(system === undefined ? {} : { system }),
    });
    return reply.code(201).send(conversationView(conversation.info));
  });

  app.get<IdParams>('/api/conversations/:id', async (request) => {
    const caller = request.caller as Caller;
    const conversation = await openOwned(ctx, caller, request.params.id);
    const messages = await conversation.messages();
    const info = conversation.info;
    return {
      conversation: conversationView(info),
      messages: messages.map((m) => messageView(m, ctx.services.prices)),
      summary: info.summary ? { text: info.summary, coversThrough: info.summaryThroughSeq } : null,
      context: contextUse(info.model, messages, ctx.memory.maxContextTokens),
    };
  });

  app.patch<IdParams>('/api/conversations/:id', async (request) => {
    const caller = request.caller as Caller;
    const conversation = await openOwned(ctx, caller, request.params.id);
    const body = objectBody(request.body ?? {});
    const title = optionalString(body, 'title');
    const model = optionalString(body, 'model');
    if (title !== undefined) await conversation.rename(title);
    if (model !== undefined) {
      checkModel(caller, model);
      await conversation.setModel(model);
    }
    if ('system' in body) {
      const system = body.system;
      if (system !== null && typeof system !== 'string') throw badField('system', 'a string or null');
      await conversation.setSystem(system === '' ? null : system);
    }
    await conversation.messages(); // reload the metadata
    return conversationView(conversation.info);
  });

  app.delete<IdParams>('/api/conversations/:id', async (request, reply) => {
    const caller = request.caller as Caller;
    await openOwned(ctx, caller, request.params.id);
    await ctx.conversationsFor(caller).delete(request.params.id);
    return reply.code(204).send();
  });

  app.get<IdParams & { Querystring: { format?: string } }>(
    '/api/conversations/:id/export',
    async (request, reply) => {
      const caller = request.caller as Caller;
      const conversation = await openOwned(ctx, caller, request.params.id);
      const json = request.query.format === 'json';
      const text = await conversation.export(json ? 'json' : 'markdown');
      const name =
        (conversation.info.title || conversation.id).replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60) ||
        'conversation';
      return reply
        .header('content-type', json ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="${json ? 'conversation.json' : 'conversation.md'}"; filename*=UTF-8''${encodeURIComponent(name)}.${json ? 'json' : 'md'}`,
        )
        .send(text);
    },
  );

  app.post<IdParams>('/api/conversations/:id/messages', async (request, reply) => {
    const body = objectBody(request.body);
    const content = requiredContent(body);
    return turn(ctx, request, reply, body, (c, options) => c.send(content, options));
  });

  app.post<IdParams>('/api/conversations/:id/regenerate', async (request, reply) => {
    const body = objectBody(request.body ?? {});
    return turn(ctx, request, reply, body, (c, options) => c.regenerate(options));
  });

  app.post<IdParams>('/api/conversations/:id/edit', async (request, reply) => {
    const body = objectBody(request.body);
    const content = requiredContent(body);
    return turn(ctx, request, reply, body, (c, options) => c.editLast(content, options));
  });

  app.get<{ Querystring: { since?: string } }>('/api/usage', async (request) => {
    const caller = request.caller as Caller;
    const since = parseSince(request.query.since);
    // Answers already given are counted (their rows are written just after them).
    await ctx.settled();
    const groups = await ctx.services.ledger.summarize({
      since,
      by: 'day',
      keyId: caller.id,
      timeZone: ctx.services.book.timeZone,
    });
    const currencies = new Set(groups.flatMap((g) => Object.keys(g.cost)));
    const currency = currencies.has('USD') || currencies.size === 0 ? 'USD' : [...currencies][0]!;
    const days = groups.map((g) => ({
      day: g.group,
      requests: g.attempts,
      promptTokens: g.promptTokens,
      completionTokens: g.completionTokens,
      cost: g.cost[currency] ?? 0,
    }));
    const totals = days.reduce(
      (t, d) => ({
        requests: t.requests + d.requests,
        promptTokens: t.promptTokens + d.promptTokens,
        completionTokens: t.completionTokens + d.completionTokens,
        cost: roundCost(t.cost + d.cost),
        currency,
      }),
      { requests: 0, promptTokens: 0, completionTokens: 0, cost: 0, currency },
    );
    return { totals, days };
  });
}

async function turn(
  ctx: GatewayContext,
  request: FastifyRequest<IdParams>,
  reply: FastifyReply,
  body: Record<string, unknown>,
  run: (conversation: Conversation, options: TurnOptions) => Promise<TurnResult>,
): Promise<void> {
  const caller = request.caller as Caller;
  const conversation = await openOwned(ctx, caller, request.params.id);
  const model = optionalString(body, 'model');
  checkModel(caller, model ?? conversation.info.model);
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  reply.hijack();
  const writer = new SseWriter(reply.raw, { 'x-request-id': request.id }, ctx.keepAliveMs);
  let finish!: () => void;
  const open = {
    cut: () => controller.abort(),
    done: new Promise<void>((resolve) => {
      finish = resolve;
    }),
  };
  ctx.streams.add(open);
  ctx.metrics.openStreams.inc();
  let status = 200;
  try {
    const result = await run(conversation, {
      stream: true,
      signal: controller.signal,
      onText: (text) => void writer.data(JSON.stringify({ type: 'delta', text })),
      ...(model === undefined ? {} : { request: { model } }),
    });
    const messages = await conversation.messages();
    const info = conversation.info;
    const message = result.reply ? messageView(result.reply, ctx.services.prices) : null;
    const usage = result.usage
      ? {
          prompt_tokens: result.usage.prompt_tokens,
          completion_tokens: result.usage.completion_tokens,
          total_tokens: result.usage.total_tokens,
        }
      : null;
    writer.end(
      `data: ${JSON.stringify({
        type: 'done',
        message,
        usage,
        cost: message?.cost ?? null,
        currency: message?.currency ?? null,
        context: contextUse(model ?? info.model, messages, ctx.memory.maxContextTokens),
        summarized: result.summarized,
        title: info.title,
      })}\n\n`,
    );
  } catch (error) {
    status = 502;
    const failure = errorResponse(error, ctx.secrets).body.error;
    if (!writer.closed) {
      ctx.metrics.errors.inc({ code: failure.code ?? 'unknown' });
      writer.end(
        `data: ${JSON.stringify({ type: 'error', error: { message: failure.message, code: failure.code } })}\n\n`,
      );
    }
    if (failure.code === 'internal_error')
      ctx.logger.error({ reqId: request.id, err: error }, 'conversation turn failed');
  } finally {
    writer.end();
    ctx.metrics.openStreams.dec();
    ctx.streams.delete(open);
    finish();
    const seconds = (performance.now() - request.startedAt) / 1000;
    const route = request.routeOptions.url ?? '/api/conversations/:id/messages';
    ctx.metrics.requests.inc({ route, method: 'POST', status: reply.raw.writableFinished ? status : 499 });
    ctx.metrics.latency.observe({ route }, seconds);
    ctx.logger.info(
      {
        reqId: request.id,
        method: 'POST',
        url: route,
        status: 200,
        keyId: caller.id,
        ms: Math.round(seconds * 1000),
      },
      'request',
    );
  }
}

async function openOwned(ctx: GatewayContext, caller: Caller, id: string): Promise<Conversation> {
  const conversation = await ctx.conversationsFor(caller).find(id);
  // Another key's conversation is reported exactly like a missing one.
  if (!conversation || conversation.info.owner !== caller.id) {
    throw new GatewayError(404, 'conversation_not_found', `No conversation with id ${id}.`, {
      param: 'id',
    });
  }
  return conversation;
}

function defaultModelFor(ctx: GatewayContext, caller: Caller): string {
  const models = caller.key?.models;
  return models && !models.includes(ctx.defaultModel) ? (models[0] ?? ctx.defaultModel) : ctx.defaultModel;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError(400, 'invalid_body', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badField(field, 'a string');
  return value;
}

function requiredContent(body: Record<string, unknown>): string {
  const content = optionalString(body, 'content');
  if (content === undefined || content.trim() === '') {
    throw new GatewayError(400, 'missing_required_parameter', "Missing required parameter: 'content'.", {
      param: 'content',
    });
  }
  return content;
}

function badField(field: string, expected: string): GatewayError {
  return new GatewayError(400, 'invalid_type', `Invalid type for '${field}': expected ${expected}.`, {
    param: field,
  });
}

/** `30d`, `12h`, `2026-11-01` or epoch ms; default 30 days. */
function parseSince(value: string | undefined): number {
  if (!value) return Date.now() - 30 * 86_400_000;
  const relative = /^(\d+)([dh])$/.exec(value);
  if (relative) return Date.now() - Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000);
  const asNumber = Number(value);
  if (Number.isFinite(asNumber)) return asNumber;
  const date = Date.parse(value);
  if (Number.isFinite(date)) return date;
  throw new GatewayError(
    400,
    'invalid_value',
    `Cannot read since=${value}: use 30d, 12h or a date (2026-11-01).`,
    {
      param: 'since',
    },
  );
}
