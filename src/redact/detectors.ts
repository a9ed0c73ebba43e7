import { isIPv6 } from 'node:net';
import { Metadata, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import {
  IBAN_LENGTHS,
  ibanValid,
  luhnValid,
  orgCodeCheckChar,
  usccCheckChar,
  validCnId15,
  validCnId18,
  validProvince,
} from './checksums.js';
import { hasPositiveWord, POSITIVE_WORDS } from './context-words.js';
import { GATE, Positions, RUN, type TextStats } from './text-stats.js';

/** Copied once: the detectors read it in their loops. */
const RUN_SIZE = RUN.size;

/** A scored span before context, threshold and overlap resolution. */
export interface Candidate {
  type: string;
  start: number;
  end: number;
  score: number;
  /** Normalised value: one value, one placeholder (e.g. a phone's 11 digits whatever its separators). */
  key: string;
  priority: number;
}

export type { TextStats };

export interface DetectEnv {
  readonly now: Date;
  readonly stats: TextStats;
  readonly threshold: number;
}

/** One kind of finding: candidates on the width-folded text, validated and given a base score. */
export interface Detector {
  type: string;
  priority: number;
  positive: readonly string[];
  /** Whether business-number words (订单号, tracking …) lower the score. */
  negatives: boolean;
  /** {@link GATE} bit: `find` is called only when the scan of the text set it. */
  gate: number;
  find(folded: string, env: DetectEnv): readonly Candidate[];
}

/** Returned when a detector's quick gate says there is nothing to find (never mutated). */
const NONE: readonly Candidate[] = [];

interface Validated {
  score: number;
  key: string;
  start?: number;
  end?: number;
}

interface RegexSpec {
  type: string;
  priority: number;
  re: RegExp;
  /** {@link GATE} bit that the scan must set for the detector to run (most messages have no such data). */
  gate: number;
  /** A further cheap test of the text before the regex runs. */
  quick?: (folded: string) => boolean;
  negatives?: boolean;
  /**
   * The highest score a candidate can have before context: when it is below the threshold, the
   * detector is skipped unless one of its positive words occurs somewhere in the text.
   */
  maxBase?: number;
  validate: (m: RegExpExecArray, folded: string, env: DetectEnv) => Validated | null;
}

/** What every built-in detector declares besides its search: type, priority, context words, gate. */
function detectorFields(spec: {
  type: string;
  priority: number;
  gate: number;
  negatives?: boolean;
}): Omit<Detector, 'find'> {
  return {
    type: spec.type,
    priority: spec.priority,
    positive: POSITIVE_WORDS[spec.type] ?? [],
    negatives: spec.negatives ?? true,
    gate: spec.gate,
  };
}

/** All regexes here are linear: bounded quantifiers or single-class runs, and look-behinds that only let a match start at the beginning of a run. */
function regexDetector(spec: RegexSpec): Detector {
  const { type, priority } = spec;
  const common = detectorFields(spec);
  const { positive } = common;
  return {
    ...common,
    find(folded, env) {
      if (spec.quick && !spec.quick(folded)) return NONE;
      if (spec.maxBase !== undefined && spec.maxBase < env.threshold && !hasPositiveWord(folded, positive)) {
        return NONE;
      }
      const out: Candidate[] = [];
      // One compiled regex per detector: detection is synchronous, so lastIndex cannot be shared.
      const re = spec.re;
      re.lastIndex = 0;
      for (let m = re.exec(folded); m !== null; m = re.exec(folded)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const v = spec.validate(m, folded, env);
        if (v === null) continue;
        const start = v.start ?? m.index;
        const end = v.end ?? m.index + m[0].length;
        out.push({ type, start, end, score: v.score, key: v.key, priority });
      }
      return out;
    },
  };
}

interface AnchoredSpec {
  type: string;
  priority: number;
  /** Tried (sticky, flag `y`) at each start only, never over the whole text. */
  re: RegExp;
  /** {@link GATE} bit that the scan must set for the detector to run (most messages have no such data). */
  gate: number;
  /**
   * Every position where a match can start (a superset, in text order), read from the scan. The
   * matches are those the expression would find searching the whole text: a start inside the
   * previous match is skipped, as a global search would skip it.
   */
  starts: (folded: string, stats: TextStats, out: Positions) => void;
  negatives?: boolean;
  /** As in {@link RegexSpec.maxBase}. */
  maxBase?: number;
  /** The score and key of the matched `value` at `start`, or null when it is not valid. */
  check: (value: string, start: number, env: DetectEnv) => Validated | null;
}

/**
 * A detector whose expression is tried only where the scan says a match can start. Linear: each
 * expression is bounded, and the starts are at most one per run or sign of the text.
 */
function anchoredDetector(spec: AnchoredSpec): Detector {
  const { type, priority, re } = spec;
  const common = detectorFields(spec);
  const { positive } = common;
  const gated = spec.maxBase !== undefined;
  return {
    ...common,
    find(folded, env) {
      const starts = STARTS;
      starts.length = 0;
      spec.starts(folded, env.stats, starts);
      if (starts.length === 0) return NONE;
      if (gated && (spec.maxBase as number) < env.threshold && !hasPositiveWord(folded, positive))
        return NONE;
      let out: Candidate[] | undefined;
      let after = 0;
      for (let i = 0; i < starts.length; i++) {
        const at = starts.at(i);
        if (at < after) continue;
        re.lastIndex = at;
        // test() instead of exec(): no match array; the end is in lastIndex.
        if (!re.test(folded)) continue;
        const end = re.lastIndex;
        if (end === at) {
          after = at + 1;
          continue;
        }
        after = end;
        const v = spec.check(folded.slice(at, end), at, env);
        if (v === null) continue;
        out ??= [];
        out.push({ type, start: v.start ?? at, end: v.end ?? end, score: v.score, key: v.key, priority });
      }
      return out ?? NONE;
    },
  };
}

/** Which digit runs a detector's match can start at (see {@link TextStats.runs}). */
interface RunFilter {
  minLength: number;
  maxLength: number;
  /** Fewest digits in the chain from the run on. */
  minChain: number;
  /** Only runs that start a chain (not joined to a digit before by a space or hyphen). */
  chainStart: boolean;
  /** The run's first character (code unit), or -1 for any. */
  first: number;
  /** The character right after the run (code unit), or -1 for any. */
  next: number;
}

const runFilter = (f: Partial<RunFilter>): RunFilter => ({
  minLength: 1,
  maxLength: Number.MAX_SAFE_INTEGER,
  minChain: 0,
  chainStart: false,
  first: -1,
  next: -1,
  ...f,
});

/**
 * The starts of one detector, rebuilt for each detector in turn (detectors never run inside one
 * another): no array is allocated per text.
 */
const STARTS = new Positions();
const MERGED = new Positions();

/** Starts of the digit runs that pass `f`, added to `out`. */
function runStarts(folded: string, stats: TextStats, f: RunFilter, out: Positions): void {
  const runs = stats.runs.data;
  const n = stats.runs.length;
  for (let r = 0; r < n; r += RUN_SIZE) {
    const start = runs[r] as number;
    const length = runs[r + 1] as number;
    if (
      length >= f.minLength &&
      length <= f.maxLength &&
      (runs[r + 2] as number) >= f.minChain &&
      (!f.chainStart || runs[r + 3] === 1) &&
      (f.first < 0 || folded.charCodeAt(start) === f.first) &&
      (f.next < 0 || folded.charCodeAt(start + length) === f.next)
    ) {
      out.push(start);
    }
  }
}

/** Starts of the `[0-9A-Z]` runs for which `keep` holds, added to `out`. */
function alnumStarts(
  folded: string,
  stats: TextStats,
  keep: (folded: string, start: number, length: number) => boolean,
  out: Positions,
): void {
  const runs = stats.alnumRuns;
  for (let r = 0; r < runs.length; r += 2) {
    const start = runs.at(r);
    if (keep(folded, start, runs.at(r + 1))) out.push(start);
  }
}

/** `out` and the sorted `extra` as one sorted list, in `out`. */
function mergeInto(out: Positions, extra: Positions): void {
  if (extra.length === 0) return;
  MERGED.length = 0;
  let i = 0;
  let j = 0;
  while (i < out.length || j < extra.length) {
    if (j >= extra.length || (i < out.length && out.at(i) < extra.at(j))) MERGED.push(out.at(i++));
    else MERGED.push(extra.at(j++));
  }
  out.length = 0;
  for (let k = 0; k < MERGED.length; k++) out.push(MERGED.at(k));
}

const isUpperCode = (c: number) => c >= 65 && c <= 90;
const isDigitCode = (c: number) => c >= 48 && c <= 57;

/** The ASCII digits of `s`, in order: `s` itself when it has nothing else, else its digit pieces joined. */
function digitsOf(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (i > from) out += s.slice(from, i);
    from = i + 1;
  }
  if (from === 0) return s;
  return from < s.length ? out + s.slice(from) : out;
}

/**
 * Span of the last capture group, which ends the match (found without the `d` flag, which makes
 * every match compute the spans of all groups).
 */
function tailGroupSpan(m: RegExpExecArray, g: number): { start: number; end: number } | null {
  const group = m[g];
  if (group === undefined) return null;
  const end = m.index + m[0].length;
  return { start: end - group.length, end };
}

function base64UrlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const openAi = regexDetector({
  type: 'SECRET_OPENAI',
  gate: GATE.SECRET_OPENAI,
  quick: (t) => t.includes('sk-'),
  priority: 100,
  negatives: false,
  re: /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g,
  validate: (m) => (/\d/.test(m[0]) ? { score: m[0].includes('T3BlbkFJ') ? 1 : 0.9, key: m[0] } : null),
});

const awsKeyId = regexDetector({
  type: 'SECRET_AWS',
  priority: 100,
  negatives: false,
  gate: GATE.SECRET_AWS_ID,
  quick: (t) => /A(?:KIA|SIA|BIA|CCA|3T)/.test(t),
  re: /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g,
  validate: (m) => ({ score: 0.9, key: m[0] }),
});

const awsSecret = regexDetector({
  type: 'SECRET_AWS',
  priority: 100,
  negatives: false,
  gate: GATE.SECRET_KEYWORD,
  quick: (t) => /aws/i.test(t),
  re: /aws_?secret_?access_?key["']?\s{0,3}[:=]\s{0,3}["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
  validate: (m) => {
    const span = tailGroupSpan(m, 1);
    return span ? { score: 0.95, key: m[1] as string, ...span } : null;
  },
});

const github = regexDetector({
  type: 'SECRET_GITHUB',
  gate: GATE.SECRET_GITHUB,
  quick: (t) => t.includes('gh') || t.includes('github_pat_'),
  priority: 100,
  negatives: false,
  re: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g,
  validate: (m) => ({ score: 0.95, key: m[0] }),
});

const jwt = regexDetector({
  type: 'SECRET_JWT',
  gate: GATE.SECRET_JWT,
  quick: (t) => t.includes('eyJ'),
  priority: 100,
  negatives: false,
  re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  validate: (m) => {
    const header = base64UrlJson(m[0].slice(0, m[0].indexOf('.')));
    const hasAlg = typeof header === 'object' && header !== null && 'alg' in header;
    return { score: hasAlg ? 1 : 0.8, key: m[0] };
  },
});

const password = regexDetector({
  type: 'SECRET_PASSWORD',
  priority: 99,
  negatives: false,
  gate: GATE.SECRET_KEYWORD,
  quick: (t) => /pass|pwd|secret|api_?key|token|密码|口令/i.test(t),
  re: /(?:(?<![A-Za-z0-9_])(?:password|passwd|passphrase|pwd|client_secret|secret_key|api_key|apikey|access_token|auth_token)["']?\s{0,3}[:=]\s{0,3}["']?|(?:密码|口令)\s{0,2}(?:(?:是|为)\s{0,2}:?|[:=])\s{0,2}["']?)([^\s"'<>,;。；、)]{3,128})/gi,
  validate: (m) => {
    const span = tailGroupSpan(m, 1);
    if (!span) return null;
    let value = m[1] as string;
    while (value.endsWith('.')) value = value.slice(0, -1);
    if (value.length < 3) return null;
    return { score: 0.95, key: value, start: span.start, end: span.start + value.length };
  },
});

const BEGIN_KEY = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const END_KEY = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const KEY_BODY = /[A-Za-z0-9+/=\s:,-]*/y;

/** PEM private keys; a key cut before its END line is redacted up to the end of its body. */
const privateKey: Detector = {
  type: 'SECRET_PRIVATE_KEY',
  priority: 100,
  positive: [],
  negatives: false,
  gate: GATE.SECRET_KEY_BLOCK,
  find(folded) {
    if (!folded.includes('PRIVATE KEY')) return NONE;
    const out: Candidate[] = [];
    const begin = new RegExp(BEGIN_KEY.source, 'g');
    const end = new RegExp(END_KEY.source, 'g');
    // The next END at or after a position, searched once per position range: linear overall.
    let nextEnd: RegExpExecArray | null | undefined;
    for (let m = begin.exec(folded); m !== null; m = begin.exec(folded)) {
      const bodyFrom = m.index + m[0].length;
      if (nextEnd === undefined || (nextEnd !== null && nextEnd.index < bodyFrom)) {
        end.lastIndex = bodyFrom;
        nextEnd = end.exec(folded);
      }
      let stop: number;
      if (nextEnd !== null) {
        stop = nextEnd.index + nextEnd[0].length;
      } else {
        const body = new RegExp(KEY_BODY.source, 'y');
        body.lastIndex = bodyFrom;
        body.exec(folded);
        stop = Math.max(bodyFrom, body.lastIndex);
      }
      out.push({
        type: 'SECRET_PRIVATE_KEY',
        start: m.index,
        end: stop,
        score: 1,
        key: folded.slice(m.index, stop),
        priority: 100,
      });
      begin.lastIndex = stop;
    }
    return out;
  },
};

const ID18_RUNS = runFilter({ minLength: 6, minChain: 17 });

const cnId18 = anchoredDetector({
  type: 'CN_ID',
  priority: 90,
  gate: GATE.CHAIN_17,
  re: /(?<![0-9])(\d{6}) ?(\d{8}) ?(\d{3}[0-9Xx])(?![0-9])/y,
  starts: (f, st, out) => runStarts(f, st, ID18_RUNS, out),
  check: (value, _start, env) => {
    // Spaces only when longer than 18; the check character is the only letter.
    let id = value.length > 18 ? value.replaceAll(' ', '') : value;
    if (id.charCodeAt(17) === 120) id = `${id.slice(0, 17)}X`;
    return validCnId18(id, env.now) ? { score: 1, key: id } : null;
  },
});

const ID15_RUNS = runFilter({ minLength: 15, maxLength: 15 });

const cnId15 = anchoredDetector({
  type: 'CN_ID',
  priority: 89,
  gate: GATE.RUN_15,
  maxBase: 0.25,
  re: /(?<![0-9])\d{15}(?![0-9])/y,
  starts: (f, st, out) => runStarts(f, st, ID15_RUNS, out),
  check: (value, _start, env) => (validCnId15(value, env.now) ? { score: 0.25, key: value } : null),
});

const pr15Start = (t: string, start: number, length: number) =>
  length >= 15 && isUpperCode(t.charCodeAt(start));

/** Foreign permanent resident ID card, 2004 edition: 3 letters + 12 digits. */
const foreignPr15 = anchoredDetector({
  type: 'CN_ID',
  priority: 89,
  gate: GATE.RUN_12,
  maxBase: 0.25,
  re: /(?<![A-Z0-9])[A-Z]{3}\d{12}(?![0-9])/y,
  starts: (f, st, out) => alnumStarts(f, st, pr15Start, out),
  check: (value) => ({ score: 0.25, key: value }),
});

const usccStart = (_t: string, _s: number, length: number) => length === 18;

const uscc = anchoredDetector({
  type: 'CN_USCC',
  gate: GATE.ALNUM_18,
  priority: 85,
  re: /(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])/y,
  starts: (f, st, out) => alnumStarts(f, st, usccStart, out),
  check: (value) => {
    const code = value;
    if (usccCheckChar(code.slice(0, 17)) !== code[17]) return null;
    const division = Number(code.slice(2, 4));
    if (!validProvince(division, false) && division !== 10) return null;
    const orgOk = orgCodeCheckChar(code.slice(8, 16)) === code[16];
    const hasLetter = /[A-Z]/.test(code);
    const score = orgOk ? (hasLetter ? 0.95 : 0.7) : hasLetter ? 0.55 : 0.3;
    return { score, key: code };
  },
});

/** Whether every character of `s` is its first (`0000…`, `1111…`). */
function oneCharRepeated(s: string): boolean {
  const first = s.charCodeAt(0);
  for (let i = 1; i < s.length; i++) if (s.charCodeAt(i) !== first) return false;
  return s.length > 1;
}

/** The number of the two ASCII digits at `i` of `s`. */
const twoDigits = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

function cardScore(d: string): number | null {
  if (d.length < 13 || d.length > 19 || oneCharRepeated(d)) return null;
  const first = d.charCodeAt(0);
  const two = twoDigits(d, 0);
  const four = two * 100 + twoDigits(d, 2);
  let iinOk = false;
  if (first === 52) iinOk = d.length === 13 || d.length === 16 || d.length === 19;
  else if (two >= 51 && two <= 55) iinOk = d.length === 16;
  else if (four >= 2221 && four <= 2720) iinOk = d.length === 16;
  else if (two === 34 || two === 37) iinOk = d.length === 15;
  else if (two === 30 || two === 36 || two === 38 || two === 39) iinOk = d.length >= 14 && d.length <= 16;
  else if (two === 35) iinOk = d.length >= 16;
  else if (first === 54) iinOk = d.length >= 16;
  if (luhnValid(d)) return iinOk ? 0.85 : null;
  // Some domestic cards are said not to follow Luhn: a 62 card with a card word nearby still counts.
  return two === 62 && d.length >= 16 ? 0.2 : null;
}

const CARD_RUNS = runFilter({ minChain: 13, chainStart: true });

const bankCard = anchoredDetector({
  type: 'BANK_CARD',
  gate: GATE.CHAIN_13,
  priority: 80,
  re: /(?<![0-9])(?<![0-9][ -])\d(?:[ -]?\d){12,18}(?![0-9])/y,
  starts: (f, st, out) => runStarts(f, st, CARD_RUNS, out),
  check: (value, start) => {
    const raw = value;
    const all = digitsOf(raw);
    const whole = cardScore(all);
    if (whole !== null) return { score: whole, key: all };
    // "4111 1111 1111 1111 12/25": try the longest prefix that ends at a separator.
    let count = all.length;
    for (let i = raw.length - 1; i > 0; i--) {
      const c = raw.charCodeAt(i);
      if (c !== 32 && c !== 45) {
        count--;
        continue;
      }
      if (count < 13) break;
      const d = all.slice(0, count);
      const score = cardScore(d);
      if (score !== null) return { score, key: d, end: start + i };
    }
    return null;
  },
});

/** Two letters and two digits open an IBAN. */
const ibanStart = (t: string, start: number, length: number) =>
  length >= 4 &&
  isUpperCode(t.charCodeAt(start)) &&
  isUpperCode(t.charCodeAt(start + 1)) &&
  isDigitCode(t.charCodeAt(start + 2)) &&
  isDigitCode(t.charCodeAt(start + 3));

const iban = anchoredDetector({
  type: 'IBAN',
  gate: GATE.IBAN,
  priority: 82,
  re: /(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Z0-9])/y,
  starts: (f, st, out) => alnumStarts(f, st, ibanStart, out),
  check: (value, start) => {
    const raw = value;
    const len = IBAN_LENGTHS[raw.slice(0, 2)];
    let end = raw.length;
    if (len !== undefined) {
      let count = 0;
      end = -1;
      for (let i = 0; i < raw.length; i++) {
        if (raw[i] !== ' ') count++;
        if (count === len) {
          end = i + 1;
          break;
        }
      }
      if (end < 0) return null;
    }
    const code = raw.slice(0, end).replace(/ /g, '');
    return ibanValid(code) ? { score: 1, key: code, end: start + end } : null;
  },
});

/** libphonenumber's CN mobile pattern (metadata `max`): network prefixes in use. */
const CN_MOBILE = /^(?:1740[0-5]\d{6}|1(?:[38]\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\d{8})$/;

const MOBILE_DIGITS = /^(?:00)?861[3-9][0-9]{9}$/;

const MOBILE_RUNS = runFilter({ minChain: 11 });

const cnMobile = anchoredDetector({
  type: 'CN_PHONE',
  gate: GATE.CHAIN_11,
  priority: 70,
  re: /(?<![0-9¥$￥€£])(?<![0-9]-)(?:(?:\+|00)86[ -]?|\(\+?86\)[ -]?|86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?![0-9])(?!-[0-9])(?!\.[0-9])/y,
  starts: (f, st, out) => {
    runStarts(f, st, MOBILE_RUNS, out);
    mergeInto(out, st.signs);
  },
  check: (value) => {
    const d = digitsOf(value);
    const national = d.slice(-11);
    const prefixed = d.length > 11;
    const score = (CN_MOBILE.test(national) ? 0.85 : 0.55) + (prefixed ? 0.1 : 0);
    return { score, key: national };
  },
});

/**
 * Landline and international candidates: a trunk `0` + area code (or `(0755)`), or `+` + country
 * code, then digit groups. Each is checked by `libphonenumber-js/max` (parsing one candidate is far
 * cheaper than its text matcher).
 */
const PHONE_CANDIDATE =
  /(?<![0-9+])(?:\+(?:[1-9]\d{6,14}|[1-9]\d{0,2}[ -](?:\(\d{1,4}\)[ -]?)?\d{1,8}(?:[ -]\d{1,8}){1,4})|(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{3,4}[ -]?\d{3,4})(?![0-9])/y;
const SKIPPED_PHONE_TYPES = new Set(['TOLL_FREE', 'SHARED_COST', 'PREMIUM_RATE', 'UAN', 'VOICEMAIL']);

const CN_TRUNK_NUMBER = /^0(?:10|2\d|[3-9]\d{2})[1-9]\d{6,7}$/;

/** The parts of libphonenumber's metadata read here (present at run time, not in its types). */
interface RuntimeMetadata {
  selectNumberingPlan(country: string): void;
  hasCallingCode(callingCode: string): boolean | undefined;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  numberingPlan?: unknown;
}
interface PlanPatterns {
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  hasTypes(): boolean;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/** The types libphonenumber tries in turn: a number is valid when it matches one of them. */
const PHONE_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

interface CompiledPlan {
  country: string;
  national: RegExp;
  /** Where libphonenumber would strip a national prefix or carrier code from a national number. */
  prefix: RegExp | undefined;
  types: { name: string; re: RegExp; lengths: readonly number[] | undefined }[];
}

let metadata: RuntimeMetadata | undefined;
/** Compiled plans by country; null when the country's plan has no types. */
const plans = new Map<string, CompiledPlan | null>();

/**
 * A country's numbering plan from libphonenumber's `max` metadata with its patterns compiled once:
 * libphonenumber's own type check builds a new expression from patterns of several kilobytes on
 * every call, which cost more than the rest of a check.
 */
function planOf(country: string): CompiledPlan | null {
  const known = plans.get(country);
  if (known !== undefined) return known;
  metadata ??= new Metadata() as unknown as RuntimeMetadata;
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan as PlanPatterns;
  let compiled: CompiledPlan | null = null;
  if (plan.hasTypes()) {
    const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
    const types: CompiledPlan['types'] = [];
    for (const name of PHONE_TYPES) {
      const type = plan.type(name);
      const pattern = type?.pattern();
      if (type === undefined || !pattern) continue;
      types.push({ name, re: whole(pattern), lengths: type.possibleLengths() });
    }
    const prefix = plan.nationalPrefixForParsing();
    compiled = {
      country,
      national: whole(plan.nationalNumberPattern()),
      prefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
      types,
    };
  }
  plans.set(country, compiled);
  return compiled;
}

/**
 * The type of a national number as libphonenumber decides it: the plan's national pattern, then the
 * first type whose lengths and pattern match; undefined when none does (the number is not valid).
 */
function typeOf(plan: CompiledPlan, national: string): string | undefined {
  if (!plan.national.test(national)) return undefined;
  for (const type of plan.types) {
    if (type.lengths !== undefined && !type.lengths.includes(national.length)) continue;
    if (type.re.test(national)) return type.name;
  }
  return undefined;
}

/**
 * A mainland number written with its trunk 0 (`CN_TRUNK_NUMBER`): its national number is the digits
 * after the 0 (no IDD or carrier prefix can start that way, and every such length is possible), so
 * libphonenumber's text parser, two thirds of the cost of a check, is skipped; tests hold the
 * result to its parse.
 */
function validCnTrunkNumber(digits: string): string | undefined {
  const national = digits.slice(1);
  return typeOf(planOf('CN') as CompiledPlan, national) === undefined ? undefined : `+86${national}`;
}

/** Returned by {@link validInternational} when only libphonenumber's parse can tell. */
const ASK_PARSER = null;

/**
 * An international number (`+` and `digits`) checked as libphonenumber's parse checks it, without
 * its text parser: the calling code is the first of the leading 1–3 digits that is one; when it
 * belongs to one country and that country's national prefix (or carrier code) cannot start the
 * rest, the rest is the national number. Shared calling codes (+1, +44 …), non-geographic ones
 * and numbers that may carry a prefix are left to the parser.
 */
function validInternational(digits: string): string | undefined | typeof ASK_PARSER {
  metadata ??= new Metadata() as unknown as RuntimeMetadata;
  for (let length = 1; length <= 3 && length < digits.length; length++) {
    const callingCode = digits.slice(0, length);
    if (!metadata.hasCallingCode(callingCode)) continue;
    const countries = metadata.getCountryCodesForCallingCode(callingCode);
    if (countries === undefined || countries.length !== 1) return ASK_PARSER;
    const plan = planOf(countries[0] as string);
    const national = digits.slice(length);
    if (plan === null || plan.prefix?.test(national)) return ASK_PARSER;
    const kind = typeOf(plan, national);
    // Mainland 400/800 lines never start with the trunk 0; other countries' service lines are skipped.
    if (kind === undefined || (plan.country !== 'CN' && SKIPPED_PHONE_TYPES.has(kind))) return undefined;
    return `+${digits}`;
  }
  return ASK_PARSER;
}

function validPhone(candidate: string): string | undefined {
  const digits = digitsOf(candidate);
  if (candidate.charCodeAt(0) !== 43) {
    if (CN_TRUNK_NUMBER.test(digits)) return validCnTrunkNumber(digits);
  } else {
    const known = validInternational(digits);
    if (known !== ASK_PARSER) return known;
  }
  const n = parsePhoneNumberFromString(candidate, 'CN');
  if (n === undefined) return undefined;
  // With the max metadata a number is valid exactly when it has a type: one pass over the
  // patterns answers both questions (each pass costs microseconds). Without types, the pattern decides.
  const kind = n.getType();
  if (kind === undefined) return n.isValid() ? n.number : undefined;
  // Mainland 400/800 lines never start with the trunk 0; other countries' service lines are skipped.
  if (n.country !== 'CN' && SKIPPED_PHONE_TYPES.has(kind)) return undefined;
  return n.number;
}

const TRUNK_RUNS = runFilter({ minChain: 9, first: 48 });

/** Landlines and international numbers, validated by `libphonenumber-js/max` (CN by default). */
const phone: Detector = {
  type: 'PHONE',
  priority: 65,
  positive: POSITIVE_WORDS.PHONE ?? [],
  negatives: true,
  gate: GATE.PHONE,
  find(folded, env) {
    const starts = STARTS;
    starts.length = 0;
    runStarts(folded, env.stats, TRUNK_RUNS, starts);
    mergeInto(starts, env.stats.signs);
    const out: Candidate[] = [];
    const re = PHONE_CANDIDATE;
    let after = 0;
    for (let i = 0; i < starts.length; i++) {
      const at = starts.at(i);
      if (at < after) continue;
      re.lastIndex = at;
      if (!re.test(folded)) continue;
      after = re.lastIndex;
      let text = folded.slice(at, after);
      // Mainland mobiles are the CN_PHONE detector's.
      const digits = digitsOf(text);
      if (MOBILE_DIGITS.test(digits)) continue;
      // Mainland trunk numbers: area code 10, 2x or [3-9]xx, then a local number not starting with 0.
      if (text[0] !== '+' && !CN_TRUNK_NUMBER.test(digits)) continue;
      // A greedy international match may have swallowed a following number: drop trailing groups.
      let key = validPhone(text);
      while (key === undefined && /[ -]\d{1,4}$/.test(text) && digitsOf(text).length > 7) {
        text = text.replace(/[ -]\d{1,4}$/, '');
        key = validPhone(text);
      }
      if (key === undefined) continue;
      out.push({ type: 'PHONE', start: at, end: at + text.length, score: 0.75, key, priority: 65 });
    }
    return out;
  },
};

const FILE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'bmp',
  'ico',
  'pdf',
  'txt',
  'js',
  'ts',
  'mjs',
  'css',
  'json',
  'html',
  'htm',
  'xml',
  'yaml',
  'yml',
  'md',
  'zip',
  'tar',
  'gz',
  'mp3',
  'mp4',
  'wav',
  'lock',
]);

/** `[A-Za-z0-9._%+-]`, the characters of an e-mail's local part. */
function isLocalCode(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 46 ||
    c === 95 ||
    c === 37 ||
    c === 43 ||
    c === 45
  );
}

/**
 * Starts of the local parts before each `@`: a match starts where the run of local-part characters
 * before the `@` starts, and only when that run is at most 64 long (the walk back stops at 65).
 */
function emailStarts(folded: string, stats: TextStats, out: Positions): void {
  for (let i = 0; i < stats.ats.length; i++) {
    const at = stats.ats.at(i);
    const stop = Math.max(-1, at - 66);
    let j = at - 1;
    while (j > stop && isLocalCode(folded.charCodeAt(j))) j--;
    const length = at - 1 - j;
    if (length >= 1 && length <= 64 && (j < 0 || !isLocalCode(folded.charCodeAt(j)))) out.push(j + 1);
  }
}

const email = anchoredDetector({
  type: 'EMAIL',
  gate: GATE.EMAIL,
  priority: 75,
  negatives: false,
  re: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/y,
  starts: emailStarts,
  check: (value) => {
    const tld = value.slice(value.lastIndexOf('.') + 1).toLowerCase();
    return FILE_EXTENSIONS.has(tld) ? null : { score: 0.9, key: value.toLowerCase() };
  },
});

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const OCTET_RUNS = runFilter({ maxLength: 3, next: 46 });

const ipv4 = anchoredDetector({
  type: 'IP',
  priority: 55,
  gate: GATE.IPV4,
  re: new RegExp(`(?<![0-9.])(?<![vV])(?:${OCTET}\\.){3}${OCTET}(?![0-9]|\\.[0-9])`, 'y'),
  starts: (f, st, out) => runStarts(f, st, OCTET_RUNS, out),
  check: (value) => {
    const ip = value;
    if (ip.startsWith('127.') || ip === '0.0.0.0' || ip === '255.255.255.255') return null;
    return { score: 0.8, key: ip };
  },
});

/** `[0-9A-Fa-f:]`, the characters of an IPv6 candidate. */
const isHexOrColon = (c: number) => (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * Starts of the `[0-9A-Fa-f:]` runs around each `:` (a candidate holds a colon, and is a whole run
 * of at most 39): the walk back stops after 40 characters, so each colon costs a bounded amount.
 */
function ipv6Starts(folded: string, stats: TextStats, out: Positions): void {
  let last = -1;
  for (let i = 0; i < stats.colons.length; i++) {
    const colon = stats.colons.at(i);
    const stop = Math.max(-1, colon - 40);
    let j = colon - 1;
    while (j > stop && isHexOrColon(folded.charCodeAt(j))) j--;
    if (j === stop && j >= 0 && isHexOrColon(folded.charCodeAt(j))) continue;
    if (j + 1 !== last) out.push(j + 1);
    last = j + 1;
  }
}

const ipv6 = anchoredDetector({
  type: 'IP',
  priority: 55,
  gate: GATE.IPV6,
  re: /(?<![0-9A-Za-z_:.])[0-9A-Fa-f:]{2,39}(?![0-9A-Za-z_:.])/y,
  starts: ipv6Starts,
  check: (value) => {
    const ip = value;
    // Colons, hex digits and non-empty groups first: most candidates (times, words) fail these.
    let colons = 0;
    let groups = 0;
    let inGroup = false;
    for (let i = 0; i < ip.length; i++) {
      if (ip.charCodeAt(i) === 58) {
        colons++;
        inGroup = false;
      } else if (!inGroup) {
        groups++;
        inGroup = true;
      }
    }
    if (colons === 0 || ip.length - colons < 4 || groups < 3 || !isIPv6(ip)) return null;
    return { score: 0.8, key: ip.toLowerCase() };
  },
});

const SSN_SAMPLES = new Set(['078051120', '123456789', '219099999', '457555462']);
function ssnValid(d: string): boolean {
  const area = Number(d.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  return !SSN_SAMPLES.has(d) && !/^(\d)\1+$/.test(d);
}

const SSN_RUNS = runFilter({ minLength: 3, maxLength: 3, minChain: 9 });

const ssn = anchoredDetector({
  type: 'US_SSN',
  gate: GATE.CHAIN_9,
  priority: 60,
  re: /(?<![0-9])(?<![0-9]-)\d{3}([- ])\d{2}\1\d{4}(?![0-9])(?!-[0-9])/y,
  starts: (f, st, out) => runStarts(f, st, SSN_RUNS, out),
  check: (value) => {
    const d = digitsOf(value);
    if (!ssnValid(d)) return null;
    return { score: value[3] === '-' ? 0.6 : 0.3, key: d };
  },
});

const SSN_BARE_RUNS = runFilter({ minLength: 9, maxLength: 9 });

const ssnBare = anchoredDetector({
  type: 'US_SSN',
  priority: 59,
  maxBase: 0.2,
  gate: GATE.RUN_9,
  re: /(?<![0-9])\d{9}(?![0-9])/y,
  starts: (f, st, out) => runStarts(f, st, SSN_BARE_RUNS, out),
  check: (value) => (ssnValid(value) ? { score: 0.2, key: value } : null),
});

/** A whole 9-character run, or `P`/`S` before a dot. */
const passportStart = (t: string, start: number, length: number) =>
  length === 9 || (length === 1 && t.charCodeAt(start + 1) === 46);

const passport = anchoredDetector({
  type: 'PASSPORT',
  maxBase: 0.2,
  gate: GATE.RUN_7_TO_9,
  priority: 50,
  re: /(?<![A-Z0-9])(?:E[A-HJ-NP-Z]\d{7}|[EGK]\d{8}|(?:PE|SE|DE|MA)\d{7}|[PS]\.\d{7}|S\d{8}|1[45]\d{7})(?![A-Z0-9])/y,
  starts: (f, st, out) => alnumStarts(f, st, passportStart, out),
  check: (value) => ({ score: 0.2, key: value }),
});

const plate = anchoredDetector({
  type: 'CN_PLATE',
  gate: GATE.PLATE,
  priority: 45,
  negatives: false,
  re: /[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-HJ-NP-Z][ ·•.-]?(?:\d{5}[A-HJK]|[A-HJK][A-HJ-NP-Z0-9]\d{4}|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])(?![A-Za-z0-9])/y,
  starts: (_f, st, out) => {
    for (let i = 0; i < st.plates.length; i++) out.push(st.plates.at(i));
  },
  check: (value) => {
    const tail = value.slice(2);
    const digits = digitsOf(tail).length;
    return { score: digits >= 2 ? 0.6 : 0.3, key: value.replace(/[ ·•.-]/g, '') };
  },
});

/** The built-in detectors, in the order of the §7 table of the design notes. */
export const BUILT_IN_DETECTORS: readonly Detector[] = [
  openAi,
  awsKeyId,
  awsSecret,
  github,
  jwt,
  privateKey,
  password,
  cnId18,
  cnId15,
  foreignPr15,
  uscc,
  bankCard,
  iban,
  cnMobile,
  phone,
  email,
  ipv4,
  ipv6,
  ssn,
  ssnBare,
  passport,
  plate,
];
