import {
  isRetryable,
  type LoggerLike,
  type ProxySettings,
  type Timeouts,
  Upstream,
  type UpstreamCallOptions,
} from '../openai/index.js';
import { createRetryStage, type Next, type RetryOptions, type Stage } from '../pipeline/index.js';
import type { UpstreamConfig } from './upstream-config.js';

/** How the pool reaches its upstreams. */
export interface UpstreamPoolOptions {
  timeouts: Timeouts;
  proxy?: ProxySettings;
  /** Retries per upstream before falling back to the next. */
  retry: RetryOptions;
  logger?: LoggerLike;
  /** Called when a call moves on to the next upstream. */
  onFallback?: (from: string, to: string, error: unknown) => void;
}

interface Member {
  config: UpstreamConfig;
  clients: Upstream[];
  turn: number;
}

/** The upstreams of a gateway: key rotation inside each, fallback across them, retry inside each. */
export interface UpstreamPool {
  /** The pipeline's terminal handler (retry, then fallback, then each upstream's transport). */
  readonly chat: Next;
  /** Upstreams in fallback order. */
  readonly names: string[];
  /** The first upstream that serves a model. */
  first(model?: string): Upstream | undefined;
  /** Every upstream API key (to mask wherever they could appear). */
  readonly secrets: string[];
  /** Models named in the upstream configs (empty when every upstream serves any model). */
  readonly models: string[];
  close(): Promise<void>;
}

/** Builds the pool. */
export function createUpstreamPool(
  configs: readonly UpstreamConfig[],
  options: UpstreamPoolOptions,
): UpstreamPool {
  const members: Member[] = configs.map((config) => {
    const keys = config.apiKeys.length > 0 ? config.apiKeys : [undefined];
    const clients = keys.map(
      (key) =>
        new Upstream({
          baseUrl: config.baseUrl,
          apiKey: config.keyHeader === 'api-key' ? undefined : key,
          headers: {
            ...config.headers,
            ...(config.keyHeader === 'api-key' && key ? { 'api-key': key } : {}),
          },
          timeouts: options.timeouts,
          proxy: options.proxy,
          streamUsage: config.streamUsage,
          logger: options.logger,
        }),
    );
    return { config, clients, turn: 0 };
  });
  const retry: Stage = createRetryStage(options.retry);
  const serving = (model: string) =>
    members.filter((m) => !m.config.models || m.config.models.includes(model));

  const chat: Next = async (call) => {
    const upstreamOptions = { ...((call.options.upstream ?? {}) as UpstreamCallOptions) };
    if (upstreamOptions.deadline === undefined && options.timeouts.totalMs > 0) {
      upstreamOptions.deadline = Date.now() + options.timeouts.totalMs;
    }
    const routed = { ...call, options: { ...call.options, upstream: upstreamOptions } };
    const chain = serving(call.request.model);
    const candidates = chain.length > 0 ? chain : members;
    for (let i = 0; ; i++) {
      const member = candidates[i]!;
      const client = member.clients[member.turn++ % member.clients.length]!;
      try {
        return await retry(routed, client.chat);
      } catch (error) {
        const next = candidates[i + 1];
        if (!next || call.signal.aborted || !isRetryable(error)) throw error;
        options.onFallback?.(member.config.name, next.config.name, error);
        options.logger?.warn(
          {
            from: member.config.name,
            to: next.config.name,
            code: (error as { code?: string }).code,
            requestId: call.context.requestId,
          },
          'upstream failed before the first chunk; falling back to the next upstream',
        );
      }
    }
  };

  return {
    chat,
    names: members.map((m) => m.config.name),
    first: (model) => (model ? serving(model)[0] : members[0])?.clients[0],
    secrets: configs.flatMap((c) => c.apiKeys),
    models: [...new Set(configs.flatMap((c) => c.models ?? []))],
    async close() {
      await Promise.all(members.flatMap((m) => m.clients.map((c) => c.close())));
    },
  };
}
