import type {
  ChatCompletion,
  ChatCompletionChunk,
  CompletionChoice,
  FinishReason,
  ToolCall,
  Usage,
} from './wire-types.js';

interface ChoiceState {
  content: string[];
  refusal: string[];
  sawContent: boolean;
  sawRefusal: boolean;
  toolCalls: Map<number, { id: string; type: 'function'; name: string; args: string[] }>;
  finishReason: FinishReason | null;
}

/**
 * Folds stream chunks into the completion they spell: content and refusal text per choice, tool calls
 * assembled by `index` (arguments concatenated), finish reasons and the usage chunk.
 */
export class CompletionAccumulator {
  #choices = new Map<number, ChoiceState>();
  #first: ChatCompletionChunk | undefined;
  #usage: Usage | undefined;
  #text = '';
  /** Chunks seen so far. */
  chunks = 0;

  add(chunk: ChatCompletionChunk): void {
    this.chunks++;
    if (this.#first === undefined) this.#first = chunk;
    if (chunk.usage) this.#usage = chunk.usage;
    const choices = chunk.choices;
    if (!Array.isArray(choices)) return;
    for (const choice of choices) {
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let state = this.#choices.get(index);
      if (state === undefined) {
        state = {
          content: [],
          refusal: [],
          sawContent: false,
          sawRefusal: false,
          toolCalls: new Map(),
          finishReason: null,
        };
        this.#choices.set(index, state);
      }
      const delta = choice.delta;
      if (delta) {
        if (typeof delta.content === 'string') {
          state.sawContent = true;
          if (delta.content !== '') {
            state.content.push(delta.content);
            if (index === 0) this.#text += delta.content;
          }
        }
        if (typeof delta.refusal === 'string') {
          state.sawRefusal = true;
          if (delta.refusal !== '') state.refusal.push(delta.refusal);
        }
        if (Array.isArray(delta.tool_calls)) {
          for (const part of delta.tool_calls) {
            const key = typeof part.index === 'number' ? part.index : 0;
            let call = state.toolCalls.get(key);
            if (call === undefined) {
              call = { id: '', type: 'function', name: '', args: [] };
              state.toolCalls.set(key, call);
            }
            if (part.id) call.id = part.id;
            if (part.function?.name) call.name += part.function.name;
            if (part.function?.arguments) call.args.push(part.function.arguments);
          }
        }
      }
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }

  /** Content of choice 0 so far. */
  get text(): string {
    return this.#text;
  }

  /** All generated text of every choice (content, refusals, tool names and arguments), for counting. */
  get generatedText(): string {
    const parts: string[] = [];
    for (const state of this.#choices.values()) {
      parts.push(...state.content, ...state.refusal);
      for (const call of state.toolCalls.values()) parts.push(call.name, ...call.args);
    }
    return parts.join('');
  }

  /** The usage chunk's totals, when one arrived. */
  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** True when at least one choice was seen and every choice has a finish reason. */
  get finished(): boolean {
    if (this.#choices.size === 0) return false;
    for (const state of this.#choices.values()) if (state.finishReason === null) return false;
    return true;
  }

  /** The completion assembled so far (usage only if the usage chunk arrived). */
  toCompletion(): ChatCompletion {
    const first = this.#first;
    const choices: CompletionChoice[] = [...this.#choices.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, state]) => {
        const toolCalls: ToolCall[] = [...state.toolCalls.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([, c]) => ({
            id: c.id,
            type: c.type,
            function: { name: c.name, arguments: c.args.join('') },
          }));
        const message: CompletionChoice['message'] = {
          role: 'assistant',
          content: state.sawContent || state.content.length > 0 ? state.content.join('') : null,
          refusal: state.sawRefusal ? state.refusal.join('') : null,
        };
        if (toolCalls.length > 0) message.tool_calls = toolCalls;
        return { index, message, logprobs: null, finish_reason: state.finishReason };
      });
    const completion: ChatCompletion = {
      id: first?.id ?? '',
      object: 'chat.completion',
      created: first?.created ?? 0,
      model: first?.model ?? '',
      choices,
    };
    if (this.#usage) completion.usage = this.#usage;
    if (first?.service_tier !== undefined) completion.service_tier = first.service_tier;
    if (first?.system_fingerprint !== undefined) completion.system_fingerprint = first.system_fingerprint;
    return completion;
  }
}
