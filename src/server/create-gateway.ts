import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
} from 'fastify';
import { sql } from 'kysely';
import { createLogger, type Logger, loadSettings, type Settings } from '../config/index.js';
import { createConversations, type MemoryOptions } from '../memory/index.js';
import { compose, type Stage } from '../pipeline/index.js';
import { createRedactStage, parseRedactConfig } from '../redact/index.js';
import { openStore, type Store } from '../store/index.js';
import {
  createBudgetStage,
  createRunawayGuard,
  createUsageServices,
  type RateLimits,
} from '../usage/index.js';
import { envelope, errorResponse } from './error-response.js';
import type { Caller, GatewayContext, OpenStream } from './gateway-context.js';
import { GatewayConfigError, GatewayError } from './gateway-error.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import type { GatewayOptions } from './gateway-options.js';
import { createKeyStore, type GatewayKey, type KeyStore } from './key-store.js';
import { registerAdminRoutes } from './routes-admin.js';
import { registerApiRoutes } from './routes-api.js';
import { registerStaticRoutes } from './routes-static.js';
import { createModelLister, registerV1Routes } from './routes-v1.js';
import { parseUpstreams, type UpstreamConfig } from './upstream-config.js';
import { createUpstreamPool } from './upstream-pool.js';

/** A gateway, built but not yet listening. */
export interface Gateway {
  /** The Fastify app (for `app.inject()` in tests, or more routes). */
  readonly app: FastifyInstance;
  readonly keys: KeyStore;
  readonly store: Store;
  readonly logger: Logger;
  /** Upstream names in fallback order. */
  readonly upstreams: string[];
  /**
   * Starts listening. Refuses (GatewayConfigError `auth_required`) a non-loopback address without keys
   * unless `allowOpenNetwork`. Resolves to the base URL, e.g. `http://127.0.0.1:8787`.
   */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** Whether requests without a key are accepted (loopback and no keys). */
  isOpen(): Promise<boolean>;
  /**
   * Resolves when the bookkeeping of every answer given so far (ledger rows, budget settlements, which
   * `/v1` writes just after answering) is in the store.
   */
  settled(): Promise<void>;
  /**
   * Graceful shutdown: stop accepting, let open streams finish for `shutdownGraceMs`, cut the rest
   * with an error frame, settle the ledger, close the upstream connections and (if it opened it) the store.
   */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

/** Whether an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** The package's `web/` folder (next to `dist/` and `src/`). */
export function defaultWebRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
}

/**
 * Builds the gateway: one pipeline (usage → budget and rate limits → redaction → fallback(retry →
 * upstream)) shared by `/v1` and the conversations API, keys, metrics, the web page.
 */
export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const env = options.env ?? {};
  const settings: Settings = options.settings ?? loadSettings({ env, defaults: { redact: 'on' } });
  const upstreamConfigs: UpstreamConfig[] = options.upstreams ?? defaultUpstreams(settings, env);
  if (upstreamConfigs.length === 0) {
    throw new GatewayConfigError(
      'no_upstream',
      'The gateway has no upstream to forward to.',
      'Set OPENAI_API_KEY, or add an "upstreams" section to the config file.',
    );
  }
  const secrets = [
    ...upstreamConfigs.flatMap((u) => u.apiKeys),
    ...(settings.openai.apiKey ? [settings.openai.apiKey] : []),
    ...(settings.gateway.adminKey ? [settings.gateway.adminKey] : []),
  ];
  const logger =
    options.logger ?? createLogger(settings, { secrets, base: { component: 'gateway' }, batch: true });
  const ownStore = !options.store;
  const store =
    options.store ??
    (await openStore({
      ...(settings.databaseUrl ? { url: settings.databaseUrl } : {}),
      home: settings.home,
      // A gateway commits several rows per call (reservation, ledger, settlement): with SQLite, sync at
      // WAL checkpoints; a killed process loses nothing, a power cut at most the last moments.
      synchronous: 'normal',
      backgroundCheckpoints: true,
    }));
  const member = options.cluster;
  const keys = createKeyStore(store.db, {
    ...(options.keyCacheMs === undefined ? {} : { cacheMs: options.keyCacheMs }),
    ...(member ? { onChange: () => member.keysChanged() } : {}),
  });
  member?.onKeysChanged(() => keys.forget());
  const metrics = createGatewayMetrics();
  member?.shareMetrics(metrics.registry);
  const services = createUsageServices({
    store,
    file: settings.file,
    ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
    // Workers share the primary's buckets, unless Redis shares them with other machines too.
    ...(member && !settings.redisUrl ? { rateLimiter: member.rateLimiter } : {}),
    upstream: upstreamConfigs[0]!.name,
    logger,
    onRecorded: (entry) => {
      metrics.tokens.inc({ model: entry.model, kind: 'prompt' }, entry.promptTokens);
      metrics.tokens.inc({ model: entry.model, kind: 'completion' }, entry.completionTokens);
      if (entry.cost !== null)
        metrics.cost.inc({ model: entry.model, currency: entry.currency ?? 'USD' }, entry.cost);
    },
  });
  // Rate limits: a key's own (from its record, learned at authentication), else the config file's.
  const keyRateLimits = new Map<string, RateLimits>();
  const rateLimits = new Proxy({} as Record<string, RateLimits>, {
    get: (_target, caller) =>
      typeof caller === 'string'
        ? (keyRateLimits.get(caller) ?? services.config.rateLimits?.[caller])
        : undefined,
  });
  const budgetStage = createBudgetStage({
    book: services.book,
    prices: services.prices,
    rateLimiter: services.rateLimiter,
    rateLimits,
    runaway: member
      ? member.runawayGuard(services.config.runaway ?? {})
      : createRunawayGuard(services.config.runaway ?? {}),
    logger,
  });
  const stages: Stage[] = [services.usageStage, budgetStage];
  if (settings.redact === 'on') {
    stages.push(
      createRedactStage({
        ...parseRedactConfig(settings.file.redact),
        onReport: (report) => {
          for (const [type, count] of Object.entries(report.counts)) metrics.redactions.inc({ type }, count);
        },
      }),
    );
  }
  const pool = createUpstreamPool(upstreamConfigs, {
    timeouts: settings.timeouts,
    proxy: {
      ...(settings.proxy.httpsProxy ? { httpsProxy: settings.proxy.httpsProxy } : {}),
      ...(settings.proxy.httpProxy ? { httpProxy: settings.proxy.httpProxy } : {}),
      ...(settings.proxy.noProxy ? { noProxy: settings.proxy.noProxy } : {}),
    },
    retry: { maxRetries: settings.maxRetries },
    logger,
    onFallback: (from, to) => metrics.fallbacks.inc({ from, to }),
  });
  const pipeline = compose(stages, pool.chat);
  const memory: MemoryOptions =
    options.memory ?? (settings.summaryModel ? { summary: { model: settings.summaryModel } } : {});
  const limits = {
    bodyBytes: options.limits?.bodyBytes ?? 4 * 1024 * 1024,
    maxMessages: options.limits?.maxMessages ?? 1000,
    maxTokens: options.limits?.maxTokens,
  };

  let boundHost = settings.gateway.host;
  let closing = false;
  let activeKeys: { count: number; at: number; version: number } | undefined;
  // Keys made by another process (the CLI, another instance) close an open gateway within 2 s.
  /** Whether the gateway is open, when that is known without asking the store; else undefined. */
  const knownOpen = (): boolean | undefined => {
    if (!isLoopback(boundHost) && !options.allowOpenNetwork) return false;
    if (!activeKeys || activeKeys.version !== keys.version || Date.now() - activeKeys.at > 2000)
      return undefined;
    return activeKeys.count === 0;
  };
  const isOpen = async () => {
    const known = knownOpen();
    if (known !== undefined) return known;
    activeKeys = { count: await keys.countActive(), at: Date.now(), version: keys.version };
    return activeKeys.count === 0;
  };
  const streams = new Set<OpenStream>();
  // Ledger rows and settlements of answers already sent (the answer does not wait for its commit).
  const bookkeeping = new Set<Promise<unknown>>();
  const afterAnswer = (work: Promise<unknown>) => {
    bookkeeping.add(work);
    const done = () => bookkeeping.delete(work);
    work.then(done, done);
  };
  const settled = async () => {
    await Promise.all([...bookkeeping]);
  };
  const ctx: GatewayContext = {
    settings,
    logger,
    store,
    keys,
    services,
    pool,
    pipeline,
    metrics,
    limits,
    keepAliveMs: options.keepAliveMs ?? 15_000,
    forwardHeaders: (options.forwardHeaders ?? []).map((h) => h.toLowerCase()),
    secrets,
    defaultModel: settings.model,
    memory,
    demo: options.demo ?? false,
    conversationsFor: (caller: Caller) =>
      createConversations({
        store,
        model: settings.model,
        memory,
        logger,
        // Charged to the caller's key (the conversation layer names the owner as the user).
        chat: (call) => {
          const { userId: _owner, ...context } = call.context;
          return pipeline({ ...call, context: { ...context, keyId: caller.id } });
        },
      }),
    isOpen,
    listModels: () => listModels(),
    streams,
    closing: () => closing,
    afterAnswer,
    settled,
  };
  const listModels = createModelLister(ctx);

  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyBytes,
    // randomUUID draws from a buffered entropy pool; randomBytes would make a system call per request.
    genReqId: () => `req_${randomUUID().replaceAll('-', '')}`,
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.decorateRequest('caller', null);
  app.decorateRequest('startedAt', 0);

  // A callback hook: a call whose key (and the open/closed state) is cached authenticates without a
  // promise.
  app.addHook('onRequest', (request, reply, done) => {
    request.startedAt = performance.now();
    reply.header('x-request-id', request.id);
    if (settings.gateway.corsOrigins.length > 0) {
      const cors = corsHeaders(settings.gateway.corsOrigins, request.headers.origin);
      for (const [name, value] of Object.entries(cors)) reply.header(name, value);
    }
    const path = request.url;
    if (request.method === 'OPTIONS' || !(path.startsWith('/v1/') || path.startsWith('/api/'))) {
      done();
      return;
    }
    if (closing) {
      done(
        new GatewayError(
          503,
          'server_shutting_down',
          'The gateway is shutting down; retry on another instance.',
          {
            headers: { 'retry-after': '1' },
          },
        ),
      );
      return;
    }
    let caller: Caller | Promise<Caller>;
    try {
      caller = authenticate(request.headers.authorization);
    } catch (error) {
      done(error as GatewayError);
      return;
    }
    if (caller instanceof Promise) {
      caller.then((c) => {
        request.caller = c;
        done();
      }, done);
    } else {
      request.caller = caller;
      done();
    }
  });

  const openCaller: Caller = { id: 'local', key: null };
  const keyCallers = new WeakMap<GatewayKey, Caller>();
  /**
   * The caller of a verified key record: one per record (the key store keeps a record for its cache
   * time), so that a busy key's calls allocate nothing here. Learns the key's own rate limits.
   */
  const callerOf = (key: GatewayKey): Caller => {
    let caller = keyCallers.get(key);
    if (caller === undefined) {
      caller = { id: key.id, key };
      keyCallers.set(key, caller);
      const name = `key:${key.id}`;
      if (key.rpm !== null || key.tpm !== null) {
        keyRateLimits.set(name, {
          ...(key.rpm === null ? {} : { requestsPerMinute: key.rpm }),
          ...(key.tpm === null ? {} : { tokensPerMinute: key.tpm }),
        });
      } else keyRateLimits.delete(name);
    }
    return caller;
  };
  const verifiedCaller = (secret: string): Caller | Promise<Caller> => {
    const cached = keys.cached(secret);
    if (cached) return callerOf(cached);
    return keys.verify(secret).then((key) => {
      if (!key) {
        throw new GatewayError(
          401,
          'invalid_api_key',
          `Incorrect API key provided: ${secret.slice(0, 5)}…. Use a gateway key (sc-…) from \`steadychat keys create\`; revoked keys stop working at once.`,
        );
      }
      return callerOf(key);
    });
  };
  const openOrRefuse = (open: boolean): Caller => {
    if (open) return openCaller;
    throw new GatewayError(
      401,
      'missing_api_key',
      "You didn't provide an API key. You need to provide your gateway key in an Authorization header using Bearer auth (i.e. Authorization: Bearer sc-…).",
    );
  };
  /** The caller of a request: its gateway key, or the open gateway's local caller; throws a 401. */
  const authenticate = (authorization: string | undefined): Caller | Promise<Caller> => {
    const secret = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
    const open = knownOpen();
    if (secret) {
      if (secret.startsWith('sc-') || open === false) return verifiedCaller(secret);
      // An open gateway ignores tokens that are not gateway keys (SDKs insist on sending some key).
      if (open === true) return openCaller;
      return isOpen().then((o) => (o ? openCaller : verifiedCaller(secret)));
    }
    return open === undefined ? isOpen().then(openOrRefuse) : openOrRefuse(open);
  };

  // Metrics and the access line of each response, as callback hooks (no promise per response). Each
  // route gets its own, which knows the route's path: Fastify builds a new route-options object each
  // time a request's route is read.
  const recordResponse =
    (route: string) =>
    (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      const seconds = (performance.now() - request.startedAt) / 1000;
      metrics.requests.inc({ route, method: request.method, status: reply.statusCode });
      metrics.latency.observe({ route }, seconds);
      if (route !== '/metrics' && route !== '/healthz' && route !== '/readyz') {
        logger.info(
          {
            reqId: request.id,
            method: request.method,
            url: route,
            status: reply.statusCode,
            keyId: request.caller?.id,
            ms: Math.round(seconds * 1000),
          },
          'request',
        );
      }
      done();
    };
  app.addHook('onRoute', (route) => {
    const hook = recordResponse(route.url);
    const own = route.onResponse;
    route.onResponse = own === undefined ? [hook] : [hook, ...(Array.isArray(own) ? own : [own])];
  });
  // Requests no route matched.
  const recordUnmatched = recordResponse('unknown');
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) recordUnmatched(request, reply, done);
    else done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = fastifyFailure(error) ?? errorResponse(error, secrets);
    if (failure.status >= 500 && failure.body.error.code === 'internal_error') {
      logger.error({ reqId: request.id, err: error }, 'request failed');
    }
    const code = failure.body.error.code ?? 'unknown';
    metrics.errors.inc({ code });
    if (code === 'budget_exceeded' || code === 'rate_limit_exceeded' || code === 'runaway_request') {
      metrics.budgetRefusals.inc({ code });
    }
    void reply.code(failure.status).headers(failure.headers).send(failure.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    void reply
      .code(404)
      .send(envelope(`Invalid URL (${request.method} ${path})`, 'invalid_request_error', null, null));
  });

  app.options('/*', async (_request, reply) => reply.code(204).send());

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await sql`select 1`.execute(store.db);
      checks.store = 'ok';
    } catch (error) {
      checks.store = `failed: ${(error as Error).message}`;
    }
    checks.upstreams = pool.names.join(', ');
    const ready = checks.store === 'ok' && !closing;
    if (closing) checks.shutdown = 'in progress';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_request, reply) =>
    reply
      .header('content-type', metrics.registry.contentType)
      // A worker answers for all of them (their sum, collected through the primary).
      .send(await (member ? member.metrics() : metrics.registry.metrics())),
  );

  registerV1Routes(app, ctx);
  registerApiRoutes(app, ctx);
  registerAdminRoutes(app, ctx, () => {
    activeKeys = undefined;
  });
  const webRoot = options.webRoot === false ? undefined : (options.webRoot ?? defaultWebRoot());
  if (webRoot && existsSync(join(webRoot, 'index.html'))) registerStaticRoutes(app, resolve(webRoot));
  else if (webRoot) logger.warn({ webRoot }, 'no web page found; / is not served');

  let closed: Promise<void> | undefined;
  return {
    app,
    keys,
    store,
    logger,
    upstreams: pool.names,
    isOpen,
    settled,
    async listen(listenOptions = {}) {
      const host = listenOptions.host ?? settings.gateway.host;
      const port = listenOptions.port ?? settings.gateway.port;
      boundHost = host;
      const keyCount = await keys.countActive();
      if (!isLoopback(host) && keyCount === 0) {
        if (!options.allowOpenNetwork) {
          throw new GatewayConfigError(
            'auth_required',
            `Refusing to listen on ${host} without gateway keys: anyone who can reach it would spend your budget.`,
            'Create a key first (steadychat keys create --name NAME), bind to 127.0.0.1, or pass --allow-open-network on a trusted private network.',
          );
        }
        logger.warn(
          { host },
          'OPEN GATEWAY ON A NETWORK ADDRESS: no keys are required; anyone who can reach it spends your budget',
        );
      }
      const address = await app.listen({ port, host });
      const url = address.replace('[::1]', '[::1]');
      logger.info(
        { url, upstreams: pool.names, open: await isOpen(), store: store.location, demo: ctx.demo },
        (await isOpen()) ? 'gateway listening (open: no keys defined, loopback only)' : 'gateway listening',
      );
      return url;
    },
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = app.close();
        const grace = options.shutdownGraceMs ?? 10_000;
        if (streams.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            Promise.all([...streams].map((s) => s.done)),
            new Promise<void>((r) => {
              timer = setTimeout(r, grace);
            }),
          ]);
          clearTimeout(timer);
          for (const s of streams) s.cut();
          await Promise.all([...streams].map((s) => s.done));
        }
        await stopped;
        while (bookkeeping.size > 0) await settled();
        await services.close();
        await pool.close();
        if (ownStore) await store.close();
      })();
      return closed;
    },
  };
}

function defaultUpstreams(settings: Settings, env: Record<string, string | undefined>): UpstreamConfig[] {
  const fromFile = parseUpstreams(settings.file.upstreams, env);
  if (fromFile.length > 0) return fromFile;
  const baseUrl = settings.openai.baseUrl;
  const name = /api\.openai\.com/.test(baseUrl) ? 'openai' : new URL(baseUrl).host;
  return [{ name, baseUrl, apiKeys: settings.openai.apiKey ? [settings.openai.apiKey] : [] }];
}

function corsHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  if (!origin || allowed.length === 0) return {};
  if (!allowed.includes('*') && !allowed.includes(origin)) return {};
  return {
    'access-control-allow-origin': allowed.includes('*') ? '*' : origin,
    'access-control-allow-headers': 'authorization, content-type, x-request-id',
    'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
    'access-control-expose-headers': 'x-request-id',
    'access-control-max-age': '600',
    vary: 'origin',
  };
}

function fastifyFailure(error: FastifyError) {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        headers: {},
        body: envelope(
          'The request body is too large for this gateway.',
          'invalid_request_error',
          null,
          'request_too_large',
        ),
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        headers: {},
        body: envelope(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          'invalid_request_error',
          null,
          null,
        ),
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        headers: {},
        body: envelope(
          'Send the body as JSON (Content-Type: application/json).',
          'invalid_request_error',
          null,
          'unsupported_media_type',
        ),
      };
    default:
      if (
        error.statusCode &&
        error.statusCode >= 400 &&
        error.statusCode < 500 &&
        error.code?.startsWith('FST_')
      ) {
        return {
          status: error.statusCode,
          headers: {},
          body: envelope(error.message, 'invalid_request_error', null, null),
        };
      }
      return undefined;
  }
}
