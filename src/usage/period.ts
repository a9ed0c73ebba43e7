import type { BudgetPeriod } from './budget-exceeded-error.js';

/** Milliseconds since the epoch; inject one to control time in tests. */
export type Clock = () => number;

/** The system's clock. */
export const systemClock: Clock = () => Date.now();

/** The system's IANA time zone (e.g. `Asia/Shanghai`), `UTC` when unknown. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** One budget period: its key and its bounds (epoch ms, `start` inclusive, `end` exclusive). */
export interface PeriodBounds {
  /** `2026-11-25` for a day, `2026-11` for a month, in the time zone. */
  key: string;
  start: number;
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (formatters.size > 100) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a time zone. */
function wallClock(
  ms: number,
  timeZone: string,
): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    y: parts.year!,
    m: parts.month!,
    d: parts.day!,
    h: parts.hour!,
    mi: parts.minute!,
    s: parts.second!,
  };
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The first instant at which the zone's wall clock reads `y-m-d 00:00` (or later, when a DST jump
 * skips midnight). Month and day may overflow (`m = 13` is January of the next year).
 */
function startOfLocalDay(y: number, m: number, d: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d);
  let candidate = guess - offsetAt(guess, timeZone);
  // Two refinements settle the offset even across a DST change.
  candidate = guess - offsetAt(candidate, timeZone);
  const w = wallClock(candidate, timeZone);
  const target = new Date(guess);
  if (w.y !== target.getUTCFullYear() || w.m !== target.getUTCMonth() + 1 || w.d !== target.getUTCDate()) {
    // Midnight does not exist that day (clock jumped over it): the day starts at the jump.
    const before = candidate;
    let lo = before;
    let hi = before + 3 * 3600_000;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2);
      const mw = wallClock(mid, timeZone);
      if (mw.d === target.getUTCDate() && mw.m === target.getUTCMonth() + 1) hi = mid;
      else lo = mid;
    }
    return hi;
  }
  return candidate;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The day or month containing `now` in `timeZone`, with its exact bounds. DST-safe: a day may last
 * 23 or 25 hours; it always starts at local midnight.
 */
export function periodBounds(period: BudgetPeriod, now: number, timeZone: string): PeriodBounds {
  // Every call of a budgeted request asks for the same few periods: reuse the last bounds computed
  // for a period and zone while `now` is inside them (the zone's formatting is the costly part).
  const slot = `${period}\0${timeZone}`;
  const last = lastBounds.get(slot);
  if (last !== undefined && now >= last.start && now < last.end) return last;
  const bounds = computeBounds(period, now, timeZone);
  if (lastBounds.size > 100) lastBounds.clear();
  lastBounds.set(slot, bounds);
  return bounds;
}

const lastBounds = new Map<string, Readonly<PeriodBounds>>();

function computeBounds(period: BudgetPeriod, now: number, timeZone: string): PeriodBounds {
  const w = wallClock(now, timeZone);
  if (period === 'day') {
    return {
      key: `${pad(w.y, 4)}-${pad(w.m)}-${pad(w.d)}`,
      start: startOfLocalDay(w.y, w.m, w.d, timeZone),
      end: startOfLocalDay(w.y, w.m, w.d + 1, timeZone),
    };
  }
  return {
    key: `${pad(w.y, 4)}-${pad(w.m)}`,
    start: startOfLocalDay(w.y, w.m, 1, timeZone),
    end: startOfLocalDay(w.y, w.m + 1, 1, timeZone),
  };
}

/** Checks a time zone name; returns it, or throws a RangeError for an unknown one. */
export function checkTimeZone(timeZone: string): string {
  new Intl.DateTimeFormat('en-US', { timeZone });
  return timeZone;
}
