/** Built-in kinds of personal data and secrets the guard recognises. */
export const BUILT_IN_TYPES = [
  'SECRET_OPENAI',
  'SECRET_AWS',
  'SECRET_GITHUB',
  'SECRET_JWT',
  'SECRET_PRIVATE_KEY',
  'SECRET_PASSWORD',
  'CN_ID',
  'CN_USCC',
  'BANK_CARD',
  'IBAN',
  'CN_PHONE',
  'PHONE',
  'EMAIL',
  'IP',
  'US_SSN',
  'PASSPORT',
  'CN_PLATE',
] as const;

export type BuiltInPiiType = (typeof BUILT_IN_TYPES)[number];

/** A built-in type, or the name of a custom pattern / deny-list entry (upper case letters and `_`). */
export type PiiType = BuiltInPiiType | (string & {});

/**
 * What to do with a finding:
 * - `placeholder`: replace by a stable, reversible placeholder such as `[CN_PHONE_1]` (restored in the answer);
 * - `redact`: replace by `[REDACTED_<TYPE>]`, one-way (never restored);
 * - `mask`: keep the ends, star the middle (`138****8000`), one-way;
 * - `block`: refuse the request with {@link PiiBlockedError};
 * - `allow`: leave the text as it is.
 */
export type PiiAction = 'placeholder' | 'redact' | 'mask' | 'block' | 'allow';

/** One piece of personal data found in a text. Offsets are UTF-16 code units into the original text. */
export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
  /** Confidence after validation and context, 0–1. */
  score: number;
  /** The matched text, exactly as in the input. Never log it. */
  value: string;
}

/** A user-defined detector, from the config file (`redact.patterns`) or the API. */
export interface CustomPattern {
  /** Type name, upper case letters and `_` (e.g. `EMPLOYEE_ID`): used in placeholders and counts. */
  type: string;
  /** A JavaScript regular expression source. It runs on the width-folded text. */
  pattern: string;
  /** Regular expression flags besides `g` (e.g. `i`). @default '' */
  flags?: string;
  /** Confidence given to its matches. @default 0.9 */
  score?: number;
}

/** A deny-list entry: this exact text is always treated as personal data of `type`. */
export interface DenyEntry {
  value: string;
  /** @default 'CUSTOM' */
  type?: string;
}

/** Options of {@link detectPii}. */
export interface DetectOptions {
  /** Findings scoring below this are dropped. @default 0.5 */
  threshold?: number;
  /** Restrict detection to these types (built-in or custom). @default all */
  types?: readonly PiiType[];
  /** Extra detectors. @default [] */
  patterns?: readonly CustomPattern[];
  /** Texts never reported (compared on the exact text and on its digits/letters only). @default [] */
  allow?: readonly string[];
  /** Texts always reported. @default [] */
  deny?: readonly (string | DenyEntry)[];
  /** Clock for "birth date not in the future". @default () => new Date() */
  now?: () => Date;
}
