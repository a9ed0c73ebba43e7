import { FIELDS } from './fields.js';

const FEATURE_SECTIONS: Record<string, string> = {
  models: 'Extra models or overrides of the model table, by model name.',
  prices: 'Price overrides, by model name.',
  budgets: 'Budgets, by name (see the usage docs).',
  upstreams: 'OpenAI-compatible upstream services, by name.',
};

/**
 * A JSON Schema (draft-07) of the config file, for editors: point `"$schema"` at a file holding it
 * (`steadychat config --schema > steadychat.schema.json`) to get completion and checks while typing.
 */
export function configFileSchema(): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {
    $schema: { type: 'string', description: 'Path or URL of this schema.' },
  };
  for (const field of FIELDS) {
    if (!field.inFile || !field.json) continue;
    const fragment: Record<string, unknown> = {
      ...field.json,
      description: `${field.doc} Environment: ${field.env.join(', ')}.`,
    };
    const fallback = field.default?.({ cwd: '.', home: '~/.steadychat' });
    if (fallback !== undefined && field.key !== 'home') fragment.default = fallback;
    const [head = '', leaf] = field.key.split('.');
    if (leaf === undefined) {
      properties[head] = fragment;
      continue;
    }
    const section = properties[head] ?? { type: 'object', additionalProperties: false, properties: {} };
    (section.properties as Record<string, unknown>)[leaf] = fragment;
    properties[head] = section;
  }
  for (const [name, description] of Object.entries(FEATURE_SECTIONS)) {
    properties[name] = { type: 'object', description };
  }
  properties.redact = {
    description: `${(properties.redact?.description as string | undefined) ?? ''} As an object: "enabled" is the switch; the other keys configure PII redaction.`,
    oneOf: [properties.redact ?? {}, { type: 'object', properties: { enabled: properties.redact ?? {} } }],
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'steadychat config file',
    type: 'object',
    additionalProperties: false,
    properties,
  };
}
