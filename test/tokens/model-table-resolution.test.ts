import { describe, expect, it } from 'vitest';
import { BUILTIN_MODELS, getModelInfo, ModelTable } from '../../src/tokens/index.js';

describe('model table', () => {
  it('resolves aliases to dated snapshots', () => {
    const info = getModelInfo('gpt-4.1');
    expect(info.responseModel).toBe('gpt-4.1-2025-04-14');
    expect(info.contextWindow).toBe(1_047_576);
    expect(info.match).toBe('alias');
  });

  it('resolves snapshots and dated names to their family and echoes them unchanged', () => {
    expect(getModelInfo('gpt-4o-2024-08-06')).toMatchObject({
      id: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      match: 'snapshot',
    });
    expect(getModelInfo('gpt-4o-mini-2099-01-01')).toMatchObject({
      id: 'gpt-4o-mini',
      match: 'dated',
      known: true,
    });
    expect(getModelInfo('gpt-4-0613')).toMatchObject({ id: 'gpt-4', encoding: 'cl100k_base' });
    expect(getModelInfo('ft:gpt-4o-mini:acme:suffix:abc123')).toMatchObject({
      id: 'gpt-4o-mini',
      known: true,
    });
  });

  it('marks reasoning models, which reject max_tokens', () => {
    for (const name of ['o1', 'o3', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano']) {
      expect(getModelInfo(name).reasoning).toBe(true);
    }
    expect(getModelInfo('gpt-4o').reasoning).toBe(false);
  });

  it('gives unknown models the documented fallback instead of failing', () => {
    expect(getModelInfo('llama3:8b')).toMatchObject({
      known: false,
      encoding: 'o200k_base',
      contextWindow: 128_000,
      match: 'unknown',
    });
  });

  it('covers the common models', () => {
    const ids = BUILTIN_MODELS.map((m) => m.id);
    for (const id of [
      'gpt-5',
      'gpt-5-mini',
      'gpt-5-nano',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4.1-nano',
      'gpt-4o',
      'gpt-4o-mini',
      'o1',
      'o3',
      'o3-mini',
      'o4-mini',
      'gpt-4',
      'gpt-4-turbo',
      'gpt-3.5-turbo',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('is extendable at run time without touching the defaults', () => {
    const table = new ModelTable([
      {
        id: 'deepseek-chat',
        snapshot: 'deepseek-chat',
        contextWindow: 65_536,
        maxOutputTokens: 8_192,
        encoding: 'cl100k_base',
        reasoning: false,
        created: 1,
        owned_by: 'deepseek',
      },
    ]);
    expect(table.resolve('deepseek-chat')).toMatchObject({ known: true, contextWindow: 65_536 });
    expect(getModelInfo('deepseek-chat').known).toBe(false);
  });
});
