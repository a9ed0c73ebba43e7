import type { Readable, Writable } from 'node:stream';

/** Everything a command touches outside itself; the entry point passes the real process's. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: Record<string, string | undefined>;
  cwd: string;
}

export type Lang = 'en' | 'zh';

/** `--lang` wins; then `STEADYCHAT_LANG`; else a Chinese `LC_ALL` / `LC_MESSAGES` / `LANG` means Chinese. */
export function detectLang(env: Record<string, string | undefined>, flag?: string): Lang {
  if (flag === 'zh' || flag === 'en') return flag;
  const configured = env.STEADYCHAT_LANG?.trim() ?? '';
  if (/^(zh|en)([-_]|$)/i.test(configured)) return configured.slice(0, 2).toLowerCase() as Lang;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(locale) ? 'zh' : 'en';
}

/** Pick the message in the user's language. */
export function t(lang: Lang, en: string, zh: string): string {
  return lang === 'zh' ? zh : en;
}
