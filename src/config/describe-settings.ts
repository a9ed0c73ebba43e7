import { FIELDS } from './fields.js';
import { maskSecret, maskUrl, urlSecrets } from './mask-secret.js';
import type { SettingKey, SettingSource, Settings } from './settings.js';

/** One line of `steadychat config`: a setting, its value ready to show, and where it came from. */
export interface SettingRow {
  /** Dotted key, e.g. `timeouts.idleMs`. */
  key: SettingKey | `file.${string}`;
  /** The value as shown: secrets masked, lists comma-separated, `''` when unset. */
  value: string;
  /** The value in its type (number, list…) for JSON output; masked like `value` when secret; null when unset. */
  typed: unknown;
  /** Where it came from; absent when the setting is unset. */
  source?: SettingSource;
  /** The environment variable that sets it (the first of its names); absent for config-file-only rows. */
  env?: string;
  /** True when the value is masked. */
  secret: boolean;
  /** What the setting does. */
  doc: string;
}

/** The settings as rows for display, secrets masked (`sk-…abcd`), unset optional settings included. */
export function describeSettings(settings: Settings): SettingRow[] {
  const rows: SettingRow[] = [];
  for (const field of FIELDS) {
    const value = valueAt(settings, field.key);
    const source = settings.sources[field.key];
    let text = value === undefined ? '' : Array.isArray(value) ? value.join(',') : String(value);
    if (text && field.secret === 'token') text = maskSecret(text);
    if (text && field.secret === 'url') text = maskUrl(text);
    if (field.key === 'databaseUrl' && value === undefined) text = `sqlite:${settings.home}/steadychat.db`;
    const typed = value === undefined ? null : field.secret ? text : value;
    rows.push({
      key: field.key,
      value: text,
      typed,
      ...(source && value !== undefined ? { source } : {}),
      ...(field.key === 'databaseUrl' && value === undefined
        ? { source: { from: 'default' } as SettingSource }
        : {}),
      // Upper case reads as the usual spelling (HTTPS_PROXY rather than https_proxy).
      ...(field.env[0] ? { env: field.env.find((n) => n === n.toUpperCase()) ?? field.env[0] } : {}),
      secret: field.secret !== undefined && value !== undefined,
      doc: field.doc,
    });
  }
  for (const [section, entries] of Object.entries(settings.file)) {
    if (!entries) continue;
    const names = Object.keys(entries);
    rows.push({
      key: `file.${section}`,
      value: names.join(','),
      typed: names,
      ...(settings.configFile ? { source: { from: 'file', name: section, file: settings.configFile } } : {}),
      secret: false,
      doc: `Config file section "${section}" (${names.length} entries).`,
    });
  }
  return rows;
}

/**
 * Every secret value in the settings (API key, admin key, passwords inside URLs), for
 * `redactSecrets` and the logger.
 */
export function settingsSecrets(settings: Settings): string[] {
  return [
    settings.openai.apiKey,
    settings.gateway.adminKey,
    ...urlSecrets(settings.databaseUrl),
    ...urlSecrets(settings.redisUrl),
    ...urlSecrets(settings.proxy.httpsProxy),
    ...urlSecrets(settings.proxy.httpProxy),
  ].filter((s): s is string => s !== undefined && s !== '');
}

function valueAt(settings: Settings, key: string): unknown {
  let node: unknown = settings;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
