import { describe, expect, it } from 'vitest';
import { computeCost, createPriceTable, PriceConfigError, type UsageLogger } from '../../src/usage/index.js';

function recordingLogger() {
  const lines: string[] = [];
  const logger: UsageLogger = { info: () => {}, warn: (_fields, message) => lines.push(message) };
  return { lines, logger };
}

describe('prices', () => {
  it('prices known OpenAI models, dated snapshots and cached input at their own rate', () => {
    const table = createPriceTable();
    expect(table.lookup('gpt-4o-mini')).toMatchObject({ input: 0.15, output: 0.6, currency: 'USD' });
    expect(table.lookup('gpt-4o-mini-2024-07-18')).toEqual(table.lookup('gpt-4o-mini'));
    expect(table.lookup('gpt-4o-2024-08-06')).toEqual(table.lookup('gpt-4o'));
    const cost = table.cost('gpt-4o', {
      promptTokens: 1_000_000,
      completionTokens: 1_000_000,
      cachedTokens: 400_000,
    });
    // 600k fresh × 2.5 + 400k cached × 1.25 + 1M output × 10
    expect(cost?.amount).toBeCloseTo(1.5 + 0.5 + 10, 9);
    expect(cost?.currency).toBe('USD');
  });

  it('costs a call exactly as its price reads, without binary noise', () => {
    const table = createPriceTable();
    // (18 × 0.15 + 80 × 0.6) / 1e6 is 0.000050700000000000006 in binary floats.
    const cost = table.cost('gpt-4o-mini', { promptTokens: 18, completionTokens: 80 });
    expect(JSON.stringify(cost?.amount)).toBe('0.0000507');
    expect(table.cost('gpt-4o-mini', { promptTokens: 33, completionTokens: 77 })?.amount).toBe(0.00005115);
  });

  it('prices the Chinese providers in CNY', () => {
    const table = createPriceTable();
    for (const model of [
      'deepseek-chat',
      'qwen-plus',
      'moonshot-v1-8k',
      'kimi-k2-0905-preview',
      'doubao-seed-1-6-250615',
    ]) {
      expect(table.lookup(model)?.currency, model).toBe('CNY');
    }
    expect(table.cost('deepseek-chat', { promptTokens: 1_000_000, completionTokens: 0 })?.amount).toBe(2);
  });

  it('costs an unknown model null (never 0) and says so once in the log', () => {
    const { lines, logger } = recordingLogger();
    const table = createPriceTable({ logger });
    expect(table.cost('my-local-llama', { promptTokens: 10, completionTokens: 10 })).toBeNull();
    expect(table.cost('my-local-llama', { promptTokens: 10, completionTokens: 10 })).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('my-local-llama');
  });

  it('takes overrides from the config file, partial ones keeping the rest', () => {
    const table = createPriceTable({
      overrides: { 'my-local-llama': { input: 0, output: 0, currency: 'usd' }, 'gpt-4o-mini': { output: 1 } },
    });
    expect(table.cost('my-local-llama', { promptTokens: 10, completionTokens: 10 })).toEqual({
      amount: 0,
      currency: 'USD',
    });
    expect(table.lookup('gpt-4o-mini')).toMatchObject({ input: 0.15, output: 1 });
    expect(() => createPriceTable({ overrides: { broken: { input: -1 } } })).toThrow(PriceConfigError);
  });

  it('never prices a cached token above a fresh one when the cached rate is missing', () => {
    expect(
      computeCost(
        { input: 2, output: 4, currency: 'USD' },
        { promptTokens: 10, completionTokens: 0, cachedTokens: 5 },
      ),
    ).toBe(20 / 1e6);
  });
});
