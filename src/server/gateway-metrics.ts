import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, on a registry of its own (several gateways per process stay apart). */
export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route'>;
  timeToFirstToken: Histogram<'model'>;
  tokens: Counter<'model' | 'kind'>;
  cost: Counter<'model' | 'currency'>;
  errors: Counter<'code'>;
  retries: Counter<'code'>;
  fallbacks: Counter<'from' | 'to'>;
  budgetRefusals: Counter<'code'>;
  redactions: Counter<'type'>;
  openStreams: Gauge;
}

/** Creates the metrics (process metrics included, prefixed `steadychat_`). */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'steadychat_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'steadychat_http_requests_total',
      help: 'HTTP requests answered, by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    latency: new Histogram({
      name: 'steadychat_http_request_duration_seconds',
      help: 'Time from request to the end of the response (whole stream for streams).',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: 'steadychat_time_to_first_token_seconds',
      help: 'Time from request to the first streamed chunk sent to the client.',
      labelNames: ['model'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    tokens: new Counter({
      name: 'steadychat_tokens_total',
      help: 'Tokens used upstream (kind: prompt or completion), from the ledger rows.',
      labelNames: ['model', 'kind'],
      registers,
    }),
    cost: new Counter({
      name: 'steadychat_cost_total',
      help: 'Cost of upstream calls, by currency.',
      labelNames: ['model', 'currency'],
      registers,
    }),
    errors: new Counter({
      name: 'steadychat_errors_total',
      help: 'Errors answered to clients (or sent as error frames), by code.',
      labelNames: ['code'],
      registers,
    }),
    retries: new Counter({
      name: 'steadychat_upstream_retries_total',
      help: 'Upstream attempts that failed and were retried, by error code.',
      labelNames: ['code'],
      registers,
    }),
    fallbacks: new Counter({
      name: 'steadychat_upstream_fallbacks_total',
      help: 'Calls moved to the next upstream after a retryable failure.',
      labelNames: ['from', 'to'],
      registers,
    }),
    budgetRefusals: new Counter({
      name: 'steadychat_budget_refusals_total',
      help: 'Calls refused before going upstream (budget_exceeded, rate_limit_exceeded, runaway_request).',
      labelNames: ['code'],
      registers,
    }),
    redactions: new Counter({
      name: 'steadychat_redactions_total',
      help: 'Personal data items replaced before going upstream, by type.',
      labelNames: ['type'],
      registers,
    }),
    openStreams: new Gauge({
      name: 'steadychat_open_streams',
      help: 'Streams being sent to clients right now.',
      registers,
    }),
  };
}
