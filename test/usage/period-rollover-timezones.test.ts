import { describe, expect, it } from 'vitest';
import { parseMoney, periodBounds } from '../../src/usage/index.js';

describe('budget periods', () => {
  it('starts the day at local midnight of the budget time zone', () => {
    // 2026-11-25 17:30 UTC is already 2026-11-26 01:30 in Shanghai.
    const now = Date.UTC(2026, 10, 25, 17, 30);
    expect(periodBounds('day', now, 'UTC').key).toBe('2026-11-25');
    const sh = periodBounds('day', now, 'Asia/Shanghai');
    expect(sh.key).toBe('2026-11-26');
    expect(new Date(sh.start).toISOString()).toBe('2026-11-25T16:00:00.000Z');
    expect(sh.end - sh.start).toBe(86_400_000);
  });

  it('gives DST days 23 and 25 hours', () => {
    const spring = periodBounds('day', Date.UTC(2026, 2, 8, 12), 'America/New_York');
    expect(spring.end - spring.start).toBe(23 * 3_600_000);
    const autumn = periodBounds('day', Date.UTC(2026, 10, 1, 12), 'America/New_York');
    expect(autumn.end - autumn.start).toBe(25 * 3_600_000);
  });

  it('rolls the month over at the local first of the month, including year ends', () => {
    const m = periodBounds('month', Date.UTC(2026, 11, 31, 20), 'Asia/Kathmandu');
    expect(m.key).toBe('2027-01');
    expect(new Date(m.start).toISOString()).toBe('2026-12-31T18:15:00.000Z');
  });

  it('reads money the way people write it', () => {
    expect(parseMoney('10USD')).toEqual({ amount: 10, currency: 'USD' });
    expect(parseMoney('70 cny')).toEqual({ amount: 70, currency: 'CNY' });
    expect(parseMoney('¥5.5')).toEqual({ amount: 5.5, currency: 'CNY' });
    expect(parseMoney('$3')).toEqual({ amount: 3, currency: 'USD' });
    expect(() => parseMoney('ten dollars')).toThrow(/money/);
  });
});
