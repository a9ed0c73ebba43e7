import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { expect } from 'vitest';
import { detectPii } from '../../src/redact/index.js';

/** A repeatable random source (a linear congruential generator) and random digit strings from it. */
export function seeded(seed: number): { next: () => number; digits: (n: number) => string } {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  return { next, digits };
}

/**
 * Each number, in a sentence, must be found as a PHONE exactly when libphonenumber's own parse (region
 * CN) says it is valid; both outcomes must occur often enough to mean something.
 */
export function expectFoundExactlyWhenValid(numbers: Iterable<string>): void {
  let valid = 0;
  let all = 0;
  for (const number of numbers) {
    const expected = parsePhoneNumberFromString(number, 'CN')?.isValid() ?? false;
    const found = detectPii(`座机 ${number}`).some((f) => f.type === 'PHONE' && f.value === number);
    expect({ number, found }).toEqual({ number, found: expected });
    if (expected) valid++;
    all++;
  }
  expect(valid).toBeGreaterThan((all * 2) / 15);
  expect(valid).toBeLessThan((all * 13) / 15);
}
