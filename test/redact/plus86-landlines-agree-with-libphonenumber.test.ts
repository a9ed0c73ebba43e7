import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { createVault, redactText } from '../../src/redact/index.js';
import { expectFoundExactlyWhenValid, seeded } from './landline-agreement.js';

/**
 * Mainland landlines written with `+86` and an area code are checked like the same number written
 * with the trunk 0, without libphonenumber's text parser. The risk: a number its parse would judge
 * differently (a national number that starts like a carrier code or a stray 0, a layout the parser
 * reads otherwise), found or missed wrongly. Every generated number must be found exactly when
 * libphonenumber's own parse says it is valid, whatever its layout.
 */
function* plus86Numbers(count: number): Generator<string> {
  const { next, digits } = seeded(20_251_125);
  const layouts = [
    (a: string, l: string) => `+86 ${a} ${l.slice(0, 4)} ${l.slice(4)}`,
    (a: string, l: string) => `+86-${a}-${l}`,
    (a: string, l: string) => `+86${a}${l}`,
    (a: string, l: string) => `+86 (${a}) ${l.slice(0, 4)} ${l.slice(4)}`,
    (a: string, l: string) => `+86 ${a}-${l.slice(0, 4)}-${l.slice(4)}`,
    (a: string, l: string) => `+86 ${a} ${l}`,
  ];
  for (let i = 0; i < count; i++) {
    const r = next();
    // Mostly real area-code shapes; some that look like a carrier code (1[12]xx), a stray trunk 0
    // or a local number starting with 0, which must fall back to the parser.
    const area =
      r < 0.2
        ? '10'
        : r < 0.45
          ? `2${digits(1)}`
          : r < 0.8
            ? `${3 + Math.floor(next() * 7)}${digits(2)}`
            : r < 0.9
              ? `1${1 + Math.floor(next() * 2)}${digits(1)}`
              : `0${digits(2)}`;
    const local = `${Math.floor(next() * 10)}${digits(next() < 0.5 ? 6 : 7)}`;
    yield (layouts[i % layouts.length] as (a: string, l: string) => string)(area, local);
  }
}

describe('+86 landlines', () => {
  it('are found exactly when libphonenumber parses them as valid', () => {
    expectFoundExactlyWhenValid(plus86Numbers(1500));
  });

  it('get the placeholder of the same number written with the trunk 0', () => {
    const vault = createVault();
    const a = redactText('座机 021-53161963', { vault }).text;
    const b = redactText('Call +86 21 5316 1963', { vault }).text;
    const c = redactText('电话 +86 (21) 5316-1963', { vault }).text;
    expect([a, b, c]).toEqual(['座机 [PHONE_1]', 'Call [PHONE_1]', '电话 [PHONE_1]']);
    expect(parsePhoneNumberFromString('+86 21 5316 1963', 'CN')?.number).toBe('+862153161963');
  });
});
