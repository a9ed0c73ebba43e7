import { UsageError } from '../errors/index.js';

/**
 * Extra request headers from `--header "Name: value"` flags and `STEADYCHAT_EXTRA_HEADERS` (a JSON
 * object, or `Name: value` lines). For custom gateways, and for the emulator's fault injection.
 */
export function extraHeaders(
  env: Record<string, string | undefined>,
  flags: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = env.STEADYCHAT_EXTRA_HEADERS?.trim();
  if (raw) {
    if (raw.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new UsageError('STEADYCHAT_EXTRA_HEADERS is not valid JSON.', {
          hint: 'Use a JSON object like {"x-header":"value"}, or "Name: value" lines.',
        });
      }
      for (const [name, value] of Object.entries(parsed as Record<string, unknown>))
        out[name.toLowerCase()] = String(value);
    } else {
      for (const line of raw.split(/\r?\n/)) if (line.trim()) addLine(out, line, 'STEADYCHAT_EXTRA_HEADERS');
    }
  }
  for (const flag of flags) addLine(out, flag, '--header');
  if ('authorization' in out) {
    throw new UsageError('Set the API key with OPENAI_API_KEY, not as an extra Authorization header.');
  }
  return out;
}

function addLine(out: Record<string, string>, line: string, where: string): void {
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon).trim() : '';
  if (!name || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
    throw new UsageError(`Invalid header "${line}" in ${where}: expected "Name: value".`);
  }
  out[name.toLowerCase()] = line.slice(colon + 1).trim();
}

/** Collect a repeatable commander option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
