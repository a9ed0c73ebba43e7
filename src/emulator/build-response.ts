import type { ChatCompletion, Usage } from '../openai/wire-types.js';
import type { GeneratedChoice } from './generate-reply.js';

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
  promptTokens: number;
}

export function buildUsage(promptTokens: number, choices: readonly GeneratedChoice[]): Usage {
  const completion = choices.reduce((sum, choice) => sum + choice.completionTokens, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** The non-streaming body, keys in the order OpenAI sends them. */
export function buildCompletion(meta: ResponseMeta, choices: readonly GeneratedChoice[]): ChatCompletion {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: choices.map((choice, index) => {
      // Key order as recorded: role, content, tool_calls (only when present), refusal, annotations.
      const message = {
        role: 'assistant' as const,
        content: choice.content,
        ...(choice.toolCalls.length > 0
          ? {
              tool_calls: choice.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
        refusal: choice.refusal,
        annotations: [],
      };
      return { index, message, logprobs: null, finish_reason: choice.finishReason };
    }),
    usage: buildUsage(meta.promptTokens, choices),
    service_tier: 'default',
    system_fingerprint: meta.systemFingerprint,
  };
}

/**
 * Every SSE frame of a streamed answer, in order: per choice a role chunk, content (or tool-call)
 * deltas and a finish chunk, choices interleaved; then the usage chunk when asked; `[DONE]` is
 * not included (the writer adds it so faults can withhold it).
 */
export function buildStreamFrames(
  meta: ResponseMeta,
  choices: readonly GeneratedChoice[],
  includeUsage: boolean,
): string[] {
  const prefix = `data: {"id":"${meta.id}","object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"service_tier":"default","system_fingerprint":"${meta.systemFingerprint}","choices":[`;
  const suffix = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const perChoice = choices.map((choice, index) =>
    choiceDeltas(choice).map(
      ([delta, finish]) =>
        `${prefix}{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}${suffix}`,
    ),
  );
  const frames: string[] = [];
  const longest = Math.max(0, ...perChoice.map((list) => list.length));
  for (let step = 0; step < longest; step++) {
    for (const list of perChoice) {
      const frame = list[step];
      if (frame !== undefined) frames.push(frame);
    }
  }
  if (includeUsage) {
    const usage = JSON.stringify(buildUsage(meta.promptTokens, choices));
    frames.push(`${prefix}],"usage":${usage}}\n\n`);
  }
  return frames;
}

type Delta = [json: string, finish: string | null];

function choiceDeltas(choice: GeneratedChoice): Delta[] {
  const deltas: Delta[] = [];
  if (choice.refusal !== null) {
    deltas.push(['{"role":"assistant","content":null,"refusal":""}', null]);
    for (const fragment of choice.fragments) deltas.push([`{"refusal":${JSON.stringify(fragment)}}`, null]);
  } else if (choice.toolCalls.length === 0) {
    deltas.push(['{"role":"assistant","content":"","refusal":null}', null]);
    for (const fragment of choice.fragments) deltas.push([`{"content":${JSON.stringify(fragment)}}`, null]);
  } else if (choice.toolCalls.length === 1) {
    const call = choice.toolCalls[0]!;
    deltas.push([
      `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${call.id}","type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":""}}],"refusal":null}`,
      null,
    ]);
    for (const fragment of call.fragments) {
      deltas.push([
        `{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(fragment)}}}]}`,
        null,
      ]);
    }
  } else {
    deltas.push(['{"role":"assistant","content":null}', null]);
    choice.toolCalls.forEach((call, index) => {
      deltas.push([
        `{"tool_calls":[{"index":${index},"id":"${call.id}","type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":""}}]}`,
        null,
      ]);
      for (const fragment of call.fragments) {
        deltas.push([
          `{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(fragment)}}}]}`,
          null,
        ]);
      }
    });
  }
  deltas.push(['{}', choice.finishReason]);
  return deltas;
}
