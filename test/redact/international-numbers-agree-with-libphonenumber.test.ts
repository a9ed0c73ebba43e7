import examples from 'libphonenumber-js/examples.mobile.json';
import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { detectCandidates } from '../../src/redact/detect-pii.js';

/**
 * International numbers (`+` and a calling code that belongs to one country) are checked against
 * that country's numbering plan without libphonenumber's text parser. The risk: a number its parse
 * would judge differently (a national prefix or carrier code it strips, a calling code shared by
 * several countries, a non-geographic one), found or missed wrongly or given another key. Numbers
 * of every country, near its example numbers and random, in several layouts, must be found
 * exactly when libphonenumber's parse says they are valid (service lines of other countries
 * excepted, as before), with its E.164 form as the key.
 */
const SKIPPED = new Set(['TOLL_FREE', 'SHARED_COST', 'PREMIUM_RATE', 'UAN', 'VOICEMAIL']);
/** The shapes the detector takes as international candidates (others never reach a check). */
const CANDIDATE = /^\+(?:[1-9]\d{6,14}|[1-9]\d{0,2}[ -](?:\(\d{1,4}\)[ -]?)?\d{1,8}(?:[ -]\d{1,8}){1,4})$/;

function* internationalNumbers(count: number): Generator<string> {
  let seed = 4_242;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  const countries = getCountries();
  const layouts = [
    (cc: string, n: string) => `+${cc}${n}`,
    (cc: string, n: string) => `+${cc} ${n.slice(0, 2)} ${n.slice(2, 6)} ${n.slice(6)}`.trimEnd(),
    (cc: string, n: string) => `+${cc}-${n.slice(0, 3)}-${n.slice(3)}`,
    (cc: string, n: string) => `+${cc} (0)${n.slice(0, 3)} ${n.slice(3)}`,
    (cc: string, n: string) => `+${cc} ${n.slice(0, 4)} ${n.slice(4)}`,
  ];
  for (let i = 0; i < count; i++) {
    const country = countries[Math.floor(next() * countries.length)] as CountryCode;
    const example = getExampleNumber(country, examples)?.nationalNumber ?? digits(9);
    const r = next();
    // Near the example (often valid), random digits, or a stray national prefix.
    const keep = Math.max(2, example.length - 1 - Math.floor(next() * 4));
    const national =
      r < 0.55
        ? example.slice(0, keep) + digits(example.length - keep)
        : r < 0.8
          ? `${1 + Math.floor(next() * 9)}${digits(5 + Math.floor(next() * 6))}`
          : `${Math.floor(next() * 10)}${example}`;
    yield (layouts[i % layouts.length] as (cc: string, n: string) => string)(
      getCountryCallingCode(country),
      national,
    );
  }
}

describe('international numbers', () => {
  it('are found exactly when libphonenumber parses them as valid, with its E.164 form as key', () => {
    let valid = 0;
    let checked = 0;
    for (const number of internationalNumbers(6000)) {
      if (!CANDIDATE.test(number)) continue;
      checked++;
      const parsed = parsePhoneNumberFromString(number, 'CN');
      const type = parsed?.getType();
      const mainlandMobile = /^\+?(?:00)?861[3-9][0-9]{9}$/.test(number.replace(/[^0-9+]/g, ''));
      const expected =
        parsed?.isValid() === true &&
        !mainlandMobile &&
        !(parsed.country !== 'CN' && type !== undefined && SKIPPED.has(type));
      const text = `电话 ${number}`;
      const found = detectCandidates(text, { types: ['PHONE'] }).find(
        (c) => c.start === 3 && c.end === text.length,
      );
      expect({ number, found: found !== undefined, key: found?.key }).toEqual({
        number,
        found: expected,
        key: expected ? parsed?.number : undefined,
      });
      if (expected) valid++;
    }
    // Both outcomes are exercised.
    expect(checked).toBeGreaterThan(5000);
    expect(valid).toBeGreaterThan(1000);
    expect(valid).toBeLessThan(checked - 1000);
  });
});
