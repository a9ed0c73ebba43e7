import { describe, expect, it } from 'vitest';
import { decodeSse, interpretChatEvent, SseDecoder } from '../../src/openai/index.js';

const enc = new TextEncoder();

function decodeAll(pieces: (Uint8Array | string)[]) {
  const decoder = new SseDecoder();
  const out = pieces.flatMap((p) => decoder.push(p));
  return [...out, ...decoder.end()];
}

describe('SSE decoding of real-world framing', () => {
  it('splits events on \\n, \\r\\n and \\r line ends alike', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = `data: {"a":1}${eol}${eol}data: {"a":2}${eol}${eol}data: [DONE]${eol}${eol}`;
      expect(decodeAll([text]).map((e) => e.data)).toEqual(['{"a":1}', '{"a":2}', '[DONE]']);
    }
  });

  it('keeps \\r\\n intact when the \\r and the \\n arrive in different reads', () => {
    const events = decodeAll(['data: x\r', '\n\r', '\ndata: y\r\n\r\n']);
    expect(events.map((e) => e.data)).toEqual(['x', 'y']);
  });

  it('ignores comments and keep-alive lines between and inside events', () => {
    const events = decodeAll([
      ': keep-alive\n\n',
      ':\n',
      'data: a\n: ping inside\ndata: b\n\n',
      ': OPENROUTER PROCESSING\n\n',
    ]);
    expect(events.map((e) => e.data)).toEqual(['a\nb']);
  });

  it('joins several data lines with a newline', () => {
    expect(decodeAll(['data: line1\ndata: line2\ndata:line3\n\n'])[0]?.data).toBe('line1\nline2\nline3');
  });

  it('decodes a multi-byte character split across reads at every possible offset', () => {
    const text = 'data: {"content":"你好，世界 🌍 ok"}\n\n';
    const bytes = enc.encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const events = decodeAll([bytes.slice(0, cut), bytes.slice(cut)]);
      expect(events.map((e) => e.data)).toEqual(['{"content":"你好，世界 🌍 ok"}']);
    }
    // And byte by byte.
    const oneByOne = decodeAll([...bytes].map((b) => Uint8Array.of(b)));
    expect(oneByOne[0]?.data).toBe('{"content":"你好，世界 🌍 ok"}');
  });

  it('handles a line of several MiB arriving in 64 KiB reads', () => {
    const big = 'x'.repeat(6 * 1024 * 1024);
    const bytes = enc.encode(`data: {"content":"${big}"}\n\ndata: [DONE]\n\n`);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 65536) pieces.push(bytes.subarray(i, i + 65536));
    const events = decodeAll(pieces);
    expect(events).toHaveLength(2);
    expect(events[0]?.data.length).toBe(big.length + 14);
  });

  it('drops an event that a cut stream left without its blank line', () => {
    expect(decodeAll(['data: {"a":1}\n\ndata: {"a":2}']).map((e) => e.data)).toEqual(['{"a":1}']);
  });

  it('strips a UTF-8 byte order mark and keeps event names and ids', () => {
    const events = decodeAll([
      Uint8Array.of(0xef, 0xbb, 0xbf),
      enc.encode('event: error\nid: 7\ndata: {"error":{}}\n\n'),
    ]);
    expect(events[0]).toEqual({ event: 'error', id: '7', data: '{"error":{}}' });
  });

  it('decodes a ReadableStream and an async iterable the same way', async () => {
    const text = 'data: 1\n\ndata: 2\n\n';
    const stream = new Blob([text]).stream();
    const fromStream: string[] = [];
    for await (const e of decodeSse(stream)) fromStream.push(e.data);
    async function* gen() {
      yield enc.encode('data: 1\n');
      yield enc.encode('\ndata: 2\n\n');
    }
    const fromIterable: string[] = [];
    for await (const e of decodeSse(gen())) fromIterable.push(e.data);
    expect(fromStream).toEqual(['1', '2']);
    expect(fromIterable).toEqual(['1', '2']);
  });
});

describe('interpreting chat stream events', () => {
  const ev = (data: string, event?: string) => ({ data, event, id: undefined });
  it('recognises chunks, [DONE], error frames, event: error and malformed JSON', () => {
    expect(interpretChatEvent(ev('{"id":"x","choices":[]}')).kind).toBe('chunk');
    expect(interpretChatEvent(ev('[DONE]')).kind).toBe('done');
    expect(interpretChatEvent(ev('{"error":{"message":"boom","type":"server_error"}}')).kind).toBe('error');
    expect(interpretChatEvent(ev('{"message":"x"}', 'error')).kind).toBe('error');
    expect(interpretChatEvent(ev('{"id":')).kind).toBe('malformed');
    expect(interpretChatEvent(ev('{}', 'ping')).kind).toBe('ignore');
  });
});
