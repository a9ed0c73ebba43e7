import { describe, expect, it } from 'vitest';
import { detectPii } from '../../src/redact/index.js';
import { loadCorpus, score } from './corpus-metrics.js';

/**
 * Thresholds (docs/redaction.md explains them): checksum-validated types must be found every time
 * with no character left visible; every other type keeps recall ≥ 0.95; overall precision ≥ 0.98.
 */
const CHECKSUM_TYPES = ['CN_ID', 'CN_USCC', 'BANK_CARD', 'IBAN'];
const MIN_RECALL_OTHER = 0.95;
const MIN_PRECISION_OVERALL = 0.98;
const MIN_PRECISION_PER_TYPE = 0.9;
const MAX_LEAK_RATE = 0.01;

const corpus = loadCorpus();
const now = () => new Date('2026-01-01T00:00:00Z');
const result = score(corpus, (text) => detectPii(text, { now }), true);

describe('labelled PII corpus', () => {
  it('has at least 400 cases in Chinese and English, positives of every type and hard negatives', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(400);
    expect(corpus.some((c) => c.lang === 'zh')).toBe(true);
    expect(corpus.some((c) => c.lang === 'en')).toBe(true);
    expect(corpus.filter((c) => c.kind === 'negative').length).toBeGreaterThanOrEqual(100);
    const types = new Set(corpus.flatMap((c) => c.spans.map((s) => s.type)));
    for (const t of ['CN_ID', 'CN_USCC', 'BANK_CARD', 'IBAN', 'CN_PHONE', 'PHONE', 'EMAIL', 'IP', 'US_SSN']) {
      expect(types.has(t), t).toBe(true);
    }
    for (const t of [
      'PASSPORT',
      'CN_PLATE',
      'SECRET_OPENAI',
      'SECRET_AWS',
      'SECRET_JWT',
      'SECRET_PRIVATE_KEY',
    ]) {
      expect(types.has(t), t).toBe(true);
    }
  });

  it('finds every checksum-validated value whole (recall 1.0, nothing leaked)', () => {
    for (const t of CHECKSUM_TYPES) {
      const m = result.byType[t];
      expect(m, t).toBeDefined();
      expect({ type: t, recall: m?.recall, leaked: m?.leakedChars }).toEqual({
        type: t,
        recall: 1,
        leaked: 0,
      });
    }
  });

  it('keeps recall of the other types and overall precision above the documented thresholds', () => {
    for (const [t, m] of Object.entries(result.byType)) {
      if (m.gold > 0 && !CHECKSUM_TYPES.includes(t))
        expect(m.recall, `${t} recall`).toBeGreaterThanOrEqual(MIN_RECALL_OTHER);
      if (m.found > 0) expect(m.precision, `${t} precision`).toBeGreaterThanOrEqual(MIN_PRECISION_PER_TYPE);
    }
    expect(result.overall.precision).toBeGreaterThanOrEqual(MIN_PRECISION_OVERALL);
    expect(result.overall.leakRate).toBeLessThanOrEqual(MAX_LEAK_RATE);
  });

  it('flags nothing in the hard negatives (orders, tracking numbers, timestamps, bad checksums, versions, prices)', () => {
    const flagged = corpus
      .filter((c) => c.kind === 'negative')
      .map((c) => ({ id: c.id, found: detectPii(c.text, { now }).map((f) => f.type) }))
      .filter((c) => c.found.length > 0);
    // At most 2 % of the hard negatives may be flagged.
    expect(flagged.length).toBeLessThanOrEqual(
      Math.floor(corpus.filter((c) => c.kind === 'negative').length * 0.02),
    );
  });
});
