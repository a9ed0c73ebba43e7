import { type ContextWords, contextPolarity, contextWords } from './context-words.js';
import { BUILT_IN_DETECTORS, type Candidate, type DetectEnv, type Detector } from './detectors.js';
import { foldWidth } from './fold-width.js';
import { InvalidRedactConfigError } from './invalid-redact-config-error.js';
import { GATE, scanText, type TextStats } from './text-stats.js';
import type { CustomPattern, DenyEntry, DetectOptions, PiiFinding } from './types.js';

/** Score added by a positive context word, and taken away by a business-number word. */
export const CONTEXT_BOOST = 0.35;
export const CONTEXT_PENALTY = 0.4;
/** @default threshold of {@link detectPii}. */
export const DEFAULT_THRESHOLD = 0.5;

const TYPE_NAME = /^[A-Z]+(?:_[A-Z]+)*$/;

interface Compiled {
  detectors: Detector[];
  /** Each detector's context words, built once. */
  contexts: (ContextWords | undefined)[];
  allow: Set<string>;
  threshold: number;
}

/** Compiled option sets by their content (callers often pass a fresh object per call). */
const compiledCache = new Map<string, Compiled>();
const MAX_CACHED = 64;
let defaults: Compiled | undefined;

function customDetector(p: CustomPattern): Detector {
  if (!TYPE_NAME.test(p.type)) {
    throw new InvalidRedactConfigError(
      `Custom pattern type "${p.type}" is not a valid type name.`,
      'Use upper-case letters separated by single underscores, e.g. EMPLOYEE_ID.',
    );
  }
  let re: RegExp;
  try {
    re = new RegExp(p.pattern, `${(p.flags ?? '').replace(/[gy]/g, '')}g`);
  } catch (cause) {
    throw new InvalidRedactConfigError(
      `Custom pattern ${p.type} is not a valid regular expression.`,
      'Fix the pattern (JavaScript syntax, backslashes doubled in JSON).',
      cause,
    );
  }
  const score = p.score ?? 0.9;
  return {
    type: p.type,
    priority: 95,
    positive: [],
    negatives: false,
    gate: GATE.ALWAYS,
    find(folded) {
      const out: Candidate[] = [];
      re.lastIndex = 0;
      for (let m = re.exec(folded); m !== null; m = re.exec(folded)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        out.push({
          type: p.type,
          start: m.index,
          end: m.index + m[0].length,
          score,
          key: m[0],
          priority: 95,
        });
      }
      return out;
    },
  };
}

function denyDetector(entries: readonly (string | DenyEntry)[]): Detector {
  const list = entries
    .map((e) =>
      typeof e === 'string' ? { value: e, type: 'CUSTOM' } : { value: e.value, type: e.type ?? 'CUSTOM' },
    )
    .filter((e) => e.value.length > 0)
    .map((e) => ({ ...e, folded: foldWidth(e.value) }));
  for (const e of list) {
    if (!TYPE_NAME.test(e.type)) {
      throw new InvalidRedactConfigError(
        `Deny-list type "${e.type}" is not a valid type name.`,
        'Use upper-case letters separated by single underscores, e.g. PROJECT_NAME.',
      );
    }
  }
  return {
    type: 'CUSTOM',
    priority: 96,
    positive: [],
    negatives: false,
    gate: GATE.ALWAYS,
    find(folded) {
      const out: Candidate[] = [];
      for (const e of list) {
        for (
          let at = folded.indexOf(e.folded);
          at >= 0;
          at = folded.indexOf(e.folded, at + e.folded.length)
        ) {
          out.push({
            type: e.type,
            start: at,
            end: at + e.folded.length,
            score: 1,
            key: e.folded,
            priority: 96,
          });
        }
      }
      return out;
    },
  };
}

const squash = (s: string) =>
  foldWidth(s)
    .replace(/[^0-9A-Za-z@.]/g, '')
    .toUpperCase();

function compile(options: DetectOptions): Compiled {
  const plain =
    options.types === undefined &&
    (options.patterns === undefined || options.patterns.length === 0) &&
    (options.allow === undefined || options.allow.length === 0) &&
    (options.deny === undefined || options.deny.length === 0);
  if (plain) {
    defaults ??= build({});
    return options.threshold === undefined || options.threshold === defaults.threshold
      ? defaults
      : { ...defaults, threshold: options.threshold };
  }
  const key = JSON.stringify([
    options.types,
    options.patterns,
    options.allow,
    options.deny,
    options.threshold,
  ]);
  const cached = compiledCache.get(key);
  if (cached) return cached;
  const compiled = build(options);
  if (compiledCache.size >= MAX_CACHED) compiledCache.delete(compiledCache.keys().next().value as string);
  compiledCache.set(key, compiled);
  return compiled;
}

function build(options: DetectOptions): Compiled {
  const only = options.types ? new Set<string>(options.types) : undefined;
  const detectors = [...BUILT_IN_DETECTORS, ...(options.patterns ?? []).map(customDetector)].filter(
    (d) => only === undefined || only.has(d.type),
  );
  if (options.deny && options.deny.length > 0) detectors.push(denyDetector(options.deny));
  const allow = new Set<string>();
  for (const a of options.allow ?? []) {
    allow.add(foldWidth(a));
    const s = squash(a);
    if (s.length > 0) allow.add(s);
  }
  const contexts = detectors.map((d) => contextWords(d.positive, d.negatives));
  return { detectors, contexts, allow, threshold: options.threshold ?? DEFAULT_THRESHOLD };
}

/** Candidates above the threshold, overlaps resolved, in text order. Internal: carries the keys. */
class Env implements DetectEnv {
  #now: Date | undefined;
  constructor(
    readonly stats: DetectEnv['stats'],
    readonly threshold: number,
    private readonly clock: (() => Date) | undefined,
  ) {}
  /** Only the ID validators need the date: read the clock lazily. */
  get now(): Date {
    this.#now ??= this.clock ? this.clock() : new Date();
    return this.#now;
  }
}

export function detectCandidates(text: string, options: DetectOptions = {}): Candidate[] {
  return detectInText(text, options).candidates;
}

/** The candidates, and what the scan saw (the redaction reads whether a placeholder can occur). */
export function detectInText(
  text: string,
  options: DetectOptions,
): { candidates: Candidate[]; stats: TextStats } {
  const { detectors, contexts, allow, threshold } = compile(options);
  const { folded, stats } = scanText(text);
  const env = new Env(stats, threshold, options.now);
  const kept: Candidate[] = [];
  for (let di = 0; di < detectors.length; di++) {
    const d = detectors[di] as Detector;
    if ((d.gate & stats.gates) === 0) continue;
    const found = d.find(folded, env);
    for (let ci = 0; ci < found.length; ci++) {
      const c = found[ci] as Candidate;
      const polarity = contextPolarity(folded, c.start, contexts[di]);
      const score = Math.min(
        1,
        c.score + (polarity > 0 ? CONTEXT_BOOST : polarity < 0 ? -CONTEXT_PENALTY : 0),
      );
      if (score < threshold) continue;
      if (allow.size > 0) {
        const raw = folded.slice(c.start, c.end);
        if (allow.has(raw) || allow.has(squash(raw)) || allow.has(squash(c.key))) continue;
      }
      c.score = Math.round(score * 100) / 100;
      kept.push(c);
    }
  }
  return { candidates: resolveOverlaps(kept, text.length), stats };
}

/** Priority first, then score, then the longer span; a lower-ranked overlapping span is dropped. */
const byRank = (a: Candidate, b: Candidate) =>
  b.priority - a.priority || b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start;

export function resolveOverlaps(candidates: Candidate[], length: number): Candidate[] {
  if (candidates.length <= 1) return candidates;
  if (candidates.length === 2) {
    // The common case without sorting: the better one (the first on a tie, as a stable sort keeps
    // it), and the other unless they overlap, in text order.
    const [a, b] = candidates as [Candidate, Candidate];
    const [first, second] = byRank(a, b) > 0 ? [b, a] : [a, b];
    if (second.start < first.end && first.start < second.end) return [first];
    return first.start <= second.start ? [first, second] : [second, first];
  }
  const ranked = [...candidates].sort(byRank);
  const out: Candidate[] = [];
  // Few findings per text: compare with the kept ones; many: mark the taken code units.
  const taken = ranked.length > 32 ? new Uint8Array(length) : undefined;
  for (const c of ranked) {
    let free = true;
    if (taken === undefined) {
      for (const k of out) {
        if (k.start < c.end && c.start < k.end) {
          free = false;
          break;
        }
      }
    } else {
      for (let i = c.start; i < c.end; i++) {
        if (taken[i] === 1) {
          free = false;
          break;
        }
      }
    }
    if (!free) continue;
    taken?.fill(1, c.start, c.end);
    out.push(c);
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Find personal data and secrets in `text`: width folding, validated detectors (checksums, dates,
 * libphonenumber), context words, threshold, overlap resolution. Linear in the length of the text
 * (custom patterns excepted: they are the caller's regular expressions).
 */
export function detectPii(text: string, options: DetectOptions = {}): PiiFinding[] {
  return detectCandidates(text, options).map((c) => ({
    type: c.type,
    start: c.start,
    end: c.end,
    score: c.score,
    value: text.slice(c.start, c.end),
  }));
}
