import { detectInText } from './detect-pii.js';
import { maskValue } from './mask-value.js';
import { PiiBlockedError } from './pii-blocked-error.js';
import { placeholderPattern } from './placeholder-syntax.js';
import type { DetectOptions, PiiAction, PiiType } from './types.js';
import { createVault, type Vault } from './vault.js';

/** Type under which user text that already looks like a placeholder is escaped (restored verbatim). */
export const ESCAPED_PLACEHOLDER_TYPE = 'PLACEHOLDER';

const PLACEHOLDER = placeholderPattern();

/** Options of {@link redactText} (and of the redaction stage). */
export interface RedactOptions extends DetectOptions {
  /** Where placeholders are allocated and remembered. @default a new vault for this call */
  vault?: Vault;
  /** Action per type; missing types get `defaultAction`, `SECRET_*` types get `redact`. @default {} */
  actions?: Partial<Record<PiiType, PiiAction>>;
  /** Action of types not listed in `actions` (secrets excepted). @default 'placeholder' */
  defaultAction?: PiiAction;
  /** Names the text in a {@link PiiBlockedError} (e.g. `messages[1].content`). @default 'text' */
  field?: string;
}

/** A finding with what was done to it. Carries no value. */
export interface RedactedFinding {
  type: PiiType;
  start: number;
  end: number;
  score: number;
  action: PiiAction;
  /** The text that replaced the value (placeholder, `[REDACTED_TYPE]` or mask); absent for `allow`. */
  replacement?: string;
}

export interface RedactResult {
  text: string;
  findings: RedactedFinding[];
  /** Findings per type (all actions). Safe to log. */
  counts: Record<string, number>;
}

/** The action applied to `type` under `options`. */
export function actionFor(
  type: string,
  options: Pick<RedactOptions, 'actions' | 'defaultAction'>,
): PiiAction {
  const explicit = options.actions?.[type];
  if (explicit !== undefined) return explicit;
  if (type.startsWith('SECRET_')) return 'redact';
  return options.defaultAction ?? 'placeholder';
}

/**
 * Redact one text: every finding is replaced according to its action; placeholders come from the
 * vault (stable per value); user text that already looks like a placeholder is itself put behind a
 * placeholder so that it is given back verbatim and can never be "restored" into someone's data.
 * Throws {@link PiiBlockedError} when a finding's action is `block`.
 */
export function redactText(text: string, options: RedactOptions = {}): RedactResult {
  const vault = options.vault ?? createVault();
  const { candidates, stats } = detectInText(text, options);
  const counts: Record<string, number> = {};
  const findings: RedactedFinding[] = [];

  for (const c of candidates) {
    const action = actionFor(c.type, options);
    if (action === 'block') throw new PiiBlockedError(c.type, options.field ?? 'text', c.start, c.end);
  }

  // Literal placeholders in the input, outside findings.
  const literals: { start: number; end: number }[] = [];
  const re = PLACEHOLDER;
  re.lastIndex = 0;
  let ci = 0;
  for (let m = stats.brackets ? re.exec(text) : null; m !== null; m = re.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    while (ci < candidates.length && (candidates[ci] as { end: number }).end <= start) ci++;
    const next = candidates[ci];
    if (next !== undefined && next.start < end) continue;
    literals.push({ start, end });
  }

  let out = '';
  let pos = 0;
  let li = 0;
  for (let k = 0; k <= candidates.length; k++) {
    const c = candidates[k];
    const limit = c === undefined ? Number.POSITIVE_INFINITY : c.start;
    // Literal placeholders before this finding: escaped behind their own placeholder.
    while (li < literals.length && (literals[li] as { start: number }).start < limit) {
      const l = literals[li++] as { start: number; end: number };
      const literal = text.slice(l.start, l.end);
      out += text.slice(pos, l.start) + vault.placeholderFor(ESCAPED_PLACEHOLDER_TYPE, literal, literal);
      pos = l.end;
    }
    if (c === undefined) break;
    const action = actionFor(c.type, options);
    counts[c.type] = (counts[c.type] ?? 0) + 1;
    const value = text.slice(c.start, c.end);
    let replacement: string | undefined;
    if (action === 'placeholder') replacement = vault.placeholderFor(c.type, c.key, value);
    else if (action === 'redact') replacement = `[REDACTED_${c.type}]`;
    else if (action === 'mask') replacement = maskValue(value, c.type);
    const finding: RedactedFinding = { type: c.type, start: c.start, end: c.end, score: c.score, action };
    if (replacement !== undefined) {
      finding.replacement = replacement;
      out += text.slice(pos, c.start) + replacement;
      pos = c.end;
    }
    findings.push(finding);
  }
  out += text.slice(pos);
  return { text: out, findings, counts };
}
