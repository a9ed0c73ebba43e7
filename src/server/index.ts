export { createGateway, defaultWebRoot, type Gateway, isLoopback } from './create-gateway.js';
export { type ErrorEnvelope, type ErrorResponse, errorResponse } from './error-response.js';
export {
  type GatewayCluster,
  type GatewayClusterMember,
  type GatewayClusterOptions,
  isGatewayWorker,
  joinGatewayCluster,
  startGatewayCluster,
} from './gateway-cluster.js';
export { GatewayConfigError, GatewayError } from './gateway-error.js';
export type { GatewayLimits, GatewayOptions } from './gateway-options.js';
export {
  createKeyStore,
  type GatewayKey,
  hashKey,
  type KeyStore,
  type KeyStoreOptions,
  type NewGatewayKey,
} from './key-store.js';
export { createGatewayKey, type KeyLimitsInput } from './routes-admin.js';
export { CONTENT_SECURITY_POLICY } from './routes-static.js';
export { type GatewayHandle, type StartGatewayOptions, startGateway } from './start-gateway.js';
export { parseUpstreams, type UpstreamConfig } from './upstream-config.js';
export { UPSTREAM_PRESETS } from './upstream-presets.js';
