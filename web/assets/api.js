// The gateway's HTTP API as used by the page (contract: docs/gateway-api.md). Only this origin.

const KEY_STORAGE = 'steadychat.gatewayKey';

/** An error answered by the gateway in OpenAI's envelope, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(message, { status = 0, code = null, type = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.type = type;
  }
}

export function loadKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

export function saveKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled: the key lives for this page only.
  }
  memoryKey = key;
}

let memoryKey = loadKey();

function headers(extra) {
  const out = { accept: 'application/json', ...extra };
  const key = memoryKey || loadKey();
  if (key) out.authorization = `Bearer ${key}`;
  return out;
}

async function errorFrom(response) {
  let message = `HTTP ${response.status}`;
  let code = null;
  let type = null;
  try {
    const body = await response.json();
    if (body && typeof body === 'object' && body.error) {
      message = body.error.message || message;
      code = body.error.code ?? null;
      type = body.error.type ?? null;
    }
  } catch {
    // Not JSON (a proxy's error page): keep the status line.
  }
  return new ApiError(message, { status: response.status, code, type });
}

async function send(method, path, body, signal) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
    });
  } catch (cause) {
    if (cause?.name === 'AbortError') throw cause;
    throw new ApiError(cause?.message || 'network error');
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function getJson(path, signal) {
  const response = await send('GET', path, undefined, signal);
  return response.json();
}

export async function sendJson(method, path, body) {
  const response = await send(method, path, body);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * POSTs `body` and reads the reply as server-sent events, calling `onEvent` with each parsed
 * `data:` payload as it arrives. Resolves when the stream ends; rejects with AbortError on abort.
 */
export async function streamEvents(path, body, { signal, onEvent }) {
  const response = await send('POST', path, body, signal);
  const type = response.headers.get('content-type') || '';
  if (!type.includes('text/event-stream')) {
    // A non-streaming answer (e.g. a proxy that buffered): treat the JSON as one event.
    onEvent(await response.json());
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let boundary = nextBoundary(buffer);
    while (boundary) {
      const raw = buffer.slice(0, boundary.index);
      buffer = buffer.slice(boundary.index + boundary.length);
      dispatch(raw, onEvent);
      boundary = nextBoundary(buffer);
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) dispatch(buffer, onEvent);
}

function nextBoundary(buffer) {
  const match = /\r?\n\r?\n|\r\r/.exec(buffer);
  return match ? { index: match.index, length: match[0].length } : null;
}

function dispatch(raw, onEvent) {
  const data = [];
  for (const line of raw.split(/\r?\n|\r/)) {
    if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
  }
  if (data.length === 0) return; // comments (keep-alives) and named events without data
  const payload = data.join('\n');
  if (payload === '[DONE]') return;
  let event;
  try {
    event = JSON.parse(payload);
  } catch {
    return;
  }
  onEvent(event);
}
