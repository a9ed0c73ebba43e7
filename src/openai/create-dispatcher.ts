import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';

/** Proxy settings, as the standard variables spell them. */
export interface ProxySettings {
  /** Proxy for https:// upstreams (`HTTPS_PROXY`). */
  httpsProxy?: string | undefined;
  /** Proxy for http:// upstreams, and https ones when no https proxy is set (`HTTP_PROXY`). */
  httpProxy?: string | undefined;
  /** Comma-separated hosts that bypass the proxy (`NO_PROXY`). */
  noProxy?: string | undefined;
}

/**
 * The undici dispatcher steadychat sends with: a connect timeout, no undici-level header/body timeouts
 * (steadychat's own first-byte and idle timers own those) and, when a proxy is configured, an
 * `EnvHttpProxyAgent` fed with the given values only (never the process environment: that is read
 * once, by the settings loader).
 */
export function createDispatcher(proxy: ProxySettings, connectTimeoutMs: number): Dispatcher {
  const base = {
    connect: { timeout: Math.max(connectTimeoutMs, 0) },
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  if (proxy.httpsProxy || proxy.httpProxy) {
    return new EnvHttpProxyAgent({
      ...base,
      httpProxy: proxy.httpProxy ?? '',
      httpsProxy: proxy.httpsProxy ?? proxy.httpProxy ?? '',
      noProxy: proxy.noProxy ?? '',
    });
  }
  return new Agent(base);
}

/** The proxy a request to `url` goes through with these settings, or undefined (for messages). */
export function proxyFor(url: string, proxy: ProxySettings): string | undefined {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const chosen = target.protocol === 'https:' ? (proxy.httpsProxy ?? proxy.httpProxy) : proxy.httpProxy;
  if (!chosen) return undefined;
  const host = target.hostname.toLowerCase();
  for (const raw of (proxy.noProxy ?? '').split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return undefined;
    const [name, port] = entry.split(':');
    if (port && port !== (target.port || (target.protocol === 'https:' ? '443' : '80'))) continue;
    const bare = (name ?? '').replace(/^\*?\./, '');
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return chosen;
}
