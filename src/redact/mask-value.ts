const ALNUM = /[0-9A-Za-z]/;

/** `138****8000`, `z***@example.com`: keep the ends, star the middle, separators kept. One-way. */
export function maskValue(value: string, type: string): string {
  if (type === 'EMAIL') {
    const at = value.indexOf('@');
    if (at > 0) return `${value[0]}***${value.slice(at)}`;
  }
  const positions: number[] = [];
  for (let i = 0; i < value.length; i++) if (ALNUM.test(value[i] as string)) positions.push(i);
  const n = positions.length;
  if (n === 0) return '*'.repeat(Math.min(value.length, 8));
  const head = n >= 11 ? 3 : n >= 7 ? 2 : n >= 5 ? 1 : 0;
  const tail = n >= 11 ? 4 : n >= 7 ? 2 : n >= 5 ? 1 : 0;
  const chars = [...value.split('')];
  positions.forEach((p, k) => {
    if (k >= head && k < n - tail) chars[p] = '*';
  });
  // Characters that are neither alphanumeric nor separators (CJK in a plate) are starred too.
  return chars.map((c, i) => (i > 0 && i < value.length - 1 && /[^\x00-\x7f]/.test(c) ? '*' : c)).join('');
}
