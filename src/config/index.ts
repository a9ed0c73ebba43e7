export { ConfigError, type ConfigProblem } from './config-error.js';
export { configFileSchema } from './config-file-schema.js';
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  SECRET_LOG_FIELDS,
  SECRET_LOG_HEADERS,
} from './create-logger.js';
export { describeSettings, type SettingRow, settingsSecrets } from './describe-settings.js';
export { type LoadSettingsOptions, loadSettings } from './load-settings.js';
export { maskKeyShapedTokens, maskSecret, maskUrl, redactSecrets } from './mask-secret.js';
export type {
  ConfigWarning,
  FileSections,
  LogLevel,
  SettingKey,
  SettingOrigin,
  SettingSource,
  Settings,
  SettingsInput,
} from './settings.js';
