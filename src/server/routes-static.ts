import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { envelope } from './error-response.js';

/** The page's Content-Security-Policy: nothing inline, nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** `/` (index.html) and `/assets/*` from the web folder, with strict security headers. */
export function registerStaticRoutes(app: FastifyInstance, root: string): void {
  const send = async (reply: FastifyReply, relative: string) => {
    const path = normalize(join(root, relative));
    if (!path.startsWith(root.endsWith(sep) ? root : root + sep)) return notFound(reply, relative);
    const type = TYPES[extname(path).toLowerCase()];
    try {
      if (!type || !(await stat(path)).isFile()) return notFound(reply, relative);
      const body = await readFile(path);
      return reply
        .header('content-type', type)
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-cache')
        .send(body);
    } catch {
      return notFound(reply, relative);
    }
  };
  app.get('/', (_request, reply) => send(reply, 'index.html'));
  app.get('/index.html', (_request, reply) => send(reply, 'index.html'));
  app.get<{ Params: { '*': string } }>('/assets/*', (request, reply) =>
    send(reply, join('assets', request.params['*'])),
  );
  app.get('/favicon.ico', (_request, reply) => send(reply, 'favicon.ico'));
}

function notFound(reply: FastifyReply, path: string) {
  return reply
    .code(404)
    .send(envelope(`No file ${path} in the web page.`, 'invalid_request_error', null, 'not_found'));
}
