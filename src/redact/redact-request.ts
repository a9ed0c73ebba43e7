import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../openai/wire-types.js';
import { type RedactOptions, redactText } from './redact-text.js';
import type { Vault } from './vault.js';

/** The redacted copy of a request and what was found in it (counts only). */
export interface RedactedRequest {
  request: ChatRequest;
  counts: Record<string, number>;
}

function addCounts(into: Record<string, number>, more: Record<string, number>): void {
  for (const [type, n] of Object.entries(more)) into[type] = (into[type] ?? 0) + n;
}

/** Redact every string inside a JSON value (keys kept). */
function redactJsonValue(value: unknown, redact: (s: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJsonValue(v, redact));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactJsonValue(v, redact);
    return out;
  }
  return value;
}

/**
 * Redact every text a request carries (system, developer, user, assistant and tool contents, text
 * parts, tool-call arguments) into a copy; the caller's objects are never modified. Tool-call
 * arguments are redacted on their decoded JSON strings, then re-encoded.
 */
export function redactRequest(
  request: ChatRequest,
  vault: Vault,
  options: RedactOptions = {},
): RedactedRequest {
  const counts: Record<string, number> = {};
  const redact = (text: string, field: string): string => {
    const result = redactText(text, { ...options, vault, field });
    addCounts(counts, result.counts);
    return result.text;
  };
  const messages = request.messages.map((message, i): ChatMessage => {
    const copy: ChatMessage = { ...message };
    const content = message.content;
    if (typeof content === 'string') {
      copy.content = redact(content, `messages[${i}].content`);
    } else if (Array.isArray(content)) {
      copy.content = content.map((part, j): ContentPart => {
        if (part.type === 'text' && typeof part.text === 'string') {
          return { ...part, text: redact(part.text, `messages[${i}].content[${j}].text`) };
        }
        return part;
      });
    }
    if (Array.isArray(message.tool_calls)) {
      copy.tool_calls = message.tool_calls.map((call, j): ToolCall => {
        const field = `messages[${i}].tool_calls[${j}].function.arguments`;
        const args = call.function?.arguments;
        if (typeof args !== 'string') return call;
        return {
          ...call,
          function: { ...call.function, arguments: redactArguments(args, (s) => redact(s, field)) },
        };
      });
    }
    return copy;
  });
  return { request: { ...request, messages }, counts };
}

/** Redact a tool-call arguments string: as JSON when it parses, else as plain text. */
export function redactArguments(args: string, redact: (s: string) => string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return redact(args);
  }
  return JSON.stringify(redactJsonValue(parsed, redact));
}
