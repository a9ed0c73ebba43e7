import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChunkChoice,
  CompletionChoice,
  ToolCallDelta,
} from '../openai/wire-types.js';
import { createRestorer, type Restorer, restoreText } from './restore-text.js';
import type { Vault } from './vault.js';

const jsonEscape = (value: string) => JSON.stringify(value).slice(1, -1);

/** Restore a tool-call arguments string: on its decoded JSON when it parses, else with JSON escaping. */
export function restoreArguments(args: string, vault: Vault): string {
  if (vault.size === 0) return args;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return restoreText(args, vault, { escape: jsonEscape });
  }
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return restoreText(v, vault);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  const restored = JSON.stringify(walk(parsed));
  // Keep the model's own formatting when nothing changed.
  return restored === JSON.stringify(parsed) ? args : restored;
}

/** A copy of the completion with content, refusal and tool-call arguments restored. */
export function restoreCompletion(completion: ChatCompletion, vault: Vault): ChatCompletion {
  if (vault.size === 0) return completion;
  const choices = completion.choices.map((choice): CompletionChoice => {
    const m = choice.message;
    const message = { ...m };
    if (typeof m.content === 'string') message.content = restoreText(m.content, vault);
    if (typeof m.refusal === 'string') message.refusal = restoreText(m.refusal, vault);
    if (Array.isArray(m.tool_calls)) {
      message.tool_calls = m.tool_calls.map((call) => ({
        ...call,
        function: { ...call.function, arguments: restoreArguments(call.function.arguments, vault) },
      }));
    }
    return { ...choice, message };
  });
  return { ...completion, choices };
}

interface ChoiceState {
  restorer: Restorer;
  /** Arguments per tool-call index, held until the choice finishes. */
  args: Map<number, string>;
  done: boolean;
}

/**
 * Restore a stream of chunks: content chunk by chunk (holding back only a possible placeholder
 * prefix), tool-call arguments once assembled (they are withheld from the argument deltas and sent
 * whole, restored, with the choice's last chunk). Errors of the source are passed on after the
 * held-back text is released.
 */
export async function* restoreStream(
  source: AsyncIterable<ChatCompletionChunk>,
  vault: Vault,
): AsyncGenerator<ChatCompletionChunk> {
  if (vault.size === 0) {
    yield* source;
    return;
  }
  const states = new Map<number, ChoiceState>();
  const stateOf = (index: number): ChoiceState => {
    let s = states.get(index);
    if (!s) {
      s = { restorer: createRestorer(vault), args: new Map(), done: false };
      states.set(index, s);
    }
    return s;
  };
  const finish = (s: ChoiceState, delta: ChunkChoice['delta']): void => {
    s.done = true;
    const tail = s.restorer.flush();
    if (tail.length > 0) delta.content = (typeof delta.content === 'string' ? delta.content : '') + tail;
    if (s.args.size > 0) {
      const calls: ToolCallDelta[] = [...(delta.tool_calls ?? [])];
      for (const [index, args] of s.args) {
        const restored = restoreArguments(args, vault);
        const at = calls.findIndex((c) => c.index === index);
        if (at >= 0) {
          const c = calls[at] as ToolCallDelta;
          calls[at] = { ...c, function: { ...c.function, arguments: restored } };
        } else calls.push({ index, function: { arguments: restored } });
      }
      delta.tool_calls = calls;
      s.args.clear();
    }
  };
  let last: ChatCompletionChunk | undefined;
  const pendingChunk = (): ChatCompletionChunk | undefined => {
    const choices: ChunkChoice[] = [];
    for (const [index, s] of states) {
      if (s.done) continue;
      const delta: ChunkChoice['delta'] = {};
      finish(s, delta);
      if (delta.content !== undefined || delta.tool_calls !== undefined) {
        choices.push({ index, delta, logprobs: null, finish_reason: null });
      }
    }
    if (choices.length === 0 || last === undefined) return undefined;
    const { usage: _usage, ...rest } = last;
    return { ...rest, choices };
  };
  try {
    for await (const chunk of source) {
      last = chunk;
      if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) {
        yield chunk;
        continue;
      }
      const choices = chunk.choices.map((choice): ChunkChoice => {
        const s = stateOf(choice.index);
        const delta = { ...choice.delta };
        if (typeof delta.content === 'string') delta.content = s.restorer.push(delta.content);
        if (Array.isArray(delta.tool_calls)) {
          delta.tool_calls = delta.tool_calls.map((call) => {
            const piece = call.function?.arguments;
            if (typeof piece !== 'string') return call;
            s.args.set(call.index, (s.args.get(call.index) ?? '') + piece);
            return { ...call, function: { ...call.function, arguments: '' } };
          });
        }
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) finish(s, delta);
        return { ...choice, delta };
      });
      yield { ...chunk, choices };
    }
  } catch (error) {
    const pending = pendingChunk();
    if (pending) yield pending;
    throw error;
  }
  const pending = pendingChunk();
  if (pending) yield pending;
}
