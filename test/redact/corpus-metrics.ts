import { readFileSync } from 'node:fs';

export interface GoldSpan {
  type: string;
  start: number;
  end: number;
}
export interface CorpusCase {
  id: string;
  lang: 'zh' | 'en';
  kind: 'positive' | 'negative';
  text: string;
  spans: GoldSpan[];
}
export interface FoundSpan {
  type?: string;
  start: number;
  end: number;
}
export interface TypeMetrics {
  gold: number;
  found: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  /** PII characters (non-space) of gold spans left uncovered by any finding, over all gold characters. */
  leakRate: number;
  leakedChars: number;
}

/**
 * The corpus file writes the signatures of OpenAI keys (`T3BlbkFJ`) and AWS key ids (`AKIA`) as
 * same-length stand-ins, so that its made-up secrets are not mistaken for leaked real ones by secret
 * scanners; spans are unchanged. `loadCorpus` puts the real signatures back.
 */
export const SECRET_SIGNATURE_STAND_INS: ReadonlyArray<readonly [real: string, standIn: string]> = [
  ['T3BlbkFJ', 'T3Bl*kFJ'],
  ['AKIA', 'AK*A'],
];

export function loadCorpus(): CorpusCase[] {
  const file = new URL('../fixtures/pii-corpus/corpus.jsonl', import.meta.url);
  let text = readFileSync(file, 'utf8');
  for (const [real, standIn] of SECRET_SIGNATURE_STAND_INS) text = text.replaceAll(standIn, real);
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as CorpusCase);
}

function iou(a: FoundSpan, b: FoundSpan): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union === 0 ? 0 : inter / union;
}

function finish(m: Omit<TypeMetrics, 'precision' | 'recall' | 'leakRate'>, goldChars: number): TypeMetrics {
  return {
    ...m,
    precision: m.found === 0 ? 1 : m.tp / m.found,
    recall: m.gold === 0 ? 1 : (m.gold - m.fn) / m.gold,
    leakRate: goldChars === 0 ? 0 : m.leakedChars / goldChars,
  };
}

/**
 * Span-level scores. With `typed`, a finding counts only against gold spans of its own type; without,
 * any type matches (the "any PII" score used to compare with libraries that name types differently).
 * A finding matches a gold span when their intersection over union is at least 0.5.
 */
export function score(
  corpus: readonly CorpusCase[],
  find: (text: string) => FoundSpan[],
  typed: boolean,
): { overall: TypeMetrics; byType: Record<string, TypeMetrics> } {
  const raw = new Map<
    string,
    Omit<TypeMetrics, 'precision' | 'recall' | 'leakRate'> & { goldChars: number }
  >();
  const bucket = (t: string) => {
    let b = raw.get(t);
    if (!b) {
      b = { gold: 0, found: 0, tp: 0, fp: 0, fn: 0, leakedChars: 0, goldChars: 0 };
      raw.set(t, b);
    }
    return b;
  };
  for (const c of corpus) {
    const found = find(c.text);
    const covered = new Uint8Array(c.text.length);
    for (const f of found) covered.fill(1, f.start, f.end);
    const matchedGold = new Set<number>();
    for (const f of found) {
      const t = typed ? (f.type ?? '?') : 'ANY';
      const b = bucket(t);
      b.found++;
      const hit = c.spans.findIndex((g) => (!typed || g.type === f.type) && iou(f, g) >= 0.5);
      if (hit >= 0) {
        b.tp++;
        matchedGold.add(hit);
      } else b.fp++;
    }
    c.spans.forEach((g, i) => {
      const b = bucket(typed ? g.type : 'ANY');
      b.gold++;
      if (!matchedGold.has(i)) b.fn++;
      for (let k = g.start; k < g.end; k++) {
        if (/\s/.test(c.text[k] as string)) continue;
        b.goldChars++;
        if (covered[k] !== 1) b.leakedChars++;
      }
    });
  }
  const byType: Record<string, TypeMetrics> = {};
  const total = { gold: 0, found: 0, tp: 0, fp: 0, fn: 0, leakedChars: 0 };
  let goldChars = 0;
  for (const [t, b] of [...raw].sort(([a], [b]) => a.localeCompare(b))) {
    const { goldChars: gc, ...m } = b;
    byType[t] = finish(m, gc);
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += m[k];
    goldChars += gc;
  }
  return { overall: finish(total, goldChars), byType };
}
