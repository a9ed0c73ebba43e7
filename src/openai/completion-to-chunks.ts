import type { ChatCompletion, ChatCompletionChunk, ToolCallDelta } from './wire-types.js';

/**
 * The chunks a stream of this completion would have carried: per choice, one chunk with the whole
 * message, one finish chunk, then a usage chunk. For upstreams that answer a `stream: true` request
 * with plain JSON.
 */
export function completionToChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint === undefined
      ? {}
      : { system_fingerprint: completion.system_fingerprint }),
  };
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices ?? []) {
    const message = choice.message;
    const delta: ChatCompletionChunk['choices'][number]['delta'] = {
      role: 'assistant',
      content: message?.content ?? null,
    };
    if (message?.refusal) delta.refusal = message.refusal;
    if (message?.tool_calls?.length) {
      delta.tool_calls = message.tool_calls.map(
        (call, index): ToolCallDelta => ({
          index,
          id: call.id,
          type: call.type,
          function: { name: call.function.name, arguments: call.function.arguments },
        }),
      );
    }
    chunks.push({ ...base, choices: [{ index: choice.index, delta, logprobs: null, finish_reason: null }] });
    chunks.push({
      ...base,
      choices: [{ index: choice.index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }],
    });
  }
  if (completion.usage) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}
