import { describe, expect, it } from 'vitest';
import { LOREM_WORDS } from '../../src/emulator/generate-reply.js';
import { createPrng } from '../../src/emulator/prng.js';
import { sampleFromSchema } from '../../src/emulator/schema-sample.js';
import { countTextTokens } from '../../src/tokens/index.js';

describe('lorem replies are exactly as long as asked, in both encodings', () => {
  it('every lorem word is a single token with its leading space', () => {
    for (const word of LOREM_WORDS) {
      expect(countTextTokens(word, 'gpt-4o'), word).toBe(1);
      expect(countTextTokens(word, 'gpt-4'), word).toBe(1);
    }
  });
});

describe('schema samples satisfy the schema', () => {
  it('fills nested objects, arrays, enums, consts, refs and bounds', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 3, maxLength: 10 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        level: { type: 'integer', minimum: 3, maximum: 3 },
        ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        kind: { enum: ['a', 'b'] },
        fixed: { const: 42 },
        when: { type: 'string', format: 'date-time' },
        maybe: { type: ['null', 'boolean'] },
        address: { $ref: '#/$defs/address' },
      },
      $defs: { address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    };
    const value = sampleFromSchema(schema, createPrng(1), LOREM_WORDS) as Record<string, unknown>;
    expect(typeof value.name).toBe('string');
    expect((value.name as string).length).toBeGreaterThanOrEqual(3);
    expect((value.name as string).length).toBeLessThanOrEqual(10);
    expect((value.tags as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(value.level).toBe(3);
    expect(value.ratio as number).toBeGreaterThan(0);
    expect(value.ratio as number).toBeLessThanOrEqual(1);
    expect(['a', 'b']).toContain(value.kind);
    expect(value.fixed).toBe(42);
    expect(value.when).toBe('2025-01-01T00:00:00Z');
    expect(typeof value.maybe).toBe('boolean');
    expect(typeof (value.address as { city: unknown }).city).toBe('string');
  });
});
