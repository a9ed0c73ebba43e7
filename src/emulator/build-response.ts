import type { ChatCompletion, Usage } from '../openai/wire-types.js';
import { type GeneratedChoice, LOREM_WORDS } from './generate-reply.js';
import { hashString } from './prng.js';

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
  promptTokens: number;
  /** Number of `top_logprobs` when `logprobs: true` was asked; undefined otherwise. */
  topLogprobs?: number;
}

interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

/** A deterministic, plausible log-probability entry for one emitted token. */
function tokenLogprob(token: string, position: number, top: number): TokenLogprob {
  const logprob = -Math.round((hashString(token, position) % 200_000) / 10) / 10_000;
  const entry = { token, logprob, bytes: [...Buffer.from(token, 'utf8')] };
  const alternatives = [entry];
  for (let i = 1; i < top; i++) {
    const other = LOREM_WORDS[(hashString(token, position + i) + i) % LOREM_WORDS.length] ?? ' the';
    alternatives.push({ token: other, logprob: logprob - i * 1.5, bytes: [...Buffer.from(other, 'utf8')] });
  }
  return { ...entry, top_logprobs: top > 0 ? alternatives.slice(0, top) : [] };
}

function contentLogprobs(choice: GeneratedChoice, top: number | undefined): unknown {
  if (top === undefined || choice.content === null) return null;
  return { content: choice.fragments.map((fragment, i) => tokenLogprob(fragment, i, top)), refusal: null };
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
      return {
        index,
        message,
        logprobs: contentLogprobs(choice, meta.topLogprobs),
        finish_reason: choice.finishReason,
      };
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
  const top = meta.topLogprobs;
  const perChoice = choices.map((choice, index) => {
    const withLogprobs = top !== undefined && choice.content !== null;
    return choiceDeltas(choice).map(([delta, finish], step) => {
      let logprobs = 'null';
      if (withLogprobs && finish === null) {
        // The role chunk carries an empty list; each content chunk its own token.
        const fragment = step === 0 ? undefined : choice.fragments[step - 1];
        const content = fragment === undefined ? [] : [tokenLogprob(fragment, step - 1, top)];
        logprobs = JSON.stringify({ content, refusal: null });
      }
      return `${prefix}{"index":${index},"delta":${delta},"logprobs":${logprobs},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}${suffix}`;
    });
  });
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
