import { foldCode } from './fold-width.js';

/**
 * A list of positions in a buffer reused from scan to scan: allocating fresh arrays for every text
 * cost more than the scan itself. Detection is synchronous, so a scan's lists are read (by the
 * detectors of the same text) before the next scan overwrites them; nothing keeps them longer.
 */
export class Positions {
  data = new Int32Array(64);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i] as number;
  }
}

/**
 * What one pass over the text found, read by the detectors: they look for their data only where
 * the scan saw it can start (a digit run, a `[0-9A-Z]` run, a `+`, an `@` …) instead of running
 * a regular expression over the whole text.
 */
export interface TextStats {
  /**
   * Maximal runs of ASCII digits (after width folding), in text order, four numbers each:
   * start, length, digits in the chain from this run on (runs joined by exactly one space or
   * hyphen), and 1 when the run starts a chain (0 when it continues the run before).
   */
  runs: Positions;
  /**
   * Maximal runs of `[0-9A-Z]` that can hold data (4 or more long, or one character before a dot),
   * in text order, two numbers each: start, length.
   */
  alnumRuns: Positions;
  /** Positions of `+` before a digit 1–9 and of `(` before a digit or `+` (phone starts). */
  signs: Positions;
  /** Positions of `@`. */
  ats: Positions;
  /** Positions of `:`. */
  colons: Positions;
  /** Positions of a province character followed by an upper-case letter (licence plates). */
  plates: Positions;
  /** Number of ASCII digits. */
  digits: number;
  /** Whether `[`, `<`, `&` or `【` occurs (after folding): the text may hold a placeholder. */
  brackets: boolean;
  /** The {@link GATE} bits whose condition holds: a detector runs only when its bit is set. */
  gates: number;
}

/** Stride of {@link TextStats.runs}, and the offsets of the fields in each entry. */
export const RUN = { size: 4, start: 0, length: 1, chain: 2, chainStart: 3 } as const;

/**
 * Gates of the detectors, one bit each, decided by the scan: a detector whose data cannot occur in
 * the text (no digit chain long enough, no `@` …) is not even called.
 */
export const GATE = {
  ALWAYS: 1 << 0,
  /** `sk-` (OpenAI keys). */
  SECRET_OPENAI: 1 << 1,
  CHAIN_17: 1 << 2,
  RUN_15: 1 << 3,
  RUN_12: 1 << 4,
  ALNUM_18: 1 << 5,
  CHAIN_13: 1 << 6,
  IBAN: 1 << 7,
  CHAIN_11: 1 << 8,
  PHONE: 1 << 9,
  EMAIL: 1 << 10,
  IPV4: 1 << 11,
  IPV6: 1 << 12,
  CHAIN_9: 1 << 13,
  RUN_9: 1 << 14,
  RUN_7_TO_9: 1 << 15,
  PLATE: 1 << 16,
  /** A `[0-9A-Z]` run of exactly 20 starting with `A` (AWS access key ids). */
  SECRET_AWS_ID: 1 << 17,
  /** `gh?_` or `github_` (GitHub tokens). */
  SECRET_GITHUB: 1 << 18,
  /** `eyJ` (JSON web tokens). */
  SECRET_JWT: 1 << 19,
  /** A `[0-9A-Z]` run `BEGIN` (PEM blocks). */
  SECRET_KEY_BLOCK: 1 << 20,
  /**
   * `:` or `=` after a word ending like a secret's name (`…password`, `…key`, `…token` …, then
   * at most a quote and three spaces), or `密码`/`口令`: passwords and AWS secret keys.
   */
  SECRET_KEYWORD: 1 << 21,
} as const;

/** The width-folded text (see `foldWidth`) and its statistics. */
export interface ScannedText {
  folded: string;
  stats: TextStats;
}

const PLATE_PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领';

/**
 * Classes of the ASCII code units (after width folding); every other code unit is `OTHER`. A table
 * of 128 entries stays in the cache while the scan walks Chinese text, where a table over all code
 * units would miss on almost every character.
 */
const OTHER = 0;
const DIGIT = 1;
const UPPER = 2;
const SEPARATOR = 3;
const DOT = 4;
const PLUS = 5;
const AT = 6;
const COLON = 7;
const PAREN = 8;
const BRACKET = 9;
const UNDERSCORE = 10;
const EQUALS = 11;
const ASCII = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII[c] = DIGIT;
for (let c = 65; c <= 90; c++) ASCII[c] = UPPER;
ASCII[32] = SEPARATOR;
ASCII[45] = SEPARATOR;
ASCII[46] = DOT;
ASCII[43] = PLUS;
ASCII[64] = AT;
ASCII[58] = COLON;
ASCII[40] = PAREN;
ASCII[91] = BRACKET;
ASCII[60] = BRACKET;
ASCII[38] = BRACKET;
ASCII[95] = UNDERSCORE;
ASCII[61] = EQUALS;

const PROVINCES = new Set(Array.from(PLATE_PROVINCES, (ch) => ch.charCodeAt(0)));

/** The class of the folded code unit at `i` (`OTHER` past the end). */
function classAt(text: string, i: number): number {
  if (i >= text.length) return OTHER;
  const c = foldCode(text.charCodeAt(i));
  return c < 128 ? (ASCII[c] as number) : OTHER;
}

const isUpper = (c: number) => c >= 65 && c <= 90;
const isDigit = (c: number) => c >= 48 && c <= 57;

/** The folded code unit at `i` (NaN before the start). */
const foldedAt = (text: string, i: number) => foldCode(text.charCodeAt(i));

/** Whether the folded text just before `end` is `word` (ASCII letters compared lower-case when `lower`). */
function wordBefore(text: string, end: number, word: string, lower: boolean): boolean {
  const from = end - word.length;
  if (from < 0) return false;
  for (let k = 0; k < word.length; k++) {
    let c = foldedAt(text, from + k);
    if (lower && c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** JavaScript's `\s`. */
function isSpaceCode(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Endings of the names after which a password or secret key is written (`password=`, `api_key:` …). */
const SECRET_NAME_ENDINGS = ['password', 'passwd', 'passphrase', 'pwd', 'secret', 'key', 'token'];

/**
 * Whether the `:` or `=` at `i` follows a secret's name, the way the password and AWS secret
 * expressions allow: the name, at most one quote, at most three spaces.
 */
function secretNameBefore(text: string, i: number): boolean {
  let j = i - 1;
  for (let spaces = 0; spaces < 3 && j >= 0 && isSpaceCode(foldedAt(text, j)); spaces++) j--;
  const q = foldedAt(text, j);
  if (q === 34 || q === 39) j--;
  const last = foldedAt(text, j) | 32;
  // Every ending ends in d, e, t, y or n: most colons stop here.
  if (last !== 100 && last !== 101 && last !== 116 && last !== 121 && last !== 110) return false;
  for (const word of SECRET_NAME_ENDINGS) if (wordBefore(text, j + 1, word, true)) return true;
  return false;
}

/** Whether the `_` at `i` can belong to a GitHub token (`ghp_`, `gho_` … or `github_pat_`). */
function githubBefore(text: string, i: number): boolean {
  const kind = foldedAt(text, i - 1);
  if (
    (kind === 112 || kind === 111 || kind === 117 || kind === 115 || kind === 114) &&
    foldedAt(text, i - 2) === 104 &&
    foldedAt(text, i - 3) === 103
  ) {
    return true;
  }
  return wordBefore(text, i, 'github', false);
}

/** Bits of the run lengths the gates ask about. */
const LEN_9 = 1;
const LEN_12 = 2;
const LEN_15 = 4;
const LEN_7_TO_9 = 8;
const LEN_BITS = new Uint8Array(31);
LEN_BITS[9] = LEN_9 | LEN_7_TO_9;
LEN_BITS[12] = LEN_12;
LEN_BITS[15] = LEN_15;
LEN_BITS[7] = LEN_7_TO_9;
LEN_BITS[8] = LEN_7_TO_9;

/**
 * Fold the text's width and, in the same single pass, record where each kind of data can start
 * (digit runs and their chains, `[0-9A-Z]` runs, `+`, `(`, `@`, plate starts) and the gates, so that
 * most detectors never look at a text that cannot hold their kind of data, and the others look
 * only at those places.
 */
const RUNS = new Positions();
const ALNUM_RUNS = new Positions();
const SIGNS = new Positions();
const ATS = new Positions();
const COLONS = new Positions();
const PLATES = new Positions();

export function scanText(text: string): ScannedText {
  const runs = RUNS;
  const alnumRuns = ALNUM_RUNS;
  const signs = SIGNS;
  const ats = ATS;
  const colons = COLONS;
  const plates = PLATES;
  runs.length = 0;
  alnumRuns.length = 0;
  signs.length = 0;
  ats.length = 0;
  colons.length = 0;
  plates.length = 0;
  let digits = 0;
  let dottedDigits = 0;
  let zeroStart = false;
  let plusStart = false;
  let runStart = -1;
  let alnumStart = -1;
  let brackets = false;
  let secrets = 0;
  let folded = '';
  let from = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c >= 128) {
      // Chinese characters (U+3001–U+FF00) are neither folded nor classified: two comparisons.
      if (c > 0x3000 && c < 0xff01) {
        if (c === 0x3010) brackets = true;
        // 码 after 密, 令 after 口: a password may follow.
        else if (c === 0x7801 || c === 0x4ee4) {
          const before = text.charCodeAt(i - 1);
          if ((c === 0x7801 && before === 0x5bc6) || (c === 0x4ee4 && before === 0x53e3)) {
            secrets |= GATE.SECRET_KEYWORD;
          }
        }
        // Outside a run there is nothing more to record.
        if (alnumStart < 0) continue;
        c = -1;
      } else {
        const f = foldCode(c);
        if (f !== c) {
          folded += text.slice(from, i) + String.fromCharCode(f);
          from = i + 1;
        }
        c = f < 128 ? f : -1;
      }
    } else if (alnumStart < 0 && (c >= 97 ? c <= 122 : c === 32)) {
      // A lower-case letter or a space outside a run: nothing to record.
      continue;
    }
    const k = c < 0 ? OTHER : (ASCII[c] as number);
    if (k === DIGIT) {
      if (runStart < 0) {
        runStart = i;
        if (alnumStart < 0) alnumStart = i;
      }
      continue;
    }
    if (runStart >= 0) {
      // The fourth field holds "a separator follows" until the chains are computed below.
      runs.push(runStart);
      runs.push(i - runStart);
      runs.push(0);
      runs.push(k === SEPARATOR ? 1 : 0);
      digits += i - runStart;
      runStart = -1;
    }
    if (k === UPPER) {
      if (alnumStart < 0) {
        alnumStart = i;
        // A province character (all from U+4E00 on) before an upper-case letter: a licence plate
        // may start there.
        const before = text.charCodeAt(i - 1);
        if (before >= 0x4e00 && PROVINCES.has(before)) plates.push(i - 1);
        else if (c === 74 && foldedAt(text, i - 1) === 121 && foldedAt(text, i - 2) === 101) {
          secrets |= GATE.SECRET_JWT;
        }
      }
      continue;
    }
    if (alnumStart >= 0) {
      const length = i - alnumStart;
      if (length >= 4 || (length === 1 && k === DOT)) {
        alnumRuns.push(alnumStart);
        alnumRuns.push(length);
      }
      alnumStart = -1;
    }
    if (k === OTHER) continue;
    if (k === SEPARATOR) {
      if (c === 45 && foldedAt(text, i - 1) === 107 && foldedAt(text, i - 2) === 115) {
        secrets |= GATE.SECRET_OPENAI;
      }
      continue;
    }
    if (k === DOT) {
      if (runs.length > 0 && runs.at(runs.length - 4) + runs.at(runs.length - 3) === i) {
        if (classAt(text, i + 1) === DIGIT) dottedDigits++;
      }
    } else if (k === PLUS) {
      const next = i + 1 < n ? foldCode(text.charCodeAt(i + 1)) : 0;
      if (next >= 49 && next <= 57) {
        plusStart = true;
        signs.push(i);
      }
    } else if (k === PAREN) {
      const next = classAt(text, i + 1);
      if (next === DIGIT || next === PLUS) signs.push(i);
    } else if (k === AT) {
      ats.push(i);
    } else if (k === COLON) {
      colons.push(i);
      if (secretNameBefore(text, i)) secrets |= GATE.SECRET_KEYWORD;
    } else if (k === BRACKET) {
      brackets = true;
    } else if (k === EQUALS) {
      if (secretNameBefore(text, i)) secrets |= GATE.SECRET_KEYWORD;
    } else if (k === UNDERSCORE) {
      if (githubBefore(text, i)) secrets |= GATE.SECRET_GITHUB;
    }
  }
  if (runStart >= 0) {
    runs.push(runStart);
    runs.push(n - runStart);
    runs.push(0);
    runs.push(0);
    digits += n - runStart;
  }
  if (alnumStart >= 0 && n - alnumStart >= 4) {
    alnumRuns.push(alnumStart);
    alnumRuns.push(n - alnumStart);
  }
  if (from > 0) folded += text.slice(from);
  else folded = text;

  // Chains, from the last run back: a run continues the one before when exactly one separator
  // lies between them.
  let longestChain = 0;
  let lengths = 0;
  const data = runs.data;
  for (let r = runs.length - RUN.size; r >= 0; r -= RUN.size) {
    const start = data[r] as number;
    const length = data[r + 1] as number;
    const next = r + RUN.size;
    const joined = data[r + 3] === 1 && next < runs.length && data[next] === start + length + 1;
    const chain = length + (joined ? (data[next + 2] as number) : 0);
    data[r + 2] = chain;
    if (chain > longestChain) longestChain = chain;
    if (joined) data[next + 3] = 0;
    data[r + 3] = 1;
    lengths |= LEN_BITS[Math.min(length, 30)] as number;
    if (folded.charCodeAt(start) === 48) zeroStart = true;
  }
  let alnum18 = false;
  let ibanStart = false;
  for (let a = 0; a < alnumRuns.length; a += 2) {
    const start = alnumRuns.at(a);
    const length = alnumRuns.at(a + 1);
    if (length === 18) alnum18 = true;
    else if (length === 20 && folded.charCodeAt(start) === 65) secrets |= GATE.SECRET_AWS_ID;
    else if (length === 5 && folded.startsWith('BEGIN', start)) secrets |= GATE.SECRET_KEY_BLOCK;
    if (
      length >= 4 &&
      isUpper(folded.charCodeAt(start)) &&
      isUpper(folded.charCodeAt(start + 1)) &&
      isDigit(folded.charCodeAt(start + 2)) &&
      isDigit(folded.charCodeAt(start + 3))
    ) {
      ibanStart = true;
    }
  }

  let gates = GATE.ALWAYS | secrets;
  if (longestChain >= 17) gates |= GATE.CHAIN_17;
  if (longestChain >= 13) gates |= GATE.CHAIN_13;
  if (longestChain >= 11) gates |= GATE.CHAIN_11;
  if (longestChain >= 9) gates |= GATE.CHAIN_9;
  if ((lengths & LEN_15) !== 0) gates |= GATE.RUN_15;
  if ((lengths & LEN_12) !== 0) gates |= GATE.RUN_12;
  if ((lengths & LEN_9) !== 0) gates |= GATE.RUN_9;
  if ((lengths & LEN_7_TO_9) !== 0) gates |= GATE.RUN_7_TO_9;
  if (alnum18) gates |= GATE.ALNUM_18;
  if (ibanStart) gates |= GATE.IBAN;
  if (digits >= 7 && (zeroStart || plusStart)) gates |= GATE.PHONE;
  if (ats.length > 0) gates |= GATE.EMAIL;
  if (dottedDigits >= 3) gates |= GATE.IPV4;
  if (colons.length > 0) gates |= GATE.IPV6;
  if (plates.length > 0 && digits >= 2) gates |= GATE.PLATE;
  return { folded, stats: { runs, alnumRuns, signs, ats, colons, plates, digits, brackets, gates } };
}
