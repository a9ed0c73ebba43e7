import type { ChatRequest } from '../openai/index.js';
import type { Caller, GatewayContext } from './gateway-context.js';
import { GatewayError } from './gateway-error.js';

/** A model this caller may not use: answered like OpenAI's unknown model (404 `model_not_found`). */
export function checkModel(caller: Caller, model: string): void {
  const allowed = caller.key?.models;
  if (allowed && !allowed.includes(model)) {
    throw new GatewayError(
      404,
      'model_not_found',
      `The model \`${model}\` does not exist or you do not have access to it.`,
      { param: 'model' },
    );
  }
}

/**
 * The minimal shape checks (the upstream validates the rest, with its own messages) and the
 * caller's limits: allowed models, message count, `max_tokens`.
 */
export function checkChatRequest(ctx: GatewayContext, caller: Caller, body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError(
      400,
      'invalid_body',
      'We could not parse the JSON body of your request. The body must be a JSON object.',
    );
  }
  const request = body as Partial<ChatRequest>;
  if (typeof request.model !== 'string' || request.model === '') {
    throw new GatewayError(400, 'missing_required_parameter', "Missing required parameter: 'model'.", {
      param: 'model',
    });
  }
  if (!Array.isArray(request.messages)) {
    throw new GatewayError(400, 'missing_required_parameter', "Missing required parameter: 'messages'.", {
      param: 'messages',
    });
  }
  if (request.messages.length === 0) {
    throw new GatewayError(
      400,
      'empty_array',
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      { param: 'messages' },
    );
  }
  checkModel(caller, request.model);
  const maxMessages = caller.key?.maxMessages ?? ctx.limits.maxMessages;
  if (request.messages.length > maxMessages) {
    throw new GatewayError(
      400,
      'too_many_messages',
      `This request has ${request.messages.length} messages; this gateway key allows at most ${maxMessages}. Send fewer (older turns can be summarised).`,
      { param: 'messages' },
    );
  }
  const maxTokens = caller.key?.maxTokens ?? ctx.limits.maxTokens;
  if (maxTokens !== undefined) {
    for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
      const value = request[field];
      if (typeof value === 'number' && value > maxTokens) {
        throw new GatewayError(
          400,
          'max_tokens_exceeded',
          `${field} is ${value}; this gateway key allows at most ${maxTokens}. Ask for fewer tokens.`,
          { param: field },
        );
      }
    }
  }
  return request as ChatRequest;
}
