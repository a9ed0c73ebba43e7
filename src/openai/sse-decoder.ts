import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

/** One server-sent event. `event` is undefined for the default `message` type. */
export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/**
 * The one SSE decoder of steadychat: bytes in, events out. Built on `eventsource-parser` (the WHATWG
 * rules: `\n`, `\r\n` and `\r` line ends, comments and keep-alives ignored, several `data:` lines
 * joined with `\n`, a blank line dispatches) plus streaming UTF-8 decoding, so a character split
 * across network reads is decoded whole. Long lines are buffered as fragments, not re-scanned.
 */
export class SseDecoder {
  readonly #text = new TextDecoder('utf-8');
  readonly #parser: EventSourceParser;
  #out: SseEvent[] = [];
  #endsWithCr = false;

  constructor() {
    this.#parser = createParser({
      onEvent: (message: EventSourceMessage) => {
        this.#out.push({ event: message.event, data: message.data, id: message.id });
      },
      // Unknown fields and bad `retry:` values are ignored, as the SSE standard says.
      onError: () => {},
    });
  }

  /** Feed bytes (or already-decoded text); returns the events completed by them. */
  push(input: Uint8Array | string): SseEvent[] {
    const text = typeof input === 'string' ? input : this.#text.decode(input, { stream: true });
    if (text !== '') {
      this.#parser.feed(text);
      this.#endsWithCr = text.charCodeAt(text.length - 1) === 13;
    }
    return this.#take();
  }

  /**
   * End of input: flushes a trailing partial UTF-8 sequence. An event not terminated by a blank line
   * is dropped, as the standard requires (a cut stream must not yield half an event).
   */
  end(): SseEvent[] {
    const rest = this.#text.decode();
    if (rest !== '') this.push(rest);
    // A final `\r` is a line end the parser could not confirm (it might have been half of `\r\n`).
    if (this.#endsWithCr) this.#parser.feed('\n');
    this.#endsWithCr = false;
    const out = this.#take();
    this.#parser.reset();
    return out;
  }

  #take(): SseEvent[] {
    if (this.#out.length === 0) return EMPTY;
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

const EMPTY: SseEvent[] = [];

/** Decode a byte stream (a fetch body, a Node stream, any async iterable of bytes) into SSE events. */
export async function* decodeSse(
  source: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>,
): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new SseDecoder();
  const iterable: AsyncIterable<Uint8Array | string> =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<Uint8Array>)
      : readableToIterable(source as ReadableStream<Uint8Array>);
  for await (const bytes of iterable) {
    for (const event of decoder.push(bytes)) yield event;
  }
  for (const event of decoder.end()) yield event;
}

async function* readableToIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** What one SSE event of a Chat Completions stream means. */
export type ChatStreamEvent =
  | { kind: 'chunk'; value: unknown }
  | { kind: 'done' }
  | { kind: 'error'; data: string }
  | { kind: 'malformed'; data: string; error: unknown }
  | { kind: 'ignore' };

/**
 * Interpret one event of an OpenAI-style stream: `[DONE]` ends it, `event: error` or a JSON object
 * with a top-level `error` is an error frame, anything else must be a JSON chunk.
 */
export function interpretChatEvent(event: SseEvent): ChatStreamEvent {
  const data = event.data;
  if (event.event === 'error') return { kind: 'error', data };
  // Other named events (`ping`, …) are not chunks; OpenAI itself never names events.
  if (event.event !== undefined && event.event !== 'message') return { kind: 'ignore' };
  if (data.startsWith('[DONE]')) return { kind: 'done' };
  if (data.trim() === '') return { kind: 'ignore' };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (error) {
    return { kind: 'malformed', data, error };
  }
  if (value !== null && typeof value === 'object' && (value as { error?: unknown }).error) {
    return { kind: 'error', data };
  }
  return { kind: 'chunk', value };
}
