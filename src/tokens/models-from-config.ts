import { SteadyChatError } from '../errors/index.js';
import { type EncodingName, FALLBACK_MODEL, type ModelInfo } from './model-info.js';
import { defaultModelTable, type ModelTable } from './model-table.js';

/** The config file's `models` section has an entry steadychat cannot use. */
export class ModelConfigError extends SteadyChatError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      'invalid_model_config',
      `Invalid "models" section in the config file (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        hint: 'Each entry is "name": { "like"?, "contextWindow"?, "maxOutputTokens"?, "encoding"?, "reasoning"?, "snapshot"?, "created"?, "owned_by"? } (see docs/tokens.md).',
      },
    );
    this.problems = problems;
  }
}

const FIELDS = new Set([
  'like',
  'contextWindow',
  'maxOutputTokens',
  'encoding',
  'reasoning',
  'snapshot',
  'created',
  'owned_by',
]);
const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/**
 * Turns the config file's `models` section (`{ "my-model": { "like": "gpt-4o", "contextWindow": 65536 } }`)
 * into model-table entries. An entry starts from `like` (or from the model of the same name, or the
 * unknown-model fallback) and overrides what it sets. Every problem is reported at once.
 */
export function modelsFromConfig(
  section: Record<string, unknown> | undefined,
  table: ModelTable = defaultModelTable(),
): ModelInfo[] {
  if (!section) return [];
  const problems: string[] = [];
  const models: ModelInfo[] = [];
  for (const [name, entry] of Object.entries(section)) {
    const at = `models.${name}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${at} must be an object, e.g. { "like": "gpt-4o", "contextWindow": 65536 }`);
      continue;
    }
    const fields = entry as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!FIELDS.has(key))
        problems.push(`${at}.${key} is not a model field (known: ${[...FIELDS].join(', ')})`);
    }
    let base: Omit<ModelInfo, 'id' | 'snapshot'> = { ...FALLBACK_MODEL };
    const inherited: Pick<ModelInfo, 'otherSnapshots'> & { snapshot?: string } = {};
    if (fields.like !== undefined) {
      const like = typeof fields.like === 'string' ? table.resolve(fields.like) : undefined;
      if (!like?.known)
        problems.push(
          `${at}.like must name a known model (e.g. "gpt-4o"), not ${JSON.stringify(fields.like)}`,
        );
      else base = like;
    } else {
      // Overriding a model of the table by its alias keeps its snapshot names.
      const same = table.resolve(name);
      if (same.known && same.match !== 'prefix') base = same;
      if (same.match === 'alias') {
        inherited.snapshot = same.snapshot;
        if (same.otherSnapshots) inherited.otherSnapshots = same.otherSnapshots;
      }
    }
    const info: ModelInfo = {
      id: name,
      snapshot: name,
      contextWindow: positive(fields.contextWindow, `${at}.contextWindow`, base.contextWindow, problems),
      maxOutputTokens: positive(
        fields.maxOutputTokens,
        `${at}.maxOutputTokens`,
        base.maxOutputTokens,
        problems,
      ),
      encoding: base.encoding,
      reasoning: base.reasoning,
      created: base.created,
      owned_by: base.owned_by,
    };
    if (inherited.snapshot !== undefined) info.snapshot = inherited.snapshot;
    if (inherited.otherSnapshots) info.otherSnapshots = inherited.otherSnapshots;
    if (fields.snapshot !== undefined) {
      if (typeof fields.snapshot === 'string' && fields.snapshot !== '') info.snapshot = fields.snapshot;
      else problems.push(`${at}.snapshot must be a non-empty string`);
    }
    if (fields.encoding !== undefined) {
      if (ENCODINGS.includes(fields.encoding as EncodingName))
        info.encoding = fields.encoding as EncodingName;
      else
        problems.push(
          `${at}.encoding must be "o200k_base" or "cl100k_base", not ${JSON.stringify(fields.encoding)}`,
        );
    }
    if (fields.reasoning !== undefined) {
      if (typeof fields.reasoning === 'boolean') info.reasoning = fields.reasoning;
      else problems.push(`${at}.reasoning must be true or false`);
    }
    if (fields.created !== undefined)
      info.created = positive(fields.created, `${at}.created`, base.created, problems);
    if (fields.owned_by !== undefined) {
      if (typeof fields.owned_by === 'string') info.owned_by = fields.owned_by;
      else problems.push(`${at}.owned_by must be a string`);
    }
    models.push(info);
  }
  if (problems.length > 0) throw new ModelConfigError(problems);
  return models;
}

function positive(value: unknown, at: string, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  problems.push(`${at} must be a positive whole number, not ${JSON.stringify(value)}`);
  return fallback;
}
