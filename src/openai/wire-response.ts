import type { Dispatcher } from 'undici';

/** Reads a response body piece by piece. */
export interface BodyReader {
  /** The next bytes, or undefined at the end. */
  read(): Promise<Uint8Array | undefined>;
  /** Stop reading and release the connection. */
  cancel(): void;
}

/** An HTTP answer, whichever transport produced it. */
export interface WireResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The whole body as text. */
  text(): Promise<string>;
  /** Read the body piece by piece (once). */
  reader(): BodyReader;
}

/** A fetch-compatible function (Node's global fetch, undici's, or a test double). */
export type FetchLike = (input: string, init: RequestInit & { dispatcher?: Dispatcher }) => Promise<Response>;

/** The request as both transports need it. */
export interface WireRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** A real AbortSignal, made on demand (fetch needs one). */
  signal: () => AbortSignal;
  /** An EventTarget-shaped signal, enough for undici's `request()` and much cheaper to make. */
  lightSignal: { aborted: boolean; addEventListener(type: string, listener: () => void): void };
}

/**
 * Send through an undici dispatcher's `request()`: about twice as fast as `fetch` on loopback, and an
 * abort signal costs little there (with `fetch` it adds ~15 % per call on Node 20).
 */
export async function sendWithDispatcher(dispatcher: Dispatcher, req: WireRequest): Promise<WireResponse> {
  const target = splitUrl(req.url);
  const res = await dispatcher.request({
    origin: target.origin,
    path: target.path,
    method: req.method as Dispatcher.HttpMethod,
    headers: req.headers,
    body: req.body ?? null,
    signal: req.lightSignal as unknown as AbortSignal,
  });
  const headers: Record<string, string> = {};
  const received = res.headers;
  for (const name in received) {
    const value = received[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const body = res.body;
  return {
    status: res.statusCode,
    headers,
    text: () => body.text(),
    reader: () => {
      const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      return {
        read: async () => {
          const next = await iterator.next();
          return next.done ? undefined : next.value;
        },
        cancel: () => {
          body.destroy();
        },
      };
    },
  };
}

/** Origin and path of the URLs requested so far: a client asks the same few endpoints every call. */
const splitUrls = new Map<string, { origin: string; path: string }>();

function splitUrl(href: string): { origin: string; path: string } {
  let split = splitUrls.get(href);
  if (split === undefined) {
    const url = new URL(href);
    split = { origin: url.origin, path: `${url.pathname}${url.search}` };
    if (splitUrls.size >= 256) splitUrls.clear();
    splitUrls.set(href, split);
  }
  return split;
}

/** Send through a fetch (a caller-supplied one). */
export async function sendWithFetch(
  fetchFn: FetchLike,
  dispatcher: Dispatcher | undefined,
  req: WireRequest,
): Promise<WireResponse> {
  const init: RequestInit & { dispatcher?: Dispatcher } = {
    method: req.method,
    headers: req.headers,
    signal: req.signal(),
  };
  if (req.body !== undefined) init.body = req.body;
  if (dispatcher) init.dispatcher = dispatcher;
  const response = await fetchFn(req.url, init);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return {
    status: response.status,
    headers,
    text: () => response.text(),
    reader: () => {
      const reader = response.body?.getReader();
      return {
        read: async () => {
          if (!reader) return undefined;
          const { done, value } = await reader.read();
          return done ? undefined : value;
        },
        cancel: () => {
          reader?.cancel().catch(() => {});
        },
      };
    },
  };
}
