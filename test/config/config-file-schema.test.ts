import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ConfigError, configFileSchema, loadSettings } from '../../src/config/index.js';
import { tempDir } from './temp-dir.js';

describe('the config file documented for users', () => {
  it('the example in docs/configuration.md loads without a problem', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    const example = /## The config file[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const cwd = tempDir({ 'steadychat.config.json': example ?? '' });
    const s = loadSettings({ env: { STEADYCHAT_HOME: join(cwd, 'home') }, cwd });
    expect(s.sources.model?.from).toBe('file');
    expect(s.timeouts.idleMs).toBe(20_000);
    expect(s.redact).toBe('on');
  });

  it('the JSON Schema for editors allows exactly the keys the loader allows', () => {
    const schema = configFileSchema() as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    const cwd = tempDir({ 'steadychat.config.json': JSON.stringify({ nope: 1, timeouts: { nope: 1 } }) });
    let error: ConfigError | undefined;
    try {
      loadSettings({ env: { STEADYCHAT_HOME: join(cwd, 'home') }, cwd });
    } catch (e) {
      error = e as ConfigError;
    }
    const allowed = (at: string) => {
      const message = error?.problems.find((p) => p.message.includes(`unknown key "${at}"`))?.message ?? '';
      return (/Allowed keys(?: in "[^"]+")?: (.*)\.$/.exec(message)?.[1] ?? '').split(', ').sort();
    };
    expect(Object.keys(schema.properties).sort()).toEqual(allowed('nope'));
    expect(Object.keys(schema.properties.timeouts?.properties ?? {}).sort()).toEqual(
      allowed('timeouts.nope'),
    );
    expect(schema.properties.openai?.properties).not.toHaveProperty('apiKey');
    expect(schema.properties.gateway?.properties).not.toHaveProperty('adminKey');
  });
});
