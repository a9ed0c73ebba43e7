import type { ChatMessage, ToolCall, Usage } from '../openai/wire-types.js';
import type { ChatResponse } from '../pipeline/index.js';

/** A reply read from the pipeline, whole or cut. */
export interface ReadReply {
  message: ChatMessage;
  text: string;
  usage: Usage | null;
  model: string | null;
  /** The stream ended early: by the caller's abort (error undefined) or by a failure (error set). */
  interrupted: boolean;
  error?: unknown;
}

/**
 * Turn a pipeline response into the assistant message, passing text to `onText` as it arrives. An
 * abort of `signal` stops reading at once (even if the stream stalls) and returns what arrived.
 */
export async function readReply(
  response: ChatResponse,
  signal: AbortSignal,
  onText?: (delta: string) => void,
): Promise<ReadReply> {
  if (response.type === 'completion') {
    const choice = response.completion.choices[0];
    const message: ChatMessage = {
      role: 'assistant',
      content: choice?.message.content ?? null,
    };
    if (choice?.message.tool_calls?.length) message.tool_calls = choice.message.tool_calls;
    if (choice?.message.refusal) message.refusal = choice.message.refusal;
    const text = choice?.message.content ?? '';
    if (text) onText?.(text);
    return {
      message,
      text,
      usage: response.completion.usage ?? null,
      model: response.completion.model ?? null,
      interrupted: false,
    };
  }
  let text = '';
  let usage: Usage | null = null;
  let model: string | null = null;
  let refusal = '';
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  let interrupted = false;
  let error: unknown;
  const iterator = response.stream[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next === 'aborted') {
        interrupted = true;
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
        break;
      }
      if (next.done) break;
      const chunk = next.value;
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices?.[0]?.delta;
      if (!delta) continue;
      if (typeof delta.content === 'string' && delta.content.length > 0) {
        text += delta.content;
        onText?.(delta.content);
      }
      if (typeof delta.refusal === 'string') refusal += delta.refusal;
      for (const call of delta.tool_calls ?? []) {
        const slot = calls[call.index] ?? { id: '', name: '', arguments: '' };
        calls[call.index] = slot;
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.name += call.function.name;
        if (call.function?.arguments) slot.arguments += call.function.arguments;
      }
    }
  } catch (caught) {
    interrupted = true;
    if (!signal.aborted) error = caught;
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
  const message: ChatMessage = {
    role: 'assistant',
    content: text.length > 0 || calls.length === 0 ? text : null,
  };
  // A cut stream may hold half-written tool calls: they are never stored.
  if (!interrupted && calls.length > 0) {
    message.tool_calls = calls
      .filter(Boolean)
      .map(
        (c): ToolCall => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }),
      );
  }
  if (refusal) message.refusal = refusal;
  const result: ReadReply = { message, text, usage, model, interrupted };
  if (error !== undefined) result.error = error;
  return result;
}
