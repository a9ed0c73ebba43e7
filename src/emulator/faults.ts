/** A fault parsed from the `x-emulator-fault` header. */
export interface FaultPlan {
  /** The header value as received. */
  raw: string;
  /** Answer with this error instead of a completion. */
  status?: '401' | '403' | '408' | '429' | '429-quota' | '500' | '503' | '502-html' | '504-html';
  /** Wait before sending headers. */
  delayMs?: number;
  /** Wait between streamed chunks. */
  slowMs?: number;
  /** After K chunks: stop sending, keep the connection open. */
  stallAfter?: number;
  /** After K chunks: destroy the socket (no `[DONE]`). */
  dropAfter?: number;
  /** After K chunks: send an error frame and end (no `[DONE]`). */
  errorAfter?: number;
  /** After K chunks: send a frame that is not valid JSON and end. */
  malformedAfter?: number;
  /** Apply to the first N requests with the same fault key only. */
  times?: number;
  /** `retry-after` override: seconds, or null to omit. */
  retryAfter?: string | null;
  /** `retry-after-ms` override, or null to omit. */
  retryAfterMs?: string | null;
  /** `x-should-retry` override, or null to omit. */
  shouldRetry?: string | null;
}

const STATUSES = new Set(['401', '403', '408', '429', '429-quota', '500', '503', '502-html', '504-html']);
const COUNTED = {
  delay: 'delayMs',
  slow: 'slowMs',
  'stall-after': 'stallAfter',
  'drop-after': 'dropAfter',
  'error-after': 'errorAfter',
  'malformed-after': 'malformedAfter',
} as const;

/**
 * Parses `429;times=2;retry-after-ms=10` or `slow=20,error-after=3`: one or more comma-separated
 * faults, then `;`-separated parameters. Returns a message instead when the value is not understood.
 */
export function parseFault(raw: string): FaultPlan | string {
  const [faultList = '', ...params] = raw.split(';').map((part) => part.trim());
  const plan: FaultPlan = { raw };
  for (const item of faultList
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (STATUSES.has(item)) {
      plan.status = item as NonNullable<FaultPlan['status']>;
      continue;
    }
    const [name = '', value = ''] = item.split('=').map((part) => part.trim());
    const field = COUNTED[name as keyof typeof COUNTED];
    const amount = Number(value);
    if (!field || value === '' || !Number.isInteger(amount) || amount < 0) return `unknown fault '${item}'`;
    plan[field] = amount;
  }
  for (const param of params) {
    const [name = '', value = ''] = param.split('=').map((part) => part.trim());
    const cleared = value === 'none' || value === '' ? null : value;
    if (name === 'times') {
      const times = Number(value);
      if (!Number.isInteger(times) || times < 0) return `invalid times '${value}'`;
      plan.times = times;
    } else if (name === 'retry-after') plan.retryAfter = cleared;
    else if (name === 'retry-after-ms') plan.retryAfterMs = cleared;
    else if (name === 'should-retry') plan.shouldRetry = cleared;
    else return `unknown fault parameter '${name}'`;
  }
  return plan;
}

/** Counts how often each fault key has fired, so `;times=N` lets request N+1 succeed. */
export class FaultCounter {
  readonly #counts = new Map<string, number>();

  /** True when the fault should apply to this request (and counts it). */
  fire(key: string, times: number | undefined): boolean {
    if (times === undefined) return true;
    const count = this.#counts.get(key) ?? 0;
    if (count >= times) return false;
    if (this.#counts.size >= 10_000 && !this.#counts.has(key)) {
      const oldest = this.#counts.keys().next();
      if (!oldest.done) this.#counts.delete(oldest.value);
    }
    this.#counts.set(key, count + 1);
    return true;
  }

  clear(): void {
    this.#counts.clear();
  }
}
