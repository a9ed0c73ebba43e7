import { readFileSync } from 'node:fs';

/** A JSON text that does not parse, located for a human. */
export interface JsonSyntaxProblem {
  line: number;
  column: number;
  /** What is wrong there and how to fix it. */
  problem: { en: string; zh: string };
}

export type ReadResult =
  | { ok: true; data: unknown }
  | { ok: false; missing: true }
  | { ok: false; missing: false; syntax?: JsonSyntaxProblem; ioError?: string };

/** Read and parse a JSON config file; a syntax error comes back located, with what to fix. */
export function readJsonFile(file: string): ReadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, missing: true };
    return { ok: false, missing: false, ioError: code ?? String(error) };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { ok: true, data: JSON.parse(text) };
  } catch {
    return { ok: false, missing: false, syntax: locateJsonError(text) };
  }
}

/**
 * Locate a JSON syntax error: where it is (line, column) and a hint that names the usual mistakes.
 * The position comes from our own scan, since V8's messages do not always carry one.
 */
export function locateJsonError(text: string): JsonSyntaxProblem {
  const offset = firstErrorOffset(text);
  const { line, column } = lineColumn(text, offset);
  return { line, column, problem: explain(text, offset) };
}

/** Offset of the first character that makes `text` invalid JSON (its length when it ends early). */
function firstErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(i);
      i++;
    }
  };
  const string = () => {
    if (text[i] !== '"') fail(i);
    i++;
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail(i);
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i);
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
        else fail(i);
      } else if ((ch.codePointAt(0) ?? 0) < 0x20) fail(i);
      else i++;
    }
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail(i);
    i += match?.[0].length ?? 0;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ':') fail(i);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(i);
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(i);
      }
    }
    if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else if (ch !== undefined && /[-\d]/.test(ch)) number();
    else fail(i);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(i);
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length);
    throw at;
  }
  return text.length;
}

function explain(text: string, offset: number): { en: string; zh: string } {
  const here = text[offset];
  const before = text.slice(0, offset).trimEnd();
  if (offset >= text.trimEnd().length) {
    return {
      en: 'the file ends too early: a closing } or ] or " is missing',
      zh: '文件提前结束：缺少 }、] 或 "',
    };
  }
  if ((here === '}' || here === ']') && before.endsWith(',')) {
    return {
      en: 'remove the trailing comma before it (JSON allows none)',
      zh: '删除它前面多余的逗号（JSON 不允许结尾逗号）',
    };
  }
  if (here === '/' || here === '#') {
    return { en: 'JSON allows no comments: remove them', zh: 'JSON 不允许注释：请删除' };
  }
  if (here === "'") {
    return { en: 'use double quotes (") instead of single quotes', zh: '用双引号（"）代替单引号' };
  }
  if (here !== undefined && /[A-Za-z_$]/.test(here) && (before.endsWith('{') || before.endsWith(','))) {
    return { en: 'put the property name in double quotes', zh: '属性名需要加双引号' };
  }
  if (here === '"' && /["}\]\d]$|true$|false$|null$/.test(before)) {
    return { en: 'a comma is missing before it', zh: '它前面缺少逗号' };
  }
  return {
    en: `unexpected ${here === undefined ? 'end' : JSON.stringify(here)}: check for a missing comma, quote or bracket`,
    zh: `意外的 ${here === undefined ? '结尾' : JSON.stringify(here)}：检查是否缺少逗号、引号或括号`,
  };
}

/** Thrown with the offending offset; caught by `firstErrorOffset`. */
function fail(at: number): never {
  throw at;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const upto = text.slice(0, offset);
  const lines = upto.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
