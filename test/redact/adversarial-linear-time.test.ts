import { describe, expect, it } from 'vitest';
import { createRestorer, createVault, detectPii, restoreText } from '../../src/redact/index.js';

/**
 * Inputs built to trigger catastrophic backtracking in naive PII regexes. Each is ~200 KB; with a
 * super-linear pattern any one of them would run for minutes, so finishing inside the test timeout
 * is the proof (no wall-clock assertion). bench/redact.ts prints the measured scaling.
 */
const N = 200_000;
const adversarial: Record<string, string> = {
  'digits only': '1'.repeat(N),
  'digits and spaces': '1 '.repeat(N / 2),
  'digit groups and dashes': '1234-'.repeat(N / 5),
  'email local part without @': 'a.'.repeat(N / 2),
  'many @ signs': 'a@'.repeat(N / 2),
  'domain labels without TLD': `a@${'b.'.repeat(N / 2)}1`,
  'sk- prefixes': 'sk-'.repeat(N / 3),
  'JWT-like without dots': `eyJ${'a'.repeat(N)}`,
  'BEGIN lines without END': '-----BEGIN PRIVATE KEY-----\n'.repeat(N / 28),
  'hex and colons': '1:'.repeat(N / 2),
  'dotted octets': '1.'.repeat(N / 2),
  'placeholder openers': '[A_'.repeat(N / 3),
  'password words': 'password='.repeat(N / 9),
  'plate prefixes': '京A'.repeat(N / 2),
  'full-width digits': '１'.repeat(N),
  'plus signs before digit runs': '+1234567890123456789 '.repeat(N / 21),
  'trunk zeros and dashes': '0-'.repeat(N / 2),
};

describe('linear time on adversarial input', () => {
  for (const [name, text] of Object.entries(adversarial)) {
    it(`detects over 200 KB of ${name} without backtracking blow-up`, { timeout: 20_000 }, () => {
      const found = detectPii(text);
      expect(Array.isArray(found)).toBe(true);
    });
  }

  it('restores a 200 KB stream of placeholder openers chunk by chunk', { timeout: 20_000 }, () => {
    const vault = createVault({ version: 1, entries: [{ type: 'A', index: 1, key: 'x', value: 'X' }] });
    const text = '[A_'.repeat(N / 3);
    const r = createRestorer(vault);
    let out = '';
    for (let i = 0; i < text.length; i += 7) out += r.push(text.slice(i, i + 7));
    out += r.flush();
    expect(out).toBe(restoreText(text, vault));
  });
});
