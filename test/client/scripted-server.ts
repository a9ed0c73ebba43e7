import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: SeenRequest, res: ServerResponse, index: number) => void | Promise<void>;

/** A loopback HTTP server answering each request with the next handler (the last one repeats). */
export async function startScriptedServer(handlers: Handler[]): Promise<{
  url: string;
  requests: SeenRequest[];
  close: () => Promise<void>;
}> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    };
    const index = requests.push(seen) - 1;
    const handler = handlers[Math.min(index, handlers.length - 1)];
    await handler?.(seen, res, index);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answer with a JSON body. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_test', ...headers });
    res.end(JSON.stringify(body));
  };
}

export function errorBody(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** A chunk of a text answer. */
export function chunk(content: string | null, extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: content === null ? {} : { content }, logprobs: null, finish_reason: null }],
    ...extra,
  };
}

export function finishChunk(reason = 'stop') {
  return {
    ...chunk(null),
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: reason }],
  };
}

export function usageChunk(prompt: number, completion: number) {
  return {
    ...chunk(null),
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** Stream SSE frames; `frames` entries are objects (sent as data JSON) or raw strings. */
export function sse(frames: (object | string)[], options: { end?: boolean; delayMs?: number } = {}): Handler {
  return async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_stream' });
    for (const frame of frames) {
      await new Promise<void>((resolve) =>
        res.write(typeof frame === 'string' ? frame : `data: ${JSON.stringify(frame)}\n\n`, () => resolve()),
      );
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    }
    if (options.end === false) {
      if (frames.length > 0) await new Promise((r) => setTimeout(r, 10));
      res.socket?.destroy();
      return;
    }
    res.end();
  };
}

export const completion = (content: string) => ({
  id: 'chatcmpl-x',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content, refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});
