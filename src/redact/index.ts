export { detectPii } from './detect-pii.js';
export { foldWidth } from './fold-width.js';
export { InvalidRedactConfigError } from './invalid-redact-config-error.js';
export { PiiBlockedError } from './pii-blocked-error.js';
export type { RedactConfig } from './redact-config.js';
export { parseRedactConfig } from './redact-config.js';
export type { RedactedRequest } from './redact-request.js';
export { redactRequest } from './redact-request.js';
export type { RedactReport, RedactStageOptions } from './redact-stage.js';
export { createRedactStage } from './redact-stage.js';
export type { RedactedFinding, RedactOptions, RedactResult } from './redact-text.js';
export { actionFor, redactText } from './redact-text.js';
export { restoreCompletion, restoreStream } from './restore-response.js';
export type { RestoreOptions, Restorer } from './restore-text.js';
export { createRestorer, restoreText } from './restore-text.js';
export type {
  BuiltInPiiType,
  CustomPattern,
  DenyEntry,
  DetectOptions,
  PiiAction,
  PiiFinding,
  PiiType,
} from './types.js';
export { BUILT_IN_TYPES } from './types.js';
export type { Vault, VaultEntry, VaultSnapshot } from './vault.js';
export { createVault } from './vault.js';
export type { VaultStore } from './vault-store.js';
export { createMemoryVaultStore } from './vault-store.js';
