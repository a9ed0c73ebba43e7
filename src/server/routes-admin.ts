import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseMoney } from '../usage/index.js';
import type { GatewayContext } from './gateway-context.js';
import { GatewayError } from './gateway-error.js';
import type { KeyStore, NewGatewayKey } from './key-store.js';

/** Limits of a new key, as the CLI and the admin API take them. */
export interface KeyLimitsInput extends NewGatewayKey {
  /** Tokens per day for this key. */
  dailyTokens?: number;
  /** Money per month for this key, e.g. `10USD`. */
  monthlyCost?: string;
}

/** Creates a key and its budgets (daily tokens, monthly cost) in the store. */
export async function createGatewayKey(
  keys: KeyStore,
  book: GatewayContext['services']['book'],
  input: KeyLimitsInput,
): Promise<Awaited<ReturnType<KeyStore['create']>>> {
  const monthlyCost = input.monthlyCost === undefined ? undefined : parseMoney(input.monthlyCost);
  const created = await keys.create(input);
  if (input.dailyTokens !== undefined) {
    await book.setLimit({ scope: 'key', scopeId: created.key.id, period: 'day', tokens: input.dailyTokens });
  }
  if (monthlyCost !== undefined) {
    await book.setLimit({ scope: 'key', scopeId: created.key.id, period: 'month', cost: monthlyCost });
  }
  return created;
}

/** `/admin`: key management, with the admin key (`STEADYCHAT_ADMIN_KEY`). */
export function registerAdminRoutes(
  app: FastifyInstance,
  ctx: GatewayContext,
  onKeysChanged: () => void,
): void {
  const admin = ctx.settings.gateway.adminKey;
  const check = (request: FastifyRequest) => {
    if (!admin) {
      throw new GatewayError(
        403,
        'admin_disabled',
        'The admin API is off: set STEADYCHAT_ADMIN_KEY on the gateway to use it.',
        { type: 'invalid_request_error' },
      );
    }
    const given = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim() ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(admin);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new GatewayError(
        401,
        'invalid_admin_key',
        'This route needs the admin key: Authorization: Bearer <STEADYCHAT_ADMIN_KEY>.',
      );
    }
  };

  app.get('/admin/keys', async (request) => {
    check(request);
    return { data: await ctx.keys.list() };
  });

  app.post('/admin/keys', async (request, reply) => {
    check(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body.name !== 'string' || body.name.trim() === '') {
      throw new GatewayError(400, 'missing_required_parameter', "Missing required parameter: 'name'.", {
        param: 'name',
      });
    }
    const input: KeyLimitsInput = { name: body.name.trim() };
    const num = (field: string) => {
      const v = body[field];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new GatewayError(400, 'invalid_value', `'${field}' must be a non-negative number.`, {
          param: field,
        });
      }
      return v;
    };
    const rpm = num('rpm');
    const tpm = num('tpm');
    const maxTokens = num('maxTokens');
    const maxMessages = num('maxMessages');
    const dailyTokens = num('dailyTokens');
    if (rpm !== undefined) input.rpm = rpm;
    if (tpm !== undefined) input.tpm = tpm;
    if (maxTokens !== undefined) input.maxTokens = maxTokens;
    if (maxMessages !== undefined) input.maxMessages = maxMessages;
    if (dailyTokens !== undefined) input.dailyTokens = dailyTokens;
    if (typeof body.monthlyCost === 'string' || typeof body.monthlyCost === 'number')
      input.monthlyCost = String(body.monthlyCost);
    if (Array.isArray(body.models))
      input.models = body.models.filter((m): m is string => typeof m === 'string');
    let created: Awaited<ReturnType<typeof createGatewayKey>>;
    try {
      created = await createGatewayKey(ctx.keys, ctx.services.book, input);
    } catch (error) {
      if ((error as { code?: string }).code === 'invalid_budget') {
        throw new GatewayError(400, 'invalid_value', (error as Error).message, { param: 'monthlyCost' });
      }
      throw error;
    }
    onKeysChanged();
    return reply.code(201).send({ ...created.key, key: created.secret });
  });

  app.delete<{ Params: { id: string } }>('/admin/keys/:id', async (request, reply) => {
    check(request);
    const revoked = await ctx.keys.revoke(request.params.id);
    if (!revoked)
      throw new GatewayError(404, 'key_not_found', `No live key with id ${request.params.id}.`, {
        param: 'id',
      });
    onKeysChanged();
    return reply.code(204).send();
  });
}
