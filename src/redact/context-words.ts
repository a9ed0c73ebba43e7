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
  const from = Math.max(0, start - CONTEXT_WINDOW);
  const window = folded.slice(from, start).toLowerCase();
  let bestEnd = -1;
  let bestLen = 0;
  let polarity: -1 | 0 | 1 = 0;
  const consider = (words: readonly string[], p: -1 | 1) => {
    for (const w of words) {
      const at = window.lastIndexOf(w);
      if (at < 0) continue;
      const end = at + w.length;
      if (end > bestEnd || (end === bestEnd && w.length > bestLen)) {
        bestEnd = end;
        bestLen = w.length;
        polarity = p;
      }
    }
  };
  consider(positive, 1);
  if (useNegative) consider(NEGATIVE_WORDS, -1);
  return polarity;
}
