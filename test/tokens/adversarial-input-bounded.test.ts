import { randomBytes } from 'node:crypto';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import {
  countTextTokens,
  createTokenCounter,
  DEFAULT_MAX_RUN_CHARS,
  rawTokenCount,
  splitLongRuns,
} from '../../src/tokens/index.js';

const MiB = 1 << 20;

function longestRun(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(/\S+|\s+/g)) longest = Math.max(longest, match[0].length);
  return longest;
}

function spyCounter() {
  const seen = { segments: 0, longestRun: 0, chars: 0 };
  const counter = createTokenCounter({
    encodeCount: (text, encoding) => {
      seen.segments += 1;
      seen.chars += text.length;
      seen.longestRun = Math.max(seen.longestRun, longestRun(text));
      return rawTokenCount(text, encoding);
    },
  });
  return { counter, seen };
}

const adversarial: Record<string, () => string> = {
  'one long run of a single letter': () => 'x'.repeat(MiB),
  '1 MiB of CJK without spaces': () =>
    '中文汉字测试的句子没有空格'.repeat(Math.ceil(MiB / 39)).slice(0, MiB / 3),
  'base64 of random bytes': () => randomBytes((MiB * 3) / 4).toString('base64'),
  'a megabyte of spaces': () => ' '.repeat(MiB),
  'emoji (surrogate pairs) without spaces': () => '😀🎉'.repeat(MiB / 8),
};

describe('adversarial input never reaches the BPE encoder as one long piece', () => {
  for (const [name, make] of Object.entries(adversarial)) {
    it(`${name}: every piece is at most ${DEFAULT_MAX_RUN_CHARS} characters and nothing is lost`, () => {
      const text = make();
      const { counter, seen } = spyCounter();
      const count = counter.countTextTokens(text, 'gpt-4o');
      expect(seen.longestRun).toBeLessThanOrEqual(DEFAULT_MAX_RUN_CHARS);
      expect(seen.chars).toBe(text.length);
      expect(count).toBeGreaterThan(0);
    });
  }

  it('cuts never split a surrogate pair', () => {
    const text = `a${'😀'.repeat(1000)}`;
    for (const segment of splitLongRuns(text, 101)) {
      expect(segment.length).toBeGreaterThan(0);
      expect(segment).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    expect(splitLongRuns(text, 101).join('')).toBe(text);
  });

  it('leaves ordinary text whole, so its count is exact', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(2000);
    expect(splitLongRuns(prose, DEFAULT_MAX_RUN_CHARS)).toEqual([prose]);
    expect(countTextTokens(prose, 'gpt-4o')).toBe(encode(prose).length);
  });

  it('over-counts long runs by at most about one token per cut', () => {
    const text = randomBytes(6000).toString('base64');
    const exact = encode(text).length;
    const bounded = countTextTokens(text, 'gpt-4o');
    const cuts = Math.ceil(text.length / DEFAULT_MAX_RUN_CHARS);
    expect(bounded).toBeGreaterThanOrEqual(exact - cuts);
    expect(bounded).toBeLessThanOrEqual(exact + cuts);
  });
});

describe('long ordinary text is handed to the encoder in exact slices', () => {
  it('cuts only where the count cannot change, so 200k characters of varied text count exactly', () => {
    let text = '';
    for (let i = 0; text.length < 200_000; i++) {
      text += `${randomBytes(5).toString('hex')} word${i % 97}, 東京${i % 7}`;
      text += i % 11 === 0 ? '.\n' : i % 17 === 0 ? '  \t' : ' ';
    }
    const segments = splitLongRuns(text, DEFAULT_MAX_RUN_CHARS, 16_384);
    expect(segments.length).toBeGreaterThan(10);
    expect(Math.max(...segments.map((s) => s.length))).toBeLessThanOrEqual(16_384);
    expect(segments.join('')).toBe(text);
    expect(countTextTokens(text, 'gpt-4o')).toBe(encode(text).length);
  });
});
