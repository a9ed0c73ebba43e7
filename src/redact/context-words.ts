/** How far before a candidate context words are looked for, in UTF-16 code units of folded text. */
export const CONTEXT_WINDOW = 16;

/** Words that make a number look like a business identifier rather than personal data. */
export const NEGATIVE_WORDS: readonly string[] = [
  '订单号',
  '订单',
  '单号',
  '运单',
  '快递',
  '物流',
  '流水号',
  '流水',
  '交易号',
  '工单',
  '发票',
  '票号',
  '批次',
  '版本',
  '时间戳',
  '序列号',
  '条码',
  '商品',
  'sku',
  'order',
  'tracking',
  'txn',
  'transaction',
  'invoice',
  'timestamp',
  'version',
  'build',
  'serial',
  'ticket',
  'isbn',
];

/** Words that make a candidate of each type more likely to be personal data. */
export const POSITIVE_WORDS: Readonly<Record<string, readonly string[]>> = {
  CN_ID: [
    '身份证',
    '身份号',
    '证件',
    '公民身份',
    'id card',
    'id number',
    'id no',
    'identity',
    '居住证',
    '永久居留',
  ],
  CN_USCC: ['信用代码', '营业执照', '税号', '纳税人识别号', '社会信用', 'uscc', 'credit code', 'tax id'],
  BANK_CARD: ['卡号', '银行卡', '账号', '账户', '开户行', '信用卡', '储蓄卡', '借记卡', 'card', 'account'],
  IBAN: ['iban', '账户', '账号', 'account'],
  CN_PHONE: ['手机', '电话', '联系', '微信', '致电', '短信', 'tel', 'phone', 'mobile', 'call', 'whatsapp'],
  PHONE: ['电话', '座机', '联系', '传真', 'tel', 'phone', 'fax', 'call'],
  US_SSN: ['ssn', 'social security', '社会安全号', '社保号'],
  PASSPORT: ['护照', '证件', '通行证', 'passport', 'travel document'],
  CN_PLATE: ['车牌', '车辆', '车号', 'plate', 'license', 'licence'],
  IP: ['ip', '地址', 'address', 'host', 'server', '服务器'],
  EMAIL: ['邮箱', '邮件', 'email', 'e-mail', 'mail'],
};

const escapeRe = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The words that start with one code unit, in the order an alternation would try them. */
interface Bucket {
  words: string[];
  /** Each word's second code unit (-1 for a one-character word): most tries stop there. */
  seconds: number[];
  polarities: (1 | -1)[];
}

/**
 * The words of one positive list (and the business words when `useNegative`), by their first code
 * unit, each bucket in the order an alternation `(positive…)|(negative…)` with longer words first
 * would try them. Words are lower-case ASCII or caseless (Chinese): ASCII letters of the text are
 * compared lower-case, as a case-insensitive expression (without `u`) compares them.
 */
export interface ContextWords {
  /** Buckets by an ASCII first code unit. */
  ascii: (Bucket | undefined)[];
  /** Buckets by any other first code unit (Chinese characters). */
  other: Map<number, Bucket>;
}

/** Non-ASCII code units that start some context word: one load skips most Chinese characters. */
const FIRST_CODES = new Uint8Array(0x10000);
const tables = new WeakMap<readonly string[], [ContextWords | undefined, ContextWords | undefined]>();

/**
 * The context words of a detector: its positive words, and the business words when `useNegative`;
 * undefined when it has none. Built once per list.
 */
export function contextWords(positive: readonly string[], useNegative: boolean): ContextWords | undefined {
  if (positive.length === 0 && !useNegative) return undefined;
  const slot = useNegative ? 1 : 0;
  const known = tables.get(positive)?.[slot];
  if (known) return known;
  const table: ContextWords = { ascii: new Array(128).fill(undefined), other: new Map() };
  const add = (words: readonly string[], polarity: 1 | -1) => {
    for (const w of [...words].sort((a, b) => b.length - a.length)) {
      if (w.length === 0) continue;
      const word = w.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
      const first = word.charCodeAt(0);
      let bucket = first < 128 ? table.ascii[first] : table.other.get(first);
      if (bucket === undefined) {
        bucket = { words: [], seconds: [], polarities: [] };
        if (first < 128) table.ascii[first] = bucket;
        else table.other.set(first, bucket);
      }
      FIRST_CODES[first] = 1;
      bucket.words.push(word);
      bucket.seconds.push(word.length > 1 ? word.charCodeAt(1) : -1);
      bucket.polarities.push(polarity);
    }
  };
  add(positive, 1);
  if (useNegative) add(NEGATIVE_WORDS, -1);
  const entry = tables.get(positive) ?? [undefined, undefined];
  entry[slot] = table;
  tables.set(positive, entry);
  return table;
}

/** The code unit at `i`, an ASCII upper-case letter lowered (NaN past the end). */
function lowerAt(folded: string, i: number): number {
  const c = folded.charCodeAt(i);
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Whether `word` occurs in `folded` at `at` (its first two code units already matched). */
function wordAt(folded: string, at: number, word: string): boolean {
  for (let k = 2; k < word.length; k++) if (lowerAt(folded, at + k) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * The polarity of the closest context word before `start` in the (folded) text: +1 positive,
 * -1 negative, 0 none (also when `words` is undefined). Chinese has no spaces, so words are
 * matched as substrings. The window is read left to right, a found word is skipped whole, and the
 * last word found wins: what a global case-insensitive search of the alternation over the window
 * gives, without its match arrays.
 */
export function contextPolarity(folded: string, start: number, words: ContextWords | undefined): -1 | 0 | 1 {
  if (words === undefined) return 0;
  let polarity: -1 | 0 | 1 = 0;
  let p = Math.max(0, start - CONTEXT_WINDOW);
  while (p < start) {
    let c = folded.charCodeAt(p);
    let bucket: Bucket | undefined;
    if (c < 128) {
      if (c >= 65 && c <= 90) c += 32;
      bucket = words.ascii[c];
    } else if (FIRST_CODES[c] === 1) {
      bucket = words.other.get(c);
    }
    let found = 0;
    if (bucket !== undefined) {
      const second = p + 1 < start ? lowerAt(folded, p + 1) : -2;
      const { words: list, seconds } = bucket;
      for (let e = 0; e < list.length; e++) {
        const word = list[e] as string;
        const s2 = seconds[e] as number;
        if (s2 >= 0 && (s2 !== second || p + word.length > start || !wordAt(folded, p, word))) continue;
        found = word.length;
        polarity = bucket.polarities[e] as 1 | -1;
        break;
      }
    }
    p += found > 0 ? found : 1;
  }
  return polarity;
}

const anywhere = new WeakMap<readonly string[], RegExp>();

/** Whether any of these words occurs anywhere in the text (case-insensitive). */
export function hasPositiveWord(folded: string, words: readonly string[]): boolean {
  if (words.length === 0) return false;
  let re = anywhere.get(words);
  if (!re) {
    re = new RegExp(
      [...words]
        .sort((a, b) => b.length - a.length)
        .map(escapeRe)
        .join('|'),
      'i',
    );
    anywhere.set(words, re);
  }
  return re.test(folded);
}
