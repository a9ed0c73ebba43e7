import type { VaultSnapshot } from './vault.js';

/**
 * Where the redaction stage keeps one vault per conversation. The conversation store persists it;
 * the default keeps it in memory for the life of the process.
 */
export interface VaultStore {
  load(conversationId: string): Promise<VaultSnapshot | undefined>;
  save(conversationId: string, snapshot: VaultSnapshot): Promise<void>;
}

/** An in-memory {@link VaultStore} (snapshots are copied in and out). */
export function createMemoryVaultStore(): VaultStore {
  const vaults = new Map<string, string>();
  return {
    async load(id) {
      const json = vaults.get(id);
      return json === undefined ? undefined : (JSON.parse(json) as VaultSnapshot);
    },
    async save(id, snapshot) {
      vaults.set(id, JSON.stringify(snapshot));
    },
  };
}
