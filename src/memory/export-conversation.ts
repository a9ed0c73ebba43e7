import type { ChatMessage } from '../openai/wire-types.js';
import type { ConversationInfo, StoredMessage } from './types.js';

/** Export formats of a conversation. */
export type ExportFormat = 'markdown' | 'json';

/** A conversation as Markdown (for people) or JSON (for programs; messages in wire format). */
export function exportConversation(
  info: ConversationInfo,
  messages: readonly StoredMessage[],
  format: ExportFormat,
): string {
  if (format === 'json') {
    return `${JSON.stringify(
      {
        id: info.id,
        title: info.title,
        model: info.model,
        system: info.system,
        summary: info.summary,
        summary_through_seq: info.summaryThroughSeq,
        created_at: new Date(info.createdAt).toISOString(),
        updated_at: new Date(info.updatedAt).toISOString(),
        messages: messages.map((m) => ({
          ...m.message,
          seq: m.seq,
          status: m.status,
          tokens: m.tokens,
          ...(m.usage ? { usage: m.usage } : {}),
          ...(m.model ? { model: m.model } : {}),
          created_at: new Date(m.createdAt).toISOString(),
        })),
      },
      null,
      2,
    )}\n`;
  }
  const lines: string[] = [`# ${info.title || 'Conversation'}`, ''];
  lines.push(
    `- id: \`${info.id}\``,
    `- model: \`${info.model}\``,
    `- created: ${new Date(info.createdAt).toISOString()}`,
  );
  lines.push('');
  if (info.system) lines.push('## System', '', info.system, '');
  if (info.summary) lines.push('## Summary of earlier messages', '', info.summary, '');
  for (const m of messages) {
    lines.push(`## ${heading(m.message)}${m.status === 'interrupted' ? ' (interrupted)' : ''}`, '');
    const text = textOf(m.message);
    if (text) lines.push(text, '');
    for (const call of m.message.tool_calls ?? []) {
      lines.push(
        `Tool call \`${call.function.name}\` (\`${call.id}\`):`,
        '',
        '```json',
        call.function.arguments,
        '```',
        '',
      );
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function heading(message: ChatMessage): string {
  switch (message.role) {
    case 'user':
      return message.name ? `User (${message.name})` : 'User';
    case 'assistant':
      return 'Assistant';
    case 'tool':
      return `Tool result (\`${message.tool_call_id ?? ''}\`)`;
    default:
      return message.role[0]!.toUpperCase() + message.role.slice(1);
  }
}

function textOf(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) {
    return message.content
      .map((p) => (p.type === 'text' ? String((p as { text?: unknown }).text ?? '') : `[${p.type}]`))
      .join('\n');
  }
  return '';
}
