/**
 * The tolerant placeholder grammar shared by the restorer and by the escaping of user text that
 * already looks like a placeholder: `[CN_PHONE_1]`, `<cn_phone_1>`, `[CN PHONE 1]`, `&lt;CN_PHONE_1&gt;`,
 * `【CN_PHONE_1】`. Bounded quantifiers only: linear time, and at most {@link MAX_PLACEHOLDER_LENGTH}
 * characters, which bounds what a streaming restorer ever holds back.
 */
const OPEN = '(?:\\[|<|&lt;|【|［|＜)';
const CLOSE = '(?:\\]|>|&gt;|】|］|＞)';
export const PLACEHOLDER_SOURCE = `${OPEN} {0,3}([A-Za-z]{1,30}(?:[ _-][A-Za-z]{1,30}){0,5})[ _-]?(\\d{1,6}) {0,3}${CLOSE}`;
const FULL = new RegExp(`^${PLACEHOLDER_SOURCE}$`, 'i');

export const MAX_PLACEHOLDER_LENGTH = 4 + 3 + 30 * 6 + 5 + 1 + 6 + 3 + 4;

/** A fresh global matcher (each caller gets its own `lastIndex`). */
export function placeholderPattern(): RegExp {
  return new RegExp(PLACEHOLDER_SOURCE, 'gi');
}

/** Lookup key of a placeholder however the model spelled it: `CNPHONE#1`. */
export function placeholderKey(type: string, index: string | number): string {
  return `${type.toUpperCase().replace(/[ _-]/g, '')}#${Number(index)}`;
}

/** The canonical placeholder text. */
export function formatPlaceholder(type: string, index: number): string {
  return `[${type}_${index}]`;
}

const OPENERS = new Set(['[', '<', '&', '【', '［', '＜']);
const COMPLETIONS = ['lt;A_1]', 't;A_1]', ';A_1]', 'A_1]', '_1]', '1]', ']', 'gt;', 't;', ';'];

/**
 * Whether `s` (starting at an opener) is a proper prefix of some placeholder, i.e. may still grow
 * into one when more text arrives. Tested by completing it in every way the grammar allows.
 */
export function couldGrowIntoPlaceholder(s: string): boolean {
  if (s.length === 0 || !OPENERS.has(s[0] as string) || s.length >= MAX_PLACEHOLDER_LENGTH) return false;
  if (FULL.test(s)) return false;
  for (const c of COMPLETIONS) if (FULL.test(s + c)) return true;
  return false;
}

/** Positions worth testing with {@link couldGrowIntoPlaceholder}. */
export function isOpener(ch: string | undefined): boolean {
  return ch !== undefined && OPENERS.has(ch);
}
