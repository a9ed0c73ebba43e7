import { foldCode } from './fold-width.js';

/** Computed in the same pass as the width folding, read by the detectors' quick gates. */
export interface TextStats {
  /** Number of ASCII digits (after width folding). */
  digits: number;
  /** Number of ASCII upper-case letters. */
  upper: number;
  /** Whether any secret detector could match (one scan instead of one per detector). */
  maySecret: boolean;
  /** Bit `n` set when a maximal run of exactly `n` digits occurs (bit 30: 30 or more). */
  digitRuns: number;
  /** Bit `n` set when a maximal run of exactly `n` characters of `[0-9A-Z]` occurs (bit 30: 30 or more). */
  alnumRuns: number;
  /** Most digits in one chain of digits joined by at most one space or hyphen between two digits. */
  longestChain: number;
  /** Number of `digit.digit` places. */
  dottedDigits: number;
  /** A `+` before a digit 1–9, or a digit run starting with 0 (landline and international phones). */
  phoneStart: boolean;
  /** Two upper-case letters then two digits at the start of a `[0-9A-Z]` run (IBAN). */
  ibanStart: boolean;
  /** A province character followed by an upper-case letter (licence plate). */
  plateStart: boolean;
  /** The {@link GATE} bits whose condition holds: a detector runs only when its bit is set. */
  gates: number;
}

/**
 * Gates of the detectors, one bit each, decided by the scan: a detector whose data cannot occur in
 * the text (no digit chain long enough, no `@` …) is not even called.
 */
export const GATE = {
  ALWAYS: 1 << 0,
  SECRET: 1 << 1,
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
} as const;

/** The width-folded text (see `foldWidth`) and its statistics. */
export interface ScannedText {
  folded: string;
  stats: TextStats;
}

const SECRET_HINT =
  /sk-|A(?:KIA|SIA|BIA|CCA|3T)|aws|gh[pousr]_|github_pat_|eyJ|PRIVATE KEY|pass|pwd|secret|api_?key|token|密码|口令/i;

const PLATE_PROVINCES = new Set(
  Array.from('京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领', (ch) => ch.charCodeAt(0)),
);

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;

/** Character classes of the scan, one per UTF-16 code unit (after folding for the `FOLD` class). */
const OTHER = 0;
const DIGIT = 1;
const UPPER = 2;
const SEPARATOR = 3;
const DOT = 4;
const PLUS = 5;
const FOLD = 6;
const PROVINCE = 7;
const AT = 8;
const COLON = 9;
const CLASS = new Uint8Array(0x10000);
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (let c = 65; c <= 90; c++) CLASS[c] = UPPER;
CLASS[32] = SEPARATOR;
CLASS[45] = SEPARATOR;
CLASS[46] = DOT;
CLASS[43] = PLUS;
CLASS[64] = AT;
CLASS[58] = COLON;
for (let c = 0xa0; c < 0x10000; c++) if (foldCode(c) !== c) CLASS[c] = FOLD;
for (const c of PLATE_PROVINCES) CLASS[c] = PROVINCE;

/** The bit of a run of `n` in {@link TextStats.digitRuns} / {@link TextStats.alnumRuns}. */
export const runBit = (n: number): number => 1 << Math.min(n, 30);

/**
 * Fold the text's width and gather, in the same single pass, what the detectors' quick gates need
 * (digit runs, chains, a few start patterns), so that most detectors never scan a text that
 * cannot hold their kind of data.
 */
export function scanText(text: string): ScannedText {
  let digits = 0;
  let upper = 0;
  let digitRuns = 0;
  let alnumRuns = 0;
  let longestChain = 0;
  let dottedDigits = 0;
  let phoneStart = false;
  let ibanStart = false;
  let plateStart = false;
  let hasAt = false;
  let hasColon = false;
  let digitRun = 0;
  let alnumRun = 0;
  let chain = 0;
  let prev = 0;
  let folded = '';
  let from = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    let k = CLASS[c] as number;
    if (k === FOLD) {
      c = foldCode(c);
      folded += text.slice(from, i) + String.fromCharCode(c);
      from = i + 1;
      k = c < 128 ? (CLASS[c] as number) : OTHER;
    }
    if (k === DIGIT) {
      digits++;
      if (digitRun === 0 && c === 48) phoneStart = true;
      digitRun++;
      alnumRun++;
      chain++;
      prev = c;
      continue;
    }
    if (digitRun > 0) {
      digitRuns |= runBit(digitRun);
      if (chain > longestChain) longestChain = chain;
      digitRun = 0;
    }
    if (k === UPPER) {
      upper++;
      if (
        alnumRun === 0 &&
        isUpper(foldCode(text.charCodeAt(i + 1))) &&
        isDigit(foldCode(text.charCodeAt(i + 2))) &&
        isDigit(foldCode(text.charCodeAt(i + 3)))
      ) {
        ibanStart = true;
      }
      alnumRun++;
      chain = 0;
      prev = c;
      continue;
    }
    if (alnumRun > 0) {
      alnumRuns |= runBit(alnumRun);
      alnumRun = 0;
    }
    if (k === OTHER) {
      chain = 0;
    } else if (k === SEPARATOR) {
      // A chain goes on over one space or hyphen right after a digit.
      if (prev < 48 || prev > 57) chain = 0;
    } else {
      chain = 0;
      if (k === DOT) {
        if (prev >= 48 && prev <= 57 && isDigit(foldCode(text.charCodeAt(i + 1)))) dottedDigits++;
      } else if (k === PLUS) {
        const next = foldCode(text.charCodeAt(i + 1));
        if (next >= 49 && next <= 57) phoneStart = true;
      } else if (k === AT) {
        hasAt = true;
      } else if (k === COLON) {
        hasColon = true;
      } else if (isUpper(foldCode(text.charCodeAt(i + 1)))) {
        plateStart = true;
      }
    }
    prev = c;
  }
  if (digitRun > 0) {
    digitRuns |= runBit(digitRun);
    if (chain > longestChain) longestChain = chain;
  }
  if (alnumRun > 0) alnumRuns |= runBit(alnumRun);
  if (from > 0) folded += text.slice(from);
  else folded = text;
  const maySecret = SECRET_HINT.test(folded);
  const has = (bit: number, yes: boolean) => (yes ? bit : 0);
  const gates =
    GATE.ALWAYS |
    has(GATE.SECRET, maySecret) |
    has(GATE.CHAIN_17, longestChain >= 17) |
    has(GATE.RUN_15, (digitRuns & runBit(15)) !== 0) |
    has(GATE.RUN_12, (digitRuns & runBit(12)) !== 0) |
    has(GATE.ALNUM_18, (alnumRuns & runBit(18)) !== 0) |
    has(GATE.CHAIN_13, longestChain >= 13) |
    has(GATE.IBAN, ibanStart) |
    has(GATE.CHAIN_11, longestChain >= 11) |
    has(GATE.PHONE, digits >= 7 && phoneStart) |
    has(GATE.EMAIL, hasAt) |
    has(GATE.IPV4, dottedDigits >= 3) |
    has(GATE.IPV6, hasColon) |
    has(GATE.CHAIN_9, longestChain >= 9) |
    has(GATE.RUN_9, (digitRuns & runBit(9)) !== 0) |
    has(GATE.RUN_7_TO_9, (digitRuns & (runBit(7) | runBit(8) | runBit(9))) !== 0) |
    has(GATE.PLATE, plateStart && digits >= 2);
  return {
    folded,
    stats: {
      digits,
      upper,
      maySecret,
      digitRuns,
      alnumRuns,
      longestChain,
      dottedDigits,
      phoneStart,
      ibanStart,
      plateStart,
      gates,
    },
  };
}
