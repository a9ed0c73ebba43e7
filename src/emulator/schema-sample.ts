/**
 * A deterministic value that satisfies a JSON Schema (the subset tools and response formats use:
 * type, properties, required, items, enum, const, anyOf/oneOf/allOf, minimum/maximum,
 * minLength/maxLength, minItems/maxItems, $ref to #/$defs or #/definitions, format).
 */
export function sampleFromSchema(schema: unknown, random: () => number, words: readonly string[]): unknown {
  return sample(schema, random, words, isRecord(schema) ? schema : {}, 0, '');
}

function sample(
  schema: unknown,
  random: () => number,
  words: readonly string[],
  root: Record<string, unknown>,
  depth: number,
  name: string,
): unknown {
  if (!isRecord(schema) || depth > 8) return {};
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(root, schema.$ref);
    return sample(target, random, words, root, depth + 1, name);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[Math.floor(random() * schema.enum.length)];
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      const usable = options.filter((option) => !(isRecord(option) && option.type === 'null'));
      return sample(usable[0] ?? options[0], random, words, root, depth + 1, name);
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const merged: Record<string, unknown> = {};
    for (const part of schema.allOf) {
      const value = sample(part, random, words, root, depth + 1, name);
      if (isRecord(value)) Object.assign(merged, value);
    }
    return merged;
  }
  const type = pickType(schema);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = isRecord(schema.properties) ? schema.properties : {};
      for (const [key, property] of Object.entries(properties)) {
        out[key] = sample(property, random, words, root, depth + 1, key);
      }
      return out;
    }
    case 'array': {
      const min = integer(schema.minItems, 1);
      const max = integer(schema.maxItems, Math.max(min, 2));
      const count = Math.min(Math.max(min, 1), max);
      return Array.from({ length: count }, () => sample(schema.items, random, words, root, depth + 1, name));
    }
    case 'integer': {
      const [low, high] = bounds(schema, 0, 100, true);
      return Math.floor(low + random() * (high - low + 1));
    }
    case 'number': {
      const [low, high] = bounds(schema, 0, 100, false);
      return Math.round((low + random() * (high - low)) * 100) / 100;
    }
    case 'boolean':
      return random() < 0.5;
    case 'null':
      return null;
    default:
      return sampleString(schema, random, words, name);
  }
}

function sampleString(
  schema: Record<string, unknown>,
  random: () => number,
  words: readonly string[],
  name: string,
): string {
  switch (schema.format) {
    case 'date-time':
      return '2025-01-01T00:00:00Z';
    case 'date':
      return '2025-01-01';
    case 'email':
      return 'user@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
  }
  const count = 1 + Math.floor(random() * 2);
  let text = Array.from(
    { length: count },
    () => words[Math.floor(random() * words.length)]?.trim() ?? 'value',
  ).join(' ');
  if (text.length === 0) text = name || 'value';
  const min = integer(schema.minLength, 0);
  const max = integer(schema.maxLength, Number.POSITIVE_INFINITY);
  while (text.length < min) text += ' value';
  return text.slice(0, max);
}

function pickType(schema: Record<string, unknown>): string {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) {
    const first = schema.type.find((t) => t !== 'null') ?? schema.type[0];
    if (typeof first === 'string') return first;
  }
  if (isRecord(schema.properties)) return 'object';
  if ('items' in schema) return 'array';
  return 'string';
}

function bounds(
  schema: Record<string, unknown>,
  low: number,
  high: number,
  whole: boolean,
): [number, number] {
  let min = typeof schema.minimum === 'number' ? schema.minimum : low;
  let max = typeof schema.maximum === 'number' ? schema.maximum : Math.max(high, min);
  const step = whole ? 1 : 0.01;
  if (typeof schema.exclusiveMinimum === 'number') min = schema.exclusiveMinimum + step;
  if (typeof schema.exclusiveMaximum === 'number') max = schema.exclusiveMaximum - step;
  if (whole) {
    min = Math.ceil(min);
    max = Math.floor(max);
  }
  return max < min ? [min, min] : [min, max];
}

function resolveRef(root: Record<string, unknown>, ref: string): unknown {
  if (!ref.startsWith('#/')) return {};
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    node = isRecord(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return node ?? {};
}

function integer(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : fallback;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
