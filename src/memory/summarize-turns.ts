import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../openai/wire-types.js';
import type { Next } from '../pipeline/index.js';
import { readReply } from './read-reply.js';

/** The system message that carries the summary in the window. */
export function summaryMessage(summary: string): ChatMessage {
  return {
    role: 'system',
    content: `Summary of the earlier part of this conversation (older messages are not shown):\n${summary}`,
  };
}

/**
 * Update a running summary incrementally: old summary + newly evicted messages → new summary,
 * written by `model` in at most `maxTokens` tokens.
 */
export async function summarizeTurns(options: {
  chat: Next;
  model: string;
  previous: string | null;
  evicted: readonly ChatMessage[];
  maxTokens: number;
  signal: AbortSignal;
  conversationId: string;
}): Promise<string> {
  const transcript = options.evicted
    .map((m) => `${m.role}${m.name ? ` (${m.name})` : ''}: ${plain(m)}`)
    .join('\n');
  const words = Math.max(30, Math.floor(options.maxTokens * 0.6));
  const response = await options.chat({
    request: {
      model: options.model,
      max_tokens: options.maxTokens,
      temperature: 0,
      messages: [
        {
          role: 'system',
          content:
            'You maintain the running summary of a conversation between a user and an assistant. ' +
            `Merge the existing summary with the new messages into one summary of at most ${words} words. ` +
            'Keep names, facts, decisions, preferences and open questions; drop small talk. ' +
            'Write in the language of the conversation. Reply with the summary only.',
        },
        {
          role: 'user',
          content: `Existing summary:\n${options.previous ?? '(none)'}\n\nNew messages:\n${transcript}`,
        },
      ],
    },
    signal: options.signal,
    context: { requestId: randomUUID(), conversationId: options.conversationId },
    options: {},
  });
  const reply = await readReply(response, options.signal);
  if (reply.error !== undefined) throw reply.error;
  return reply.text.trim();
}

function plain(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) {
    return message.content
      .map((p) => (p.type === 'text' ? String((p as { text?: unknown }).text ?? '') : `[${p.type}]`))
      .join(' ');
  }
  if (message.tool_calls?.length) {
    return message.tool_calls.map((c) => `called ${c.function.name}(${c.function.arguments})`).join('; ');
  }
  return '';
}
