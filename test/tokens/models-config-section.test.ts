import { describe, expect, it } from 'vitest';
import { ModelConfigError, ModelTable, modelsFromConfig } from '../../src/tokens/index.js';

describe('the config file "models" section', () => {
  it('adds a model like a known one, overriding what it sets', () => {
    const [model] = modelsFromConfig({ 'my-finetune': { like: 'gpt-4o-mini', contextWindow: 65_536 } });
    expect(model).toMatchObject({
      id: 'my-finetune',
      snapshot: 'my-finetune',
      contextWindow: 65_536,
      maxOutputTokens: 16_384,
      encoding: 'o200k_base',
      reasoning: false,
    });
    const table = new ModelTable(model ? [model] : []);
    expect(table.resolve('my-finetune')).toMatchObject({ known: true, contextWindow: 65_536 });
  });

  it('overrides a built-in model by name and keeps its snapshots', () => {
    const models = modelsFromConfig({ 'gpt-4o': { contextWindow: 64_000 } });
    const table = new ModelTable(models);
    expect(table.resolve('gpt-4o')).toMatchObject({
      contextWindow: 64_000,
      responseModel: 'gpt-4o-2024-08-06',
    });
    expect(table.resolve('gpt-4o-2024-11-20')).toMatchObject({ contextWindow: 64_000, match: 'snapshot' });
  });

  it('an unknown name without "like" starts from the documented fallback', () => {
    const [model] = modelsFromConfig({ 'qwen-plus': { contextWindow: 131_072, encoding: 'cl100k_base' } });
    expect(model).toMatchObject({ contextWindow: 131_072, maxOutputTokens: 16_384, encoding: 'cl100k_base' });
  });

  it('reports every problem at once, with the path and the fix', () => {
    let error: unknown;
    try {
      modelsFromConfig({
        a: { contextWindow: -1, encoding: 'p50k', colour: 'red' },
        b: 'big',
        c: { like: 'no-such-model' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelConfigError);
    const problems = (error as ModelConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toContain('models.a.contextWindow must be a positive whole number');
    expect(problems.join('\n')).toContain('models.a.encoding must be "o200k_base" or "cl100k_base"');
    expect(problems.join('\n')).toContain('models.a.colour is not a model field');
    expect(problems.join('\n')).toContain('models.b must be an object');
    expect(problems.join('\n')).toContain('models.c.like must name a known model');
    expect((error as ModelConfigError).code).toBe('invalid_model_config');
  });
});
