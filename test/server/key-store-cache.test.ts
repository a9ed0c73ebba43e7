import { describe, expect, it } from 'vitest';
import { createKeyStore } from '../../src/server/index.js';
import { freshStores } from '../usage/databases.js';

describe('gateway key store: the verified-key cache', () => {
  const fresh = freshStores('sqlite');

  it('knows a key without the store only after verify, for the cache time, and never once revoked', async () => {
    const { store } = await fresh();
    let now = Date.UTC(2026, 10, 26, 9);
    const keys = createKeyStore(store.db, { cacheMs: 2000, now: () => now });
    const { secret, key } = await keys.create({ name: 'cached' });

    // Never verified: the caller must ask the store.
    expect(keys.cached(secret)).toBeUndefined();
    expect((await keys.verify(secret))?.id).toBe(key.id);
    expect(keys.cached(secret)?.id).toBe(key.id);

    // Not a key at all, or another one: nothing cached.
    expect(keys.cached('sc-not-a-real-key')).toBeUndefined();
    expect(keys.cached(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();

    // The cache time passes: ask the store again.
    now += 2001;
    expect(keys.cached(secret)).toBeUndefined();
    expect((await keys.verify(secret))?.id).toBe(key.id);
    expect(keys.cached(secret)?.id).toBe(key.id);

    // Revoked through this store: forgotten at once, and verify refuses it.
    expect(await keys.revoke(key.id)).toBe(true);
    expect(keys.cached(secret)).toBeUndefined();
    expect(await keys.verify(secret)).toBeNull();
  });
});
