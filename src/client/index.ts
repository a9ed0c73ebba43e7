export { type AssembledCompletion, ChatStream } from './chat-stream.js';
export {
  type CallOptions,
  type ChatClient,
  type ChatInput,
  type ChatMeta,
  type ChatResult,
  type ClientOptions,
  createClient,
} from './create-client.js';
