import { SteadyChatError } from '../errors/index.js';

/** What the gateway itself refuses a request with (auth, limits, validation); answered in OpenAI's envelope. */
export class GatewayError extends SteadyChatError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** OpenAI's `error.type` (`invalid_request_error`, …). */
  readonly type: string;
  /** OpenAI's `error.param`, when one field is at fault. */
  readonly param: string | null;
  /** Extra response headers (e.g. `www-authenticate`). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { type?: string; param?: string | null; headers?: Record<string, string>; hint?: string } = {},
  ) {
    super(code, message, options.hint === undefined ? {} : { hint: options.hint });
    this.status = status;
    this.type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }
}

/** The gateway will not start as configured (e.g. bound to a public address without keys). */
export class GatewayConfigError extends SteadyChatError {
  constructor(code: string, message: string, hint: string) {
    super(code, message, { hint });
  }
}
