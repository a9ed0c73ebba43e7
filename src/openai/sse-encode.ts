/**
 * Server-sent events exactly as OpenAI frames them: `data: <compact JSON>\n\n`, no `event:` or
 * `id:` lines, no `\r`, and `data: [DONE]\n\n` as the last frame of a complete stream.
 */

/** The frame that ends a complete stream. */
export const SSE_DONE_FRAME = 'data: [DONE]\n\n';

/** One `data:` frame carrying a JSON value (compact, as OpenAI sends it). */
export function encodeSseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** A mid-stream error frame: `{"error":{message,type,param,code}}`; OpenAI sends no `[DONE]` after it. */
export function encodeSseError(
  message: string,
  type = 'server_error',
  param: string | null = null,
  code: string | null = null,
): string {
  return encodeSseData({ error: { message, type, param, code } });
}

/** A comment line (`: text`), ignored by every SSE parser; useful as a keep-alive. */
export function encodeSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}
