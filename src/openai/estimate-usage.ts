import { countChatTokens, countTextTokens } from '../tokens/index.js';
import type { ChatRequest, Usage } from './wire-types.js';

/**
 * Usage counted with the tokenizer, for a stream whose usage chunk never came (cut stream, provider
 * without `include_usage`): the prompt by OpenAI's chat rule, the completion as plain text.
 */
export function estimateUsage(request: ChatRequest, completionText: string): Usage {
  const model = request.model;
  let prompt = 0;
  try {
    prompt = countChatTokens({ model, messages: request.messages, tools: request.tools ?? null });
  } catch {
    // A prompt the counter cannot read (exotic content parts) still gets a completion count.
  }
  const completion = completionText === '' ? 0 : countTextTokens(completionText, model);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
