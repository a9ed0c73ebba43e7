import type { Stage } from '../pipeline/index.js';
import { redactRequest } from './redact-request.js';
import type { RedactOptions } from './redact-text.js';
import { restoreCompletion, restoreStream } from './restore-response.js';
import { createVault } from './vault.js';
import { createMemoryVaultStore, type VaultStore } from './vault-store.js';

/** What the stage found in one call: counts per type, never values. For logs and the ledger. */
export interface RedactReport {
  requestId: string;
  conversationId?: string;
  counts: Record<string, number>;
}

/** Options of {@link createRedactStage}. */
export interface RedactStageOptions extends Omit<RedactOptions, 'vault' | 'field'> {
  /**
   * Where each conversation's vault lives (calls without `context.conversationId` get a vault of
   * their own). @default an in-memory store for the life of the stage
   */
  vaultStore?: VaultStore;
  /** Called once per call with the counts per type (after redaction, before the upstream call). */
  onReport?: (report: RedactReport) => void;
}

/**
 * The PII guard as a pipeline stage: every text of the request is redacted into a copy (stable
 * placeholders per conversation, one-way redaction of secrets, `block` refusing the call with
 * `PiiBlockedError`), and the answer is restored: the completion at once, a stream chunk by chunk.
 * A call whose `options.redact` is `false` passes through untouched.
 */
export function createRedactStage(options: RedactStageOptions = {}): Stage {
  const { vaultStore = createMemoryVaultStore(), onReport, ...redactOptions } = options;
  // Load → redact → save is serialised per conversation so concurrent turns never reuse a number.
  const locks = new Map<string, Promise<unknown>>();
  const withLock = async <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const previous = locks.get(id) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    locks.set(id, settled);
    try {
      return await run;
    } finally {
      if (locks.get(id) === settled) locks.delete(id);
    }
  };

  return async (call, next) => {
    if (call.options.redact === false) return next(call);
    const conversationId = call.context.conversationId;
    const prepare = async () => {
      const snapshot = conversationId === undefined ? undefined : await vaultStore.load(conversationId);
      const vault = createVault(snapshot);
      const before = vault.size;
      const redacted = redactRequest(call.request, vault, redactOptions);
      if (conversationId !== undefined && vault.size !== before)
        await vaultStore.save(conversationId, vault.toJSON());
      return { vault, redacted };
    };
    const { vault, redacted } =
      conversationId === undefined ? await prepare() : await withLock(conversationId, prepare);
    const report: RedactReport = { requestId: call.context.requestId, counts: redacted.counts };
    if (conversationId !== undefined) report.conversationId = conversationId;
    onReport?.(report);

    const response = await next({ ...call, request: redacted.request });
    if (response.type === 'completion') {
      return { ...response, completion: restoreCompletion(response.completion, vault) };
    }
    return { ...response, stream: restoreStream(response.stream, vault) };
  };
}
