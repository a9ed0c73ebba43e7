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
  } catch (error) {
    return { ok: false, missing: false, syntax: locateJsonError(text, (error as Error).message) };
  }
}

/** Turn V8's "… at position N" into a line, a column and a hint that names the usual mistakes. */
export function locateJsonError(text: string, message: string): JsonSyntaxProblem {
  const position = /position (\d+)/.exec(message);
  let offset = position ? Number(position[1]) : text.length;
  if (!position && /line (\d+) column (\d+)/.test(message)) {
    const [, l, c] = /line (\d+) column (\d+)/.exec(message) ?? [];
    offset = offsetOf(text, Number(l), Number(c));
  }
  const { line, column } = lineColumn(text, offset);
  return { line, column, problem: explain(text, offset) };
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

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const upto = text.slice(0, offset);
  const lines = upto.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += (lines[i]?.length ?? 0) + 1;
  return offset + column - 1;
}
