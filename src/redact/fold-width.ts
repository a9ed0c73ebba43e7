const FOLDABLE = /[\uff01-\uff5e\u3000\u00a0\u2002-\u200a\u202f\u2010-\u2015\u2212]/g;

function foldChar(ch: string): string {
  return String.fromCharCode(foldCode(ch.charCodeAt(0)));
}

/**
 * The folded form of code unit `c`: full-width ASCII to ASCII, spaces to a space, dashes to `-`;
 * anything else unchanged.
 */
export function foldCode(c: number): number {
  if (c < 0xa0) return c;
  if (c >= 0xff01 && c <= 0xff5e) return c - 0xfee0;
  if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212) return 45;
  if (c === 0x3000 || c === 0x00a0 || (c >= 0x2002 && c <= 0x200a) || c === 0x202f) return 32;
  return c;
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
