import { BUILTIN_MODELS, FALLBACK_MODEL, type ModelInfo, type ResolvedModel } from './model-info.js';

const DATED_SUFFIX = /^-(\d{4}-\d{2}-\d{2}|\d{4})$/;

/**
 * A table of models: the built-in ones plus any added at run time. Resolves aliases, dated
 * snapshots (`gpt-4o-2024-08-06`), fine-tune names (`ft:gpt-4o-mini:org::id`) and prefixes
 * (`gpt-4o-…` → the longest matching family), and falls back to {@link FALLBACK_MODEL} for the rest.
 */
export class ModelTable {
  readonly #models = new Map<string, ModelInfo>();
  readonly #byName = new Map<string, ModelInfo>();
  // Resolution is on every request's hot path (emulator, counters); names repeat, so remember them.
  readonly #resolved = new Map<string, ResolvedModel>();

  /** @param extra models added to (or replacing, by `id`) the built-in ones. */
  constructor(extra: readonly ModelInfo[] = [], builtin: readonly ModelInfo[] = BUILTIN_MODELS) {
    for (const info of builtin) this.add(info);
    for (const info of extra) this.add(info);
  }

  /** Adds or replaces (by `id`) a model. */
  add(info: ModelInfo): void {
    const previous = this.#models.get(info.id);
    if (previous) for (const name of namesOf(previous)) this.#byName.delete(name);
    this.#models.set(info.id, info);
    for (const name of namesOf(info)) this.#byName.set(name, info);
    this.#resolved.clear();
  }

  /** Every model, in insertion order. */
  list(): ModelInfo[] {
    return [...this.#models.values()];
  }

  /** Resolves any name; never throws. The result is shared: do not mutate it. */
  resolve(name: string): ResolvedModel {
    const cached = this.#resolved.get(name);
    if (cached) return cached;
    const resolved = this.#resolve(name);
    if (this.#resolved.size >= 1000) this.#resolved.clear();
    this.#resolved.set(name, Object.freeze(resolved));
    return resolved;
  }

  #resolve(name: string): ResolvedModel {
    const exact = this.#byName.get(name);
    if (exact) {
      const isAlias = exact.id === name;
      return {
        ...exact,
        requested: name,
        responseModel: isAlias ? exact.snapshot : name,
        match: isAlias ? 'alias' : 'snapshot',
        known: true,
      };
    }
    const base = name.startsWith('ft:') ? (name.slice(3).split(':')[0] ?? '') : name;
    let best: ModelInfo | undefined;
    let bestName = '';
    for (const [candidate, info] of this.#byName) {
      if (candidate.length > bestName.length && (base === candidate || base.startsWith(`${candidate}-`))) {
        best = info;
        bestName = candidate;
      }
    }
    if (best) {
      const dated = base === bestName || DATED_SUFFIX.test(base.slice(bestName.length));
      return {
        ...best,
        requested: name,
        responseModel: name,
        match: dated ? 'dated' : 'prefix',
        known: true,
      };
    }
    return {
      ...FALLBACK_MODEL,
      id: name,
      snapshot: name,
      requested: name,
      responseModel: name,
      match: 'unknown',
      known: false,
    };
  }
}

function namesOf(info: ModelInfo): string[] {
  return [info.id, info.snapshot, ...(info.otherSnapshots ?? [])];
}

const defaultTable = new ModelTable();

/** The process-wide model table used when no table is passed. */
export function defaultModelTable(): ModelTable {
  return defaultTable;
}

/**
 * Facts about a model by name: context window, output limit, encoding, reasoning flag. Resolves
 * snapshots and prefixes; an unknown name gets the documented fallback with `known: false`.
 */
export function getModelInfo(name: string): ResolvedModel {
  return defaultTable.resolve(name);
}

/** Adds models to the process-wide table (e.g. from a config file). */
export function registerModels(models: readonly ModelInfo[]): void {
  for (const info of models) defaultTable.add(info);
}
