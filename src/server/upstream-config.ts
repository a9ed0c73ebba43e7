import { GatewayConfigError } from './gateway-error.js';
import { UPSTREAM_PRESETS } from './upstream-presets.js';

/** One upstream service the gateway forwards to. */
export interface UpstreamConfig {
  /** Name shown in logs and metrics (`openai`, `deepseek`, …). */
  name: string;
  /** Base URL ending in `/v1` (or the provider's equivalent). */
  baseUrl: string;
  /** Keys used in turn (round robin), one per call; may be empty for keyless services (Ollama). */
  apiKeys: string[];
  /** Send the key as `api-key: …` (Azure OpenAI) instead of `Authorization: Bearer …`. @default false */
  keyHeader?: 'api-key';
  /** Models this upstream serves; absent = any. */
  models?: string[];
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Ask for `stream_options.include_usage` (set false for providers that reject it). @default true */
  streamUsage?: boolean;
}

/**
 * Reads the config file's `upstreams` section: by name, `{ preset | baseUrl, apiKey | apiKeys |
 * apiKeyEnv, models?, headers?, resource? (Azure), streamUsage? }`. Keys are best given by
 * environment variable name (`apiKeyEnv`), looked up in `env`.
 */
export function parseUpstreams(
  section: Record<string, unknown> | undefined,
  env: Record<string, string | undefined>,
): UpstreamConfig[] {
  const out: UpstreamConfig[] = [];
  for (const [name, raw] of Object.entries(section ?? {})) {
    const where = `upstreams.${name}`;
    if (typeof raw !== 'object' || raw === null) throw invalid(`${where} must be an object.`);
    const entry = raw as Record<string, unknown>;
    const presetName = typeof entry.preset === 'string' ? entry.preset.toLowerCase() : undefined;
    const preset = presetName === undefined ? undefined : UPSTREAM_PRESETS[presetName];
    if (presetName !== undefined && !preset) {
      throw invalid(
        `${where}.preset "${presetName}" is unknown; use one of ${Object.keys(UPSTREAM_PRESETS).join(', ')}.`,
      );
    }
    let baseUrl = typeof entry.baseUrl === 'string' ? entry.baseUrl : preset?.baseUrl;
    if (!baseUrl) throw invalid(`${where} needs "baseUrl" or "preset".`);
    if (baseUrl.includes('{resource}')) {
      if (typeof entry.resource !== 'string')
        throw invalid(`${where} (Azure) needs "resource": the Azure OpenAI resource name.`);
      baseUrl = baseUrl.replace('{resource}', entry.resource);
    }
    if (!/^https?:\/\//.test(baseUrl)) throw invalid(`${where}.baseUrl must be an http(s) URL.`);
    const keys: string[] = [];
    if (typeof entry.apiKey === 'string') keys.push(entry.apiKey);
    if (Array.isArray(entry.apiKeys))
      for (const k of entry.apiKeys) if (typeof k === 'string' && k) keys.push(k);
    const envNames = Array.isArray(entry.apiKeyEnv)
      ? entry.apiKeyEnv
      : entry.apiKeyEnv === undefined
        ? []
        : [entry.apiKeyEnv];
    for (const envName of envNames) {
      const value = typeof envName === 'string' ? env[envName] : undefined;
      if (!value) throw invalid(`${where}.apiKeyEnv names ${String(envName)}, which is not set.`);
      keys.push(value);
    }
    const config: UpstreamConfig = { name, baseUrl: baseUrl.replace(/\/+$/, ''), apiKeys: keys };
    if (preset?.keyHeader || entry.keyHeader === 'api-key') config.keyHeader = 'api-key';
    if (Array.isArray(entry.models))
      config.models = entry.models.filter((m): m is string => typeof m === 'string');
    if (typeof entry.headers === 'object' && entry.headers !== null) {
      config.headers = Object.fromEntries(
        Object.entries(entry.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    }
    if (entry.streamUsage === false) config.streamUsage = false;
    out.push(config);
  }
  return out;
}

function invalid(message: string): GatewayConfigError {
  return new GatewayConfigError(
    'invalid_upstreams',
    `The config file's ${message}`,
    'See docs/gateway-api.md ("Upstreams") for the shape of the upstreams section.',
  );
}
