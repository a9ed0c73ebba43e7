import { hash } from 'node:crypto';
import type { ChatRequest } from '../openai/wire-types.js';
import { type Clock, systemClock } from './period.js';
import { RunawayRequestError } from './runaway-request-error.js';

/** Options of {@link createRunawayGuard}. */
export interface RunawayGuardOptions {
  /**
   * Identical requests from one caller allowed within `windowMs`; one more is refused. 0 disables.
   * @default 10
   */
  maxRepeats?: number;
  /**
   * The window, in ms.
   * @default 60000
   */
  windowMs?: number;
  /** @default Date.now */
  clock?: Clock;
  /**
   * Most distinct (caller, request) pairs remembered; the least recent are forgotten first.
   * @default 10000
   */
  maxEntries?: number;
}

/** Refuses the same request repeated too often by one caller (a bug calling the model in a loop). */
export interface RunawayGuard {
  /**
   * Records the request; throws (or, for a guard kept in another process, rejects with)
   * {@link RunawayRequestError} when it is one repeat too many.
   */
  check(caller: string, request: ChatRequest): void | Promise<void>;
}

/**
 * The runaway guard's memory, by request key ({@link runawayKey}): what a guard shared by several
 * processes keeps in one of them.
 */
export interface RunawayCounter {
  /** Records one more sighting of `key`; throws {@link RunawayRequestError} when it is one too many. */
  hit(caller: string, key: string): void;
}

/** What identifies "the same request from the same caller": a digest of both. */
export function runawayKey(caller: string, request: ChatRequest): string {
  return hash('sha256', `${caller}\0${JSON.stringify(request)}`, 'base64');
}

/**
 * The "bug in a loop" guard. Two requests are the same when their whole body (model, messages,
 * parameters) is byte-for-byte equal after JSON encoding. Kept in this process's memory, bounded.
 */
export function createRunawayGuard(
  options: RunawayGuardOptions = {},
  /**
   * Where the counts are kept, when not in this process (`serve --workers`: the primary's): it gets
   * the request's key and the guard's settings, and throws or rejects as `check` does.
   */
  hit?: (
    caller: string,
    key: string,
    settings: { maxRepeats: number; windowMs: number },
  ) => void | Promise<void>,
): RunawayGuard {
  const settings = {
    maxRepeats: options.maxRepeats ?? DEFAULT_MAX_REPEATS,
    windowMs: options.windowMs ?? DEFAULT_WINDOW_MS,
  };
  if (settings.maxRepeats <= 0) return { check() {} };
  if (hit) return { check: (caller, request) => hit(caller, runawayKey(caller, request), settings) };
  const counter = createRunawayCounter(options);
  return {
    check(caller, request) {
      counter.hit(caller, runawayKey(caller, request));
    },
  };
}

const DEFAULT_MAX_REPEATS = 10;
const DEFAULT_WINDOW_MS = 60_000;

/** The guard's bounded memory of recent requests, by key (see {@link createRunawayGuard}). */
export function createRunawayCounter(options: RunawayGuardOptions = {}): RunawayCounter {
  const maxRepeats = options.maxRepeats ?? DEFAULT_MAX_REPEATS;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const clock = options.clock ?? systemClock;
  const maxEntries = options.maxEntries ?? 10_000;
  // Per (caller, request): the times it was let through, oldest first, from `head` on. Expired ones
  // are skipped by moving `head` (no copy per call: a high `maxRepeats` keeps many times).
  const seen = new Map<string, { times: number[]; head: number }>();
  return {
    hit(caller, key) {
      if (maxRepeats <= 0) return;
      const now = clock();
      const entry = seen.get(key) ?? { times: [], head: 0 };
      const { times } = entry;
      while (entry.head < times.length && now - times[entry.head]! >= windowMs) entry.head++;
      if (entry.head > 64 && entry.head * 2 > times.length) {
        entry.times = times.slice(entry.head);
        entry.head = 0;
      }
      seen.delete(key);
      seen.set(key, entry);
      if (entry.times.length - entry.head >= maxRepeats) {
        const oldest = entry.times[entry.head]!;
        throw new RunawayRequestError(caller, maxRepeats, windowMs, Math.max(0, oldest + windowMs - now));
      }
      entry.times.push(now);
      if (seen.size > maxEntries) {
        const oldest = seen.keys().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
    },
  };
}
