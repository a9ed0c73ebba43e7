import { formatPlaceholder, placeholderKey } from './placeholder-syntax.js';

/** One remembered value. `key` is the normalised value (one value, one placeholder). */
export interface VaultEntry {
  type: string;
  index: number;
  key: string;
  value: string;
}

/** The JSON form of a vault, for storage beside the conversation. It holds real values: keep it server-side. */
export interface VaultSnapshot {
  version: 1;
  entries: VaultEntry[];
}

/**
 * The placeholder ↔ value map of one conversation (or one request): the same value always gets
 * the same placeholder, numbered per type in order of first sight, across turns.
 */
export interface Vault {
  /** The placeholder of this value, allocating the next number of its type on first sight. */
  placeholderFor(type: string, key: string, value: string): string;
  /** The value behind a placeholder, matched tolerantly on type (case, `_`/space/`-`) and number. */
  resolve(type: string, index: string | number): string | undefined;
  /** Number of entries. */
  readonly size: number;
  toJSON(): VaultSnapshot;
}

class MemoryVault implements Vault {
  /** Created on the first value: a vault per request often never holds one. */
  private byValue: Map<string, VaultEntry> | undefined;
  /** Built on the first `resolve` (redacting alone never needs it). */
  private byPlaceholder: Map<string, VaultEntry> | undefined;
  /** The last number given per type (an object without prototype: cheaper to create than a second map). */
  private counters: Record<string, number> | undefined;
  private readonly entries: VaultEntry[] = [];

  constructor(snapshot?: VaultSnapshot) {
    for (const e of snapshot?.entries ?? []) this.add({ ...e });
  }

  private add(e: VaultEntry): void {
    this.entries.push(e);
    this.byValue ??= new Map();
    this.byValue.set(`${e.type}\u0000${e.key}`, e);
    this.byPlaceholder?.set(placeholderKey(e.type, e.index), e);
    this.counters ??= Object.create(null) as Record<string, number>;
    this.counters[e.type] = Math.max(this.counters[e.type] ?? 0, e.index);
  }

  placeholderFor(type: string, key: string, value: string): string {
    const known = this.byValue?.get(`${type}\u0000${key}`);
    if (known) return formatPlaceholder(type, known.index);
    const index = (this.counters?.[type] ?? 0) + 1;
    this.add({ type, index, key, value });
    return formatPlaceholder(type, index);
  }

  resolve(type: string, index: string | number): string | undefined {
    if (this.byPlaceholder === undefined) {
      this.byPlaceholder = new Map();
      for (const e of this.entries) this.byPlaceholder.set(placeholderKey(e.type, e.index), e);
    }
    return this.byPlaceholder.get(placeholderKey(type, index))?.value;
  }

  get size(): number {
    return this.entries.length;
  }

  toJSON(): VaultSnapshot {
    return { version: 1, entries: this.entries.map((e) => ({ ...e })) };
  }
}

/** A new vault, or one restored from its JSON snapshot. */
export function createVault(snapshot?: VaultSnapshot): Vault {
  return new MemoryVault(snapshot);
}
