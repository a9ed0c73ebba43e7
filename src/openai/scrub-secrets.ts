import { maskKeyShapedTokens, redactSecrets } from '../config/index.js';

/**
 * Remove secrets from text copied out of an upstream answer: the given secrets wherever they occur,
 * and anything shaped like an API key (`sk-…`), which some providers echo back in full.
 */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  return maskKeyShapedTokens(redactSecrets(text, secrets));
}
