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
const matcherCache = new Map<string, RegExp>();

/** One alternation per word list: group 1 = positive word, group 2 = negative word; longer words first. */
const byList = new WeakMap<readonly string[], [RegExp | undefined, RegExp | undefined]>();

function matcher(positive: readonly string[], useNegative: boolean): RegExp {
  const slot = useNegative ? 1 : 0;
  const known = byList.get(positive)?.[slot];
  if (known) return known;
  const cacheKey = `${useNegative ? 1 : 0}\u0000${positive.join('\u0001')}`;
  let re = matcherCache.get(cacheKey);
  if (!re) {
    const alt = (ws: readonly string[]) =>
      [...ws]
        .sort((a, b) => b.length - a.length)
        .map(escapeRe)
        .join('|');
    const parts = [positive.length > 0 ? `(${alt(positive)})` : '()(?!)'];
    if (useNegative) parts.push(`(${alt(NEGATIVE_WORDS)})`);
    re = new RegExp(parts.join('|'), 'gi');
    matcherCache.set(cacheKey, re);
  }
  const entry = byList.get(positive) ?? [undefined, undefined];
  entry[slot] = re;
  byList.set(positive, entry);
  return re;
}

/**
 * The polarity of the closest context word before `start` in the (folded) text: +1 positive,
 * -1 negative, 0 none. Chinese has no spaces, so words are matched as substrings.
 */
export function contextPolarity(
  folded: string,
  start: number,
  positive: readonly string[],
  useNegative: boolean,
): -1 | 0 | 1 {
  if (positive.length === 0 && !useNegative) return 0;
  const from = Math.max(0, start - CONTEXT_WINDOW);
  const window = folded.slice(from, start);
  const re = matcher(positive, useNegative);
  re.lastIndex = 0;
  let bestEnd = -1;
  let polarity: -1 | 0 | 1 = 0;
  for (let m = re.exec(window); m !== null; m = re.exec(window)) {
    const end = m.index + m[0].length;
    if (end >= bestEnd) {
      bestEnd = end;
      polarity = m[1] !== undefined && m[1] !== '' ? 1 : -1;
    }
    if (m[0].length === 0) re.lastIndex++;
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
