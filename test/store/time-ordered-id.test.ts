import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/store/index.js';

describe('timeOrderedId', () => {
  it('is a UUID version 7 carrying the millisecond it was made', () => {
    const at = Date.UTC(2026, 10, 25, 23, 20, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by time, so new rows go to the end of their index', () => {
    const start = Date.now();
    const ids = Array.from({ length: 500 }, (_, i) => timeOrderedId(start + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => timeOrderedId(start))).size).toBe(10_000);
  });
});
