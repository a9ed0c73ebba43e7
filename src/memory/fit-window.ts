import type { ChatMessage } from '../openai/wire-types.js';
import { MemoryError } from './memory-error.js';

/** One history message with its cached token count (by the published chat rule). */
export interface WindowMessage {
  message: ChatMessage;
  /** Tokens this message adds to a prompt (3 + its strings, +1 for a name). */
  tokens: number;
}

/** Input of {@link fitWindow}. */
export interface FitWindowInput {
  /** The system (or developer) prompt, always kept. */
  system?: WindowMessage | null;
  /** The running summary of evicted turns, injected right after the system prompt. */
  summary?: WindowMessage | null;
  /** The conversation in order, oldest first, the message being sent last. */
  history: readonly WindowMessage[];
  /**
   * Prompt tokens the window may use, including the 3-token reply primer:
   * context window − reserved completion − tools − margin.
   */
  budget: number;
  /**
   * Largest share of `budget` one message may take before it is truncated with a marker.
   * @default 0.5
   */
  maxMessageShare?: number;
  /** Counts one message (used only for messages that must be truncated). */
  countMessage: (message: ChatMessage) => number;
}

/** The messages to send, and what was left out. */
export interface FitWindowResult {
  /** System prompt, summary, then the most recent whole turns that fit. */
  messages: ChatMessage[];
  /** Prompt tokens of `messages` including the reply primer (≤ budget). */
  tokens: number;
  /** Index in `history` of the first message sent; everything before it is evicted. */
  firstKept: number;
  /** Indexes in `history` of messages sent truncated. */
  truncated: number[];
  /** Indexes in `history` of messages never sendable (orphan tool results, unanswered tool calls, leading assistant). */
  dropped: number[];
  /** Whether the summary was included. */
  summaryIncluded: boolean;
}

/** The reply primer every chat request costs (`<|start|>assistant<|message|>`). */
const PRIMER = 3;
/** Tokens a truncated message keeps at least, so a question is never sent empty. */
const MIN_KEPT_TOKENS = 16;

interface Unit {
  /** Indexes in history, in order. */
  indexes: number[];
}

interface Turn {
  units: Unit[];
}

/**
 * Choose what goes upstream. Rules, in order of priority:
 * 1. the system prompt is always kept (an error if even it does not fit);
 * 2. the window never starts with an assistant or tool message: history is cut only at the start of
 *    a user turn;
 * 3. an assistant message with `tool_calls` and its tool results are kept or dropped together;
 *    incomplete units and orphan tool results are never sent;
 * 4. a message larger than `maxMessageShare` of the budget, or the newest turn when it alone does not
 *    fit, is truncated with a marker instead of evicting everything;
 * 5. then the most recent whole turns that fit, newest first, stopping at the first that does not.
 */
export function fitWindow(input: FitWindowInput): FitWindowResult {
  const { history, budget, countMessage } = input;
  const share = input.maxMessageShare ?? 0.5;
  const system = input.system ?? null;
  let used = PRIMER + (system?.tokens ?? 0);
  if (used > budget) {
    throw new MemoryError(
      'context_budget_too_small',
      `The system prompt alone (${system?.tokens ?? 0} tokens) does not fit the history budget of ${budget} tokens.`,
      {
        hint: 'Shorten the system prompt, lower the reserved completion tokens, or use a model with a larger context window.',
      },
    );
  }
  let summary = input.summary ?? null;
  if (summary && used + summary.tokens > budget) summary = null;
  if (summary) used += summary.tokens;

  const { turns, dropped } = groupTurns(history);
  const cap = Math.max(MIN_KEPT_TOKENS + 8, Math.floor((budget - used) * share));
  const sent = new Map<number, WindowMessage>();
  const truncated: number[] = [];
  const sized = (index: number): WindowMessage => {
    const existing = sent.get(index);
    if (existing) return existing;
    const original = history[index]!;
    if (original.tokens <= cap) return original;
    const cut = truncateMessage(original, cap, countMessage);
    if (cut !== original) truncated.push(index);
    sent.set(index, cut);
    return cut;
  };
  const turnTokens = (turn: Turn) =>
    turn.units.reduce((sum, u) => sum + u.indexes.reduce((s, i) => s + sized(i).tokens, 0), 0);

  const kept: Turn[] = [];
  for (let t = turns.length - 1; t >= 0; t--) {
    const turn = turns[t]!;
    let tokens = turnTokens(turn);
    if (used + tokens > budget && kept.length === 0) {
      // The newest turn alone is too big: shrink its largest messages until it fits.
      tokens = shrinkTurn(turn, budget - used, history, sent, truncated, countMessage);
    }
    if (used + tokens > budget) break;
    used += tokens;
    kept.unshift(turn);
  }
  if (kept.length === 0 && turns.length > 0) {
    throw new MemoryError(
      'context_budget_too_small',
      `The newest message does not fit the history budget of ${budget} tokens even truncated.`,
      { hint: 'Raise maxContextTokens, lower the reserved completion tokens, or shorten the system prompt.' },
    );
  }

  const messages: ChatMessage[] = [];
  if (system) messages.push(system.message);
  if (summary) messages.push(summary.message);
  let firstKept = history.length;
  for (const turn of kept) {
    for (const unit of turn.units) {
      for (const index of unit.indexes) {
        firstKept = Math.min(firstKept, index);
        messages.push((sent.get(index) ?? history[index]!).message);
      }
    }
  }
  return {
    messages,
    tokens: used,
    firstKept,
    truncated: truncated.filter((i) => i >= firstKept).sort((a, b) => a - b),
    dropped,
    summaryIncluded: summary !== null,
  };
}

/**
 * Split history into turns (a user message and everything up to the next user message) made of
 * units (a message, or an assistant `tool_calls` message with all its results). Messages that can
 * never be sent validly are reported in `dropped`.
 */
export function groupTurns(history: readonly WindowMessage[]): { turns: Turn[]; dropped: number[] } {
  const turns: Turn[] = [];
  const dropped: number[] = [];
  let current: Turn | null = null;
  let i = 0;
  while (i < history.length) {
    const message = history[i]!.message;
    if (message.role === 'user') {
      current = { units: [{ indexes: [i] }] };
      turns.push(current);
      i++;
      continue;
    }
    if (current === null || message.role === 'tool') {
      // Before the first user message, or a tool result without its call right before it.
      dropped.push(i);
      i++;
      continue;
    }
    const calls = message.role === 'assistant' ? (message.tool_calls ?? []) : [];
    if (calls.length === 0) {
      current.units.push({ indexes: [i] });
      i++;
      continue;
    }
    const wanted = new Set(calls.map((c) => c.id));
    const unit: Unit = { indexes: [i] };
    let j = i + 1;
    while (j < history.length && history[j]!.message.role === 'tool') {
      const id = history[j]!.message.tool_call_id;
      if (id !== undefined && wanted.has(id)) {
        wanted.delete(id);
        unit.indexes.push(j);
      } else {
        dropped.push(j);
      }
      j++;
    }
    if (wanted.size === 0) current.units.push(unit);
    else dropped.push(...unit.indexes);
    i = j;
  }
  return { turns, dropped: dropped.sort((a, b) => a - b) };
}

function shrinkTurn(
  turn: Turn,
  room: number,
  history: readonly WindowMessage[],
  sent: Map<number, WindowMessage>,
  truncated: number[],
  countMessage: (message: ChatMessage) => number,
): number {
  const indexes = turn.units.flatMap((u) => u.indexes);
  const current = (i: number) => sent.get(i) ?? history[i]!;
  let total = indexes.reduce((s, i) => s + current(i).tokens, 0);
  // Largest first; each is cut to what the others leave, never below the floor.
  for (let guard = 0; guard < indexes.length && total > room; guard++) {
    const largest = indexes.reduce((a, b) => (current(b).tokens > current(a).tokens ? b : a));
    const others = total - current(largest).tokens;
    const target = Math.max(MIN_KEPT_TOKENS, room - others);
    const cut = truncateMessage(current(largest), target, countMessage);
    if (cut.tokens >= current(largest).tokens) break;
    if (!truncated.includes(largest)) truncated.push(largest);
    sent.set(largest, cut);
    total = others + cut.tokens;
  }
  return total;
}

/** Marker put where text was cut out. */
export function truncationMarker(removedChars: number): string {
  return `\n[… ${removedChars} characters truncated to fit the context window …]\n`;
}

/**
 * Cut a message's text (keeping its beginning and end, with a marker in the middle) until it counts
 * at most `target` tokens. Messages without text to cut are returned unchanged. Only the text that
 * is kept is counted (in small slices), so cutting a huge paste costs about as much as the window.
 */
export function truncateMessage(
  original: WindowMessage,
  target: number,
  countMessage: (message: ChatMessage) => number,
): WindowMessage {
  const text = textOf(original.message);
  if (text === null || original.tokens <= target) return original;
  const build = (head: number, tail: number): WindowMessage => {
    const kept = head + tail;
    const content =
      text.slice(0, head) + truncationMarker(text.length - kept) + text.slice(text.length - tail);
    const message = { ...original.message, content };
    return { message, tokens: countMessage(message) };
  };
  const empty = build(0, 0);
  if (empty.tokens >= target) return empty;
  const sliceTokens = (slice: string) =>
    countMessage({ role: 'user', content: slice }) - countMessage({ role: 'user', content: '' });
  let room = target - empty.tokens;
  let best = empty;
  for (let attempt = 0; attempt < 6 && room > 0; attempt++) {
    const headRoom = Math.ceil(room * 0.7);
    const head = charsWithin(text, headRoom, sliceTokens, 'start');
    const tail = charsWithin(text.slice(head), room - headRoom, sliceTokens, 'end');
    const candidate = build(head, tail);
    if (candidate.tokens <= target) {
      best = candidate;
      break;
    }
    // Slices join into a few more tokens than they count alone: give back the excess and retry.
    room -= candidate.tokens - target + 1;
  }
  return best;
}

const SLICE = 2048;

/** How many characters from one end of `text` fit in `tokens`, counting slice by slice. */
function charsWithin(
  text: string,
  tokens: number,
  sliceTokens: (slice: string) => number,
  from: 'start' | 'end',
): number {
  let used = 0;
  let chars = 0;
  const take = (n: number) =>
    from === 'start'
      ? text.slice(chars, chars + n)
      : text.slice(text.length - chars - n, text.length - chars);
  while (chars < text.length && used < tokens) {
    const slice = take(Math.min(SLICE, text.length - chars));
    const cost = sliceTokens(slice);
    if (used + cost <= tokens) {
      used += cost;
      chars += slice.length;
      continue;
    }
    // The last slice does not fit whole: binary search within it.
    let lo = 0;
    let hi = slice.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const part = from === 'start' ? slice.slice(0, mid) : slice.slice(slice.length - mid);
      if (used + sliceTokens(part) <= tokens) lo = mid;
      else hi = mid - 1;
    }
    chars += lo;
    break;
  }
  // Never end on half a surrogate pair.
  const edge = from === 'start' ? text.charCodeAt(chars - 1) : text.charCodeAt(text.length - chars);
  if (
    chars > 0 &&
    edge >= (from === 'start' ? 0xd800 : 0xdc00) &&
    edge <= (from === 'start' ? 0xdbff : 0xdfff)
  ) {
    chars -= 1;
  }
  return chars;
}

function textOf(message: ChatMessage): string | null {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) {
    const parts = message.content.filter((p) => p.type === 'text');
    if (parts.length === 0) return null;
    return parts.map((p) => String((p as { text?: unknown }).text ?? '')).join('\n');
  }
  return null;
}
