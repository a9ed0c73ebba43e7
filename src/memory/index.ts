export { type ChatClientLike, toNext } from './chat-adapter.js';
export { Conversation, type ReplyStream, type TurnInput } from './conversation.js';
export {
  type Conversations,
  type ConversationsOptions,
  type CreateConversationOptions,
  createConversations,
  type MemoryCounter,
} from './create-conversations.js';
export { type ExportFormat, exportConversation } from './export-conversation.js';
export {
  type FitWindowInput,
  type FitWindowResult,
  fitWindow,
  groupTurns,
  truncateMessage,
  truncationMarker,
  type WindowMessage,
} from './fit-window.js';
export { MemoryError, type MemoryErrorCode } from './memory-error.js';
export { summaryMessage } from './summarize-turns.js';
export type {
  ContextUsage,
  ConversationInfo,
  MemoryLogger,
  MemoryOptions,
  MessageStatus,
  RequestExtras,
  StoredMessage,
  SummaryOptions,
  TurnOptions,
  TurnResult,
} from './types.js';
