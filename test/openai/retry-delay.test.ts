import { describe, expect, it } from 'vitest';
import { backoffDelay, parseGoDuration, serverRetryDelay } from '../../src/openai/index.js';

describe('retry delay sources, in order of precedence', () => {
  it('retry-after-ms wins over retry-after, which wins over the rate-limit reset hint', () => {
    const all = { 'retry-after-ms': '1500.5', 'retry-after': '20', 'x-ratelimit-reset-requests': '1s' };
    expect(serverRetryDelay(all)).toEqual({ ms: 1500.5, source: 'retry-after-ms' });
    expect(serverRetryDelay({ 'retry-after': '20', 'x-ratelimit-reset-requests': '1s' })).toEqual({
      ms: 20_000,
      source: 'retry-after',
    });
  });

  it('retry-after as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(serverRetryDelay({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toEqual({
      ms: 5000,
      source: 'retry-after',
    });
  });

  it('x-ratelimit-reset-* Go durations, picking the exhausted dimension', () => {
    expect(parseGoDuration('6m0s')).toBe(360_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('120ms')).toBe(120);
    expect(parseGoDuration('1h0m0s')).toBe(3_600_000);
    expect(
      serverRetryDelay({
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-reset-tokens': '6m0s',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-remaining-tokens': '5000',
      }),
    ).toEqual({ ms: 120, source: 'ratelimit-reset' });
  });

  it('no hint means none, and backoff is full jitter under an exponential ceiling with a cap', () => {
    expect(serverRetryDelay({})).toBeUndefined();
    expect(backoffDelay(1, { random: () => 0.999 })).toBe(499);
    expect(backoffDelay(2, { random: () => 0.999 })).toBe(999);
    expect(backoffDelay(10, { random: () => 0.999 })).toBe(7992);
    expect(backoffDelay(3, { random: () => 0 })).toBe(0);
  });
});
