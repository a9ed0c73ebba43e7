import type { Logger, Settings } from '../config/index.js';
import type { MemoryOptions } from '../memory/index.js';
import type { Store } from '../store/index.js';
import type { GatewayClusterMember } from './gateway-cluster.js';
import type { UpstreamConfig } from './upstream-config.js';

/** Request limits applied to every key (a key's own `maxTokens` / `maxMessages` override the last two). */
export interface GatewayLimits {
  /** Largest request body, in bytes. @default 4194304 (4 MiB) */
  bodyBytes?: number;
  /** Most messages in one chat request. @default 1000 */
  maxMessages?: number;
  /** Largest `max_tokens` / `max_completion_tokens` a request may ask for; absent = no cap. */
  maxTokens?: number;
}

/** Options of {@link createGateway}. Everything left out comes from the settings. */
export interface GatewayOptions {
  /** @default loadSettings({ env, defaults: { redact: 'on' } }) */
  settings?: Settings;
  /** Environment (for upstream `apiKeyEnv` names and the default settings). @default {} */
  env?: Record<string, string | undefined>;
  /** An open store; when absent one is opened from the settings (and closed by `close()`). */
  store?: Store;
  /**
   * Upstreams in fallback order.
   * @default the config file's `upstreams` section, else one `openai` upstream from `OPENAI_BASE_URL` / `OPENAI_API_KEY`
   */
  upstreams?: UpstreamConfig[];
  /** @default createLogger(settings, { batch: true }) (JSON lines on standard error, one write per event-loop turn, secrets masked) */
  logger?: Logger;
  /**
   * Serve without keys on a non-loopback address. Anyone who can reach the port spends your budget:
   * for a trusted private network only.
   * @default false
   */
  allowOpenNetwork?: boolean;
  /** Folder of the web chat page; `false` serves no page. @default the package's `web/` folder */
  webRoot?: string | false;
  /** Interval of SSE keep-alive comments on idle streams, in ms; 0 turns them off. @default 15000 */
  keepAliveMs?: number;
  /** Client request headers passed on upstream as they are (e.g. `x-emulator-fault` in tests). @default [] */
  forwardHeaders?: string[];
  /** Body size, message count and `max_tokens` limits. */
  limits?: GatewayLimits;
  /** How long `close()` lets open streams finish before cutting them, in ms. @default 10000 */
  shutdownGraceMs?: number;
  /** Memory options of the conversations API (window, summaries). @default summaries with `settings.summaryModel` */
  memory?: MemoryOptions;
  /** Shown at start and in `/api/me`: the upstream is the built-in emulator. @default false */
  demo?: boolean;
  /** How long a verified gateway key is cached (revocations by other instances apply after it). @default 2000 */
  keyCacheMs?: number;
  /**
   * This gateway is one worker of several on one port (`steadychat serve --workers N`): rate limits
   * (unless Redis is configured), the runaway guard, `/metrics` and key changes are shared through
   * the primary process. See {@link joinGatewayCluster}.
   */
  cluster?: GatewayClusterMember;
}
