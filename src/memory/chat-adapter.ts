import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../openai/wire-types.js';
import type { CallContext, ChatResponse, Next } from '../pipeline/index.js';

/** Anything with a client-shaped `chat` (steadychat's `createClient()` result fits). */
export interface ChatClientLike {
  chat(
    request: ChatRequest,
    options?: { signal?: AbortSignal; context?: Partial<CallContext> },
  ): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
}

/** The pipeline entry a conversation calls, from a client or a pipeline function. */
export function toNext(chat: Next | ChatClientLike): Next {
  if (typeof chat === 'function') return chat;
  return async (call): Promise<ChatResponse> => {
    const result = await chat.chat(call.request, { signal: call.signal, context: call.context });
    const meta = { headers: {}, attempts: 1 };
    if (Symbol.asyncIterator in result) {
      return { type: 'stream', stream: result as AsyncIterable<ChatCompletionChunk>, meta };
    }
    return { type: 'completion', completion: result as ChatCompletion, meta };
  };
}
