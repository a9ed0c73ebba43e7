import type { ServerResponse } from 'node:http';

/**
 * Writes server-sent events straight to the socket: each frame is flushed as written (no
 * compression, no buffering proxies: `X-Accel-Buffering: no`), a comment keeps an idle connection
 * alive, and a slow reader pauses the writer (backpressure) instead of growing a buffer.
 */
export class SseWriter {
  readonly #res: ServerResponse;
  readonly #timer: NodeJS.Timeout | undefined;
  #lastWrite = Date.now();
  #ended = false;

  constructor(res: ServerResponse, headers: Record<string, string>, keepAliveMs: number) {
    this.#res = res;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    if (keepAliveMs > 0) {
      this.#timer = setInterval(
        () => {
          if (Date.now() - this.#lastWrite >= keepAliveMs) void this.write(': keep-alive\n\n');
        },
        Math.max(10, Math.floor(keepAliveMs / 2)),
      );
      this.#timer.unref();
    }
  }

  /** Whether the client is gone (or the stream was ended). */
  get closed(): boolean {
    return this.#ended || this.#res.destroyed || this.#res.writableEnded;
  }

  /** Sends one `data:` event. */
  data(payload: string): Promise<void> | undefined {
    return this.write(`data: ${payload}\n\n`);
  }

  /** Writes raw SSE text; resolves at once unless the socket buffer is full. */
  write(text: string): Promise<void> | undefined {
    if (this.closed) return undefined;
    this.#lastWrite = Date.now();
    if (this.#res.write(text)) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#res.off('drain', done);
        this.#res.off('close', done);
        resolve();
      };
      this.#res.once('drain', done);
      this.#res.once('close', done);
    });
  }

  /** Ends the response (after an optional last text). */
  end(text?: string): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.closed) return;
    this.#ended = true;
    if (text === undefined) this.#res.end();
    else this.#res.end(text);
  }
}
