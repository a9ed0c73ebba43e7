import {
  couldGrowIntoPlaceholder,
  isOpener,
  MAX_PLACEHOLDER_LENGTH,
  placeholderPattern,
} from './placeholder-syntax.js';
import type { Vault } from './vault.js';

const PLACEHOLDERS = placeholderPattern();

/** Options of {@link restoreText} and {@link createRestorer}. */
export interface RestoreOptions {
  /** Transform a restored value before insertion (e.g. JSON string escaping). @default identity */
  escape?: (value: string) => string;
}

/**
 * Put the vault's values back in place of the placeholders in `text`, matching tolerantly (case,
 * spaces, `[]`/`<>`/`【】`, HTML-escaped). Placeholders the vault does not know are left as they are.
 */
export function restoreText(text: string, vault: Vault, options: RestoreOptions = {}): string {
  if (vault.size === 0) return text;
  const escapeValue = options.escape;
  // One matcher for every call: `replace` starts a global pattern at 0 and leaves it there.
  return text.replace(PLACEHOLDERS, (whole, type: string, index: string) => {
    const value = vault.resolve(type, index);
    if (value === undefined) return whole;
    return escapeValue ? escapeValue(value) : value;
  });
}

/** A streaming restorer: push chunks of an answer in order, get back what can be shown now. */
export interface Restorer {
  /** Text that is safe to show now (possibly empty): everything but a tail that may still become a placeholder. */
  push(chunk: string): string;
  /** The held-back tail, restored. Call once at the end. */
  flush(): string;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Restore placeholders in a streamed answer chunk by chunk. It holds back only a tail that could
 * still grow into a placeholder (at most about 200 characters, usually none) and never splits a
 * surrogate pair, so the concatenated output is identical whatever the chunk boundaries.
 */
export function createRestorer(vault: Vault, options: RestoreOptions = {}): Restorer {
  let buffer = '';
  return {
    push(chunk) {
      if (vault.size === 0 && buffer === '') return chunk;
      buffer += chunk;
      let cut = buffer.length;
      const from = Math.max(0, buffer.length - MAX_PLACEHOLDER_LENGTH);
      for (let i = from; i < buffer.length; i++) {
        if (isOpener(buffer[i]) && couldGrowIntoPlaceholder(buffer.slice(i))) {
          cut = i;
          break;
        }
      }
      if (cut > 0 && isHighSurrogate(buffer.charCodeAt(cut - 1))) cut--;
      const ready = buffer.slice(0, cut);
      buffer = buffer.slice(cut);
      return restoreText(ready, vault, options);
    },
    flush() {
      const rest = buffer;
      buffer = '';
      return restoreText(rest, vault, options);
    },
  };
}
