import { describe, expect, it } from 'vitest';
import {
  contextPolarity,
  contextWords,
  NEGATIVE_WORDS,
  POSITIVE_WORDS,
} from '../../src/redact/context-words.js';

/**
 * Context words are found by a table walk instead of a case-insensitive alternation over the
 * window before a candidate. The risk: a window where the walk picks another word than the
 * alternation did (overlapping words, a word cut by the window's edge, upper case, a longer word
 * sharing a prefix), which would change scores. Random windows built from pieces of the words must
 * give the polarity of the last match of the alternation, as before.
 */
function byAlternation(
  folded: string,
  start: number,
  positive: readonly string[],
  useNegative: boolean,
): number {
  if (positive.length === 0 && !useNegative) return 0;
  const alt = (ws: readonly string[]) =>
    [...ws]
      .sort((a, b) => b.length - a.length)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|');
  const parts = [positive.length > 0 ? `(${alt(positive)})` : '()(?!)'];
  if (useNegative) parts.push(`(${alt(NEGATIVE_WORDS)})`);
  const re = new RegExp(parts.join('|'), 'gi');
  const window = folded.slice(Math.max(0, start - 16), start);
  let polarity = 0;
  for (const m of window.matchAll(re)) polarity = m[1] ? 1 : -1;
  return polarity;
}

describe('context words', () => {
  it('give the polarity the alternation gave on random windows', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const lists = Object.values(POSITIVE_WORDS);
    const words = [...lists.flat(), ...NEGATIVE_WORDS];
    const filler = ['', ' ', '：', '的', 'X', '1', '号', 'ID', 'No.', '-'];
    let nonZero = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      while (text.length < 24) {
        const w = words[Math.floor(next() * words.length)] as string;
        // Whole words, cut words, upper-cased words and filler.
        const r = next();
        const piece =
          r < 0.4
            ? w
            : r < 0.6
              ? w.slice(Math.floor(next() * w.length))
              : r < 0.75
                ? w.toUpperCase()
                : (filler[Math.floor(next() * filler.length)] as string);
        text += piece;
      }
      const start = 1 + Math.floor(next() * text.length);
      const positive = lists[Math.floor(next() * lists.length)] as readonly string[];
      const useNegative = next() < 0.7;
      const expected = byAlternation(text, start, positive, useNegative);
      expect({
        text,
        start,
        polarity: contextPolarity(text, start, contextWords(positive, useNegative)),
      }).toEqual({
        text,
        start,
        polarity: expected,
      });
      if (expected !== 0) nonZero++;
    }
    expect(nonZero).toBeGreaterThan(5_000);
  });
});
