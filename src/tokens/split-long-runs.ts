/**
 * Pure-JS BPE is quadratic in the length of one pre-tokenizer piece, and a piece can be as long as
 * a run of non-whitespace (base64, CJK without spaces) or of whitespace. Cutting every such run
 * into slices of at most `maxRunChars` bounds the work per piece; text between long runs is kept
 * whole, so ordinary text is encoded exactly as the API does.
 */
export function splitLongRuns(
  text: string,
  maxRunChars: number,
  maxSegmentChars = Number.POSITIVE_INFINITY,
): string[] {
  if (text.length <= maxRunChars) return [text];
  const segments = splitRuns(text, maxRunChars);
  if (text.length <= maxSegmentChars) return segments;
  return segments.flatMap((segment) => capSegment(segment, maxSegmentChars));
}

/**
 * Cuts a long segment into pieces of about `max` characters where the cut cannot change the
 * tokenization: after a line break, or before a single space that sits between two non-spaces
 * (" word" starts a new pre-tokenizer piece either way). Falls back to a plain cut when no such
 * place exists in the last quarter of the window.
 */
function capSegment(segment: string, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (segment.length - start > max) {
    const limit = start + max;
    let cut = -1;
    for (let i = limit; i > limit - (max >> 2); i--) {
      const before = segment.charCodeAt(i - 1);
      if (before === 10) {
        cut = i;
        break;
      }
      if (segment.charCodeAt(i) === 32 && !isSpace(before) && !isSpace(segment.charCodeAt(i + 1))) {
        cut = i;
        break;
      }
    }
    if (cut === -1) cut = cutPoint(segment, limit, limit);
    out.push(segment.slice(start, cut));
    start = cut;
  }
  out.push(segment.slice(start));
  return out;
}

function isSpace(code: number): boolean {
  return (
    code === 32 ||
    code === 9 ||
    code === 10 ||
    code === 13 ||
    code === 12 ||
    code === 11 ||
    code === 0xa0 ||
    Number.isNaN(code)
  );
}

function splitRuns(text: string, maxRunChars: number): string[] {
  const segments: string[] = [];
  // Without the `u` flag a run is measured in UTF-16 code units, the unit the slices are cut in.
  const longRun = new RegExp(`\\S{${maxRunChars + 1},}|\\s{${maxRunChars + 1},}`, 'g');
  let start = 0;
  for (let match = longRun.exec(text); match !== null; match = longRun.exec(text)) {
    const runStart = match.index;
    const runEnd = runStart + match[0].length;
    // The first slice stays attached to the text before it (a leading space joins the word).
    let cut = cutPoint(text, runStart + maxRunChars, runEnd);
    segments.push(text.slice(start, cut));
    while (runEnd - cut > maxRunChars) {
      const next = cutPoint(text, cut + maxRunChars, runEnd);
      segments.push(text.slice(cut, next));
      cut = next;
    }
    start = cut;
  }
  segments.push(text.slice(start));
  return segments.filter((segment) => segment.length > 0);
}

/** Never cut between the two halves of a surrogate pair. */
function cutPoint(text: string, at: number, limit: number): number {
  const position = Math.min(at, limit);
  const code = text.charCodeAt(position - 1);
  return code >= 0xd800 && code <= 0xdbff ? position - 1 : position;
}
