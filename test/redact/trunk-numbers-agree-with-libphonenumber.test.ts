import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { createVault, redactText } from '../../src/redact/index.js';
import { expectFoundExactlyWhenValid, seeded } from './landline-agreement.js';

/**
 * Mainland landlines written with the trunk 0 are checked without libphonenumber's text parser
 * (the national number is the digits after the 0). The risk: a number the parser would judge
 * differently, found or missed wrongly. Every generated number must be found exactly when
 * libphonenumber's own parse says it is valid, whatever its layout.
 */
function* trunkNumbers(count: number): Generator<string> {
  const { next, digits } = seeded(20_240_611);
  const layouts = [
    (a: string, l: string) => `0${a}-${l}`,
    (a: string, l: string) => `(0${a})${l.slice(0, 4)} ${l.slice(4)}`,
    (a: string, l: string) => `0${a} ${l}`,
    (a: string, l: string) => `0${a}${l}`,
    (a: string, l: string) => `0${a}-${l.slice(0, 4)}-${l.slice(4)}`,
  ];
  for (let i = 0; i < count; i++) {
    const r = next();
    const area = r < 0.2 ? '10' : r < 0.5 ? `2${digits(1)}` : `${3 + Math.floor(next() * 7)}${digits(2)}`;
    const local = `${1 + Math.floor(next() * 9)}${digits(next() < 0.5 ? 6 : 7)}`;
    yield (layouts[i % layouts.length] as (a: string, l: string) => string)(area, local);
  }
}

describe('mainland trunk numbers', () => {
  it('are found exactly when libphonenumber parses them as valid', () => {
    expectFoundExactlyWhenValid(trunkNumbers(1500));
  });

  it('get one placeholder per number whatever the layout, as libphonenumber normalises it', () => {
    const vault = createVault();
    const a = redactText('座机 021-53161963', { vault }).text;
    const b = redactText('电话 (021)5316 1963', { vault }).text;
    expect(a).toBe('座机 [PHONE_1]');
    expect(b).toBe('电话 [PHONE_1]');
    expect(parsePhoneNumberFromString('021-53161963', 'CN')?.number).toBe('+862153161963');
  });
});
