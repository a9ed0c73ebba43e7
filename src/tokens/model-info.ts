/** The byte-pair encodings steadychat can count with. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/** What steadychat knows about one model family. */
export interface ModelInfo {
  /** The alias clients send, e.g. `gpt-4.1`. */
  id: string;
  /** The dated snapshot the alias resolves to, e.g. `gpt-4.1-2025-04-14` (echoed as `model` in responses). */
  snapshot: string;
  /** Other dated snapshot names of the same family. */
  otherSnapshots?: readonly string[];
  /** Prompt + completion tokens the model accepts. */
  contextWindow: number;
  /** Largest completion the model can produce. */
  maxOutputTokens: number;
  encoding: EncodingName;
  /** Reasoning models reject `max_tokens` (they want `max_completion_tokens`). */
  reasoning: boolean;
  /** Unix seconds, as `GET /v1/models` reports it. */
  created: number;
  /** As `GET /v1/models` reports it (`system`, `openai`, …). */
  owned_by: string;
}

/** How a name was resolved by {@link ModelTable.resolve}. */
export type ModelMatch = 'alias' | 'snapshot' | 'dated' | 'prefix' | 'unknown';

/** A resolved model: the family's facts, plus how the name was matched. */
export interface ResolvedModel extends ModelInfo {
  /** The name that was asked for. */
  requested: string;
  /** The name to echo back as `model`: the snapshot for an alias, else the requested name. */
  responseModel: string;
  match: ModelMatch;
  /** False when nothing matched and the documented fallback was used (o200k_base, 128k window). */
  known: boolean;
}

const o200k = 'o200k_base' as const;
const cl100k = 'cl100k_base' as const;

/** The common OpenAI chat models. Figures are OpenAI's published limits. */
export const BUILTIN_MODELS: readonly ModelInfo[] = [
  m('gpt-5', 'gpt-5-2025-08-07', 400_000, 128_000, o200k, true, 1754425777, 'system'),
  m('gpt-5-mini', 'gpt-5-mini-2025-08-07', 400_000, 128_000, o200k, true, 1754425928, 'system'),
  m('gpt-5-nano', 'gpt-5-nano-2025-08-07', 400_000, 128_000, o200k, true, 1754426303, 'system'),
  m('gpt-4.1', 'gpt-4.1-2025-04-14', 1_047_576, 32_768, o200k, false, 1744316542, 'system'),
  m('gpt-4.1-mini', 'gpt-4.1-mini-2025-04-14', 1_047_576, 32_768, o200k, false, 1744318173, 'system'),
  m('gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14', 1_047_576, 32_768, o200k, false, 1744321707, 'system'),
  m('gpt-4o', 'gpt-4o-2024-08-06', 128_000, 16_384, o200k, false, 1715367049, 'system', [
    'gpt-4o-2024-05-13',
    'gpt-4o-2024-11-20',
  ]),
  m('gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 128_000, 16_384, o200k, false, 1721172741, 'system'),
  m('o1', 'o1-2024-12-17', 200_000, 100_000, o200k, true, 1734326976, 'system'),
  m('o3', 'o3-2025-04-16', 200_000, 100_000, o200k, true, 1744225308, 'system'),
  m('o3-mini', 'o3-mini-2025-01-31', 200_000, 100_000, o200k, true, 1737146383, 'system'),
  m('o4-mini', 'o4-mini-2025-04-16', 200_000, 100_000, o200k, true, 1744225351, 'system'),
  m('gpt-4', 'gpt-4-0613', 8_192, 8_192, cl100k, false, 1687882411, 'openai', ['gpt-4-0314']),
  m('gpt-4-turbo', 'gpt-4-turbo-2024-04-09', 128_000, 4_096, cl100k, false, 1712361441, 'system', [
    'gpt-4-turbo-preview',
    'gpt-4-0125-preview',
    'gpt-4-1106-preview',
  ]),
  m('gpt-3.5-turbo', 'gpt-3.5-turbo-0125', 16_385, 4_096, cl100k, false, 1677610602, 'openai', [
    'gpt-3.5-turbo-1106',
  ]),
];

/**
 * What an unknown model is assumed to be: the current encoding (o200k_base), a 128k window and a
 * 16k completion limit, not a reasoning model. Counting still works; `known` is false.
 */
export const FALLBACK_MODEL: Omit<ModelInfo, 'id' | 'snapshot'> = {
  contextWindow: 128_000,
  maxOutputTokens: 16_384,
  encoding: o200k,
  reasoning: false,
  created: 0,
  owned_by: 'system',
};

function m(
  id: string,
  snapshot: string,
  contextWindow: number,
  maxOutputTokens: number,
  encoding: EncodingName,
  reasoning: boolean,
  created: number,
  owned_by: string,
  otherSnapshots?: readonly string[],
): ModelInfo {
  const info: ModelInfo = {
    id,
    snapshot,
    contextWindow,
    maxOutputTokens,
    encoding,
    reasoning,
    created,
    owned_by,
  };
  if (otherSnapshots) info.otherSnapshots = otherSnapshots;
  return info;
}
