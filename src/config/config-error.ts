import { SteadyChatError } from '../errors/index.js';
import type { SettingKey, SettingSource } from './settings.js';

/** One thing wrong with the settings. */
export interface ConfigProblem {
  /** The setting concerned, or a dotted config-file key / the file itself for file-level problems. */
  key: SettingKey | string;
  /** Where the bad value came from. */
  source: SettingSource;
  /** Names the variable (or file and key), says what is wrong and gives an example of a good value. */
  message: string;
  /** The same in Chinese. */
  messageZh: string;
}

/**
 * The settings cannot be used: every problem found (not just the first) is listed in the message,
 * each naming the variable or file and key, the problem and an example of a good value.
 */
export class ConfigError extends SteadyChatError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: { cause?: unknown } = {}) {
    const hint = 'Fix the values above, then run `steadychat config` to check the effective settings.';
    super('config_invalid', ConfigError.format(problems, 'en'), { ...options, hint });
    this.problems = problems;
  }

  /** The message in the user's language (the CLI calls this). */
  localized(lang: string): string {
    return ConfigError.format(this.problems, lang === 'zh' ? 'zh' : 'en');
  }

  private static format(problems: readonly ConfigProblem[], lang: 'en' | 'zh'): string {
    const lines = problems.map((p) => `  - ${lang === 'zh' ? p.messageZh : p.message}`);
    if (lang === 'zh') {
      return [
        `配置有误（${problems.length} 处）：`,
        ...lines,
        '改正以上取值后，运行 `steadychat config` 查看生效的配置。',
      ].join('\n');
    }
    const head =
      problems.length === 1
        ? 'Invalid setting (1 problem):'
        : `Invalid settings (${problems.length} problems):`;
    return [
      head,
      ...lines,
      'Fix the values above, then run `steadychat config` to check the effective settings.',
    ].join('\n');
  }
}
