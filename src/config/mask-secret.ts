/** Prefixes that say what kind of key it is without revealing anything; longest first. */
const KNOWN_PREFIXES = ['sk-svcacct-', 'sk-admin-', 'sk-proj-', 'sk-ant-', 'sk-', 'sc-', 'gsk_', 'xai-'];

/** Below this length a value shows nothing but `…`. */
const MIN_SHOWN_LENGTH = 12;

/**
 * Mask a secret for display: a known prefix and the last 4 characters survive (`sk-…abcd`,
 * `sk-proj-…abcd`); any other value keeps only its last 4 (`…abcd`); a short value becomes `…`.
 */
export function maskSecret(value: string): string {
  if (value.length < MIN_SHOWN_LENGTH) return '…';
  const prefix = KNOWN_PREFIXES.find((p) => value.startsWith(p)) ?? '';
  const body = value.slice(prefix.length);
  if (body.length < MIN_SHOWN_LENGTH - 4) return `${prefix}…`;
  return `${prefix}…${value.slice(-4)}`;
}

/**
 * Mask the credentials in a URL: `postgres://app:…@db:5432/x` (the user name stays when there is a
 * password; a lone user part, often a token, is masked). Errs on the side of masking: everything up to
 * the last `@` counts as credentials, so an unencoded `@` in a password cannot leak its tail.
 */
export function maskUrl(value: string): string {
  const parts = splitCredentials(value);
  if (!parts) return value;
  const { head, userinfo, rest } = parts;
  const colon = userinfo.indexOf(':');
  const shown = colon === -1 ? '…' : `${userinfo.slice(0, colon)}:…`;
  return `${head}${shown}@${rest}`;
}

/** The secret parts of a URL (password, or a lone user part), to feed `redactSecrets`. */
export function urlSecrets(value: string | undefined): string[] {
  const parts = value === undefined ? undefined : splitCredentials(value);
  if (!parts) return [];
  const colon = parts.userinfo.indexOf(':');
  const secret = colon === -1 ? parts.userinfo : parts.userinfo.slice(colon + 1);
  if (!secret) return [];
  const decoded = safeDecode(secret);
  return decoded === secret ? [secret] : [secret, decoded];
}

function splitCredentials(value: string): { head: string; userinfo: string; rest: string } | undefined {
  const at = value.lastIndexOf('@');
  if (at === -1) return undefined;
  const head = /^[a-z][a-z0-9+.-]*:(\/\/)?/i.exec(value)?.[0] ?? '';
  if (at < head.length) return undefined;
  return { head, userinfo: value.slice(head.length, at), rest: value.slice(at + 1) };
}

/** Secrets shorter than this are not searched for: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 6;

/**
 * Replace every occurrence of the given secrets in a text by their masked form (see `maskSecret`),
 * including their URL-encoded and JSON-escaped spellings. Used on error messages and log lines.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  return secretMasker(secrets)(text);
}

/**
 * `redactSecrets` for one fixed list of secrets, with their spellings worked out once: for text
 * masked over and over (every log line).
 */
export function secretMasker(secrets: readonly (string | undefined)[]): (text: string) => string {
  const forms = new Map<string, string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    const masked = maskSecret(secret);
    for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
      if (form.length >= MIN_SECRET_LENGTH && !forms.has(form)) forms.set(form, masked);
    }
  }
  if (forms.size === 0) return (text) => text;
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = text;
    for (const [form, masked] of ordered) {
      if (out.includes(form)) out = out.split(form).join(masked);
    }
    return out;
  };
}

/** Things that look like API keys even when nobody told us they are secrets. */
const KEY_SHAPED = /\b(sk-(?:proj-|svcacct-|admin-|ant-)?|sc-)[A-Za-z0-9_-]{16,}/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/gi;

/** Mask key-shaped tokens (`sk-…`, `sc-…`, `Bearer …`) in a text, whatever their value. */
export function maskKeyShapedTokens(text: string): string {
  return text
    .replace(KEY_SHAPED, (token) => maskSecret(token))
    .replace(BEARER, (_whole, bearer: string) => `${bearer}…`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
