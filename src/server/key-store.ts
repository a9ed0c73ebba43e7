import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, GatewayKeysTable } from '../store/index.js';

/** A gateway key as stored (never the secret itself). */
export interface GatewayKey {
  id: string;
  name: string;
  /** The first characters of the secret, e.g. `sc-3fa9c1`, to recognise it in lists. */
  prefix: string;
  /** Models the key may use; null for any. */
  models: string[] | null;
  /** Requests per minute; null for no limit. */
  rpm: number | null;
  /** Tokens per minute; null for no limit. */
  tpm: number | null;
  /** Largest `max_tokens` a request may ask for; null for the gateway's default. */
  maxTokens: number | null;
  /** Most messages in one request; null for the gateway's default. */
  maxMessages: number | null;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** What a new key is allowed. */
export interface NewGatewayKey {
  name: string;
  models?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  maxTokens?: number | null;
  maxMessages?: number | null;
}

/** Gateway keys in the store: created once (the secret is shown once), verified by hash, revoked. */
export interface KeyStore {
  /** Creates a key; `secret` is returned this once and never stored. */
  create(input: NewGatewayKey): Promise<{ key: GatewayKey; secret: string }>;
  /** Every key, newest first (revoked ones included). */
  list(): Promise<GatewayKey[]>;
  get(id: string): Promise<GatewayKey | null>;
  /** @returns whether a live key was revoked. */
  revoke(id: string): Promise<boolean>;
  /** The live key this secret belongs to, or null (unknown or revoked). */
  verify(secret: string): Promise<GatewayKey | null>;
  /**
   * The key this secret belongs to when `verify` found it live within the cache time (without touching
   * the store: a busy gateway authenticates most calls this way), else undefined (ask `verify`).
   */
  cached(secret: string): GatewayKey | undefined;
  /** How many live keys exist. */
  countActive(): Promise<number>;
  /**
   * Forgets every cached key and counts as a change: keys were created or revoked elsewhere (another
   * worker of the same gateway), so the next calls ask the store.
   */
  forget(): void;
  /** Increases with every key created or revoked through this object, and with `forget()` (to invalidate caches). */
  readonly version: number;
}

/** Options of {@link createKeyStore}. */
export interface KeyStoreOptions {
  /**
   * How long a verified key is trusted without asking the store again (other instances' revocations
   * take effect within this time; this instance's at once).
   * @default 2000
   */
  cacheMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** Called after this object created or revoked a key (e.g. to tell other workers). */
  onChange?: () => void;
}

const KEY_PATTERN = /^sc-[A-Za-z0-9_-]{20,100}$/;

/** SHA-256 of a secret, hex. Keys are 192 random bits, so a fast hash is enough (no password stretching). */
export function hashKey(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** The gateway keys of a store. */
export function createKeyStore(db: Kysely<Database>, options: KeyStoreOptions = {}): KeyStore {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 2000;
  const cache = new Map<string, { key: GatewayKey; until: number }>();
  const lastTouched = new Map<string, number>();
  let version = 0;
  /** The key verified under this hash within the cache time, if any. */
  const fresh = (hash: string, t: number): GatewayKey | undefined => {
    const entry = cache.get(hash);
    return entry && entry.until > t ? entry.key : undefined;
  };

  return {
    get version() {
      return version;
    },
    async create(input) {
      const secret = `sc-${randomBytes(24).toString('base64url')}`;
      const id = `key_${randomBytes(8).toString('hex')}`;
      const row: GatewayKeysTable = {
        id,
        name: input.name,
        prefix: secret.slice(0, 9),
        hash: hashKey(secret),
        models: input.models && input.models.length > 0 ? JSON.stringify(input.models) : null,
        rpm: input.rpm ?? null,
        tpm: input.tpm ?? null,
        max_tokens: input.maxTokens ?? null,
        max_messages: input.maxMessages ?? null,
        created_at: now(),
        revoked_at: null,
        last_used_at: null,
      };
      await db.insertInto('gateway_keys').values(row).execute();
      version++;
      options.onChange?.();
      return { key: fromRow(row), secret };
    },
    async list() {
      const rows = await db.selectFrom('gateway_keys').selectAll().orderBy('created_at', 'desc').execute();
      return rows.map(fromRow);
    },
    async get(id) {
      const row = await db.selectFrom('gateway_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async revoke(id) {
      const result = await db
        .updateTable('gateway_keys')
        .set({ revoked_at: now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      for (const [hash, entry] of cache) if (entry.key.id === id) cache.delete(hash);
      version++;
      options.onChange?.();
      return Number(result.numUpdatedRows) > 0;
    },
    forget() {
      cache.clear();
      version++;
    },
    cached(secret) {
      return KEY_PATTERN.test(secret) ? fresh(hashKey(secret), now()) : undefined;
    },
    async verify(secret) {
      if (!KEY_PATTERN.test(secret)) return null;
      const hash = hashKey(secret);
      const t = now();
      const cached = fresh(hash, t);
      if (cached) return cached;
      const row = await db.selectFrom('gateway_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
      // The lookup is by hash; compare again in constant time so no timing depends on the secret.
      if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
      if (row.revoked_at !== null) {
        cache.delete(hash);
        return null;
      }
      const key = fromRow(row);
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { key, until: t + cacheMs });
      // Last use is written at most once a minute per key.
      if ((lastTouched.get(key.id) ?? 0) + 60_000 < t) {
        lastTouched.set(key.id, t);
        if (lastTouched.size > 10_000) lastTouched.clear();
        await db.updateTable('gateway_keys').set({ last_used_at: t }).where('id', '=', key.id).execute();
      }
      return key;
    },
    async countActive() {
      const row = await db
        .selectFrom('gateway_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}

function fromRow(row: GatewayKeysTable): GatewayKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    models: row.models ? (JSON.parse(row.models) as string[]) : null,
    rpm: row.rpm === null ? null : Number(row.rpm),
    tpm: row.tpm === null ? null : Number(row.tpm),
    maxTokens: row.max_tokens === null ? null : Number(row.max_tokens),
    maxMessages: row.max_messages === null ? null : Number(row.max_messages),
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}
