const FOLDABLE = /[\uff01-\uff5e\u3000\u00a0\u2002-\u200a\u202f\u2010-\u2015\u2212]/g;

function foldChar(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c >= 0xff01 && c <= 0xff5e) return String.fromCharCode(c - 0xfee0);
  if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212) return '-';
  return ' ';
}

/**
 * Fold full-width ASCII (U+FF01–FF5E), ideographic and other spaces, and dash variants to their
 * ASCII forms, one UTF-16 code unit for one, so offsets in the folded text are offsets in the
 * original. (`normalize('NFKC')` is not used: it changes the length of characters such as `ﬁ`.)
 */
export function foldWidth(text: string): string {
  FOLDABLE.lastIndex = 0;
  return FOLDABLE.test(text) ? text.replace(FOLDABLE, foldChar) : text;
}
