import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../config/index.js';
import {
  createMemoryRateLimiter,
  createRunawayCounter,
  createRunawayGuard,
  type RateDecision,
  type RateLimiter,
  RateLimitStoreError,
  type RateLimits,
  type RunawayCounter,
  type RunawayGuard,
  type RunawayGuardOptions,
  RunawayRequestError,
} from '../usage/index.js';
import { GatewayConfigError } from './gateway-error.js';

/**
 * Several gateway processes on one port (`steadychat serve --workers N`): a primary process forks N
 * workers with `node:cluster`; the kernel hands each new connection to one of them. The store is
 * shared already (budgets, ledger, keys, conversations: SQLite or PostgreSQL, any number of
 * processes); what lives in one process's memory is shared through the primary:
 *
 * - rate limits (token buckets) and the runaway guard's counts: each worker asks the primary, all the
 *   questions of one event-loop turn in one message (with Redis configured, the workers use Redis
 *   for rate limits instead, shared with other machines too);
 * - `/metrics`: the worker that is asked collects every worker's metrics through the primary and
 *   answers their sum;
 * - key changes: a key created or revoked through one worker's admin API drops the others' caches.
 */

// Every message of ours carries this tag (the cluster module sends its own on the same channel).
const TAG = 'steadychat-cluster';

/** How long a worker waits for the primary's answer before refusing the call. */
const ANSWER_TIMEOUT_MS = 5000;

type Call =
  | {
      op: 'take';
      caller: string;
      cost: { requests: number; tokens: number };
      limits: RateLimits;
      /** The runaway question of the same call, earlier in the same message: refused, nothing is taken. */
      after?: number;
    }
  | { op: 'giveBack'; caller: string; tokens: number; limits: RateLimits }
  | { op: 'runaway'; caller: string; key: string; maxRepeats: number; windowMs: number };

type Answer =
  | { ok: true; value?: RateDecision }
  | {
      ok: false;
      runaway?: { caller: string; maxRepeats: number; windowMs: number; retryAfterMs: number };
      message?: string;
    };

type ToPrimary =
  | { tag: typeof TAG; type: 'calls'; calls: Array<[number, Call]> }
  | { tag: typeof TAG; type: 'metrics'; id: number }
  | { tag: typeof TAG; type: 'keys-changed' }
  | { tag: typeof TAG; type: 'ready'; url: string; open: boolean; upstreams: string[] }
  | { tag: typeof TAG; type: 'failed'; message: string; code?: string; hint?: string };

type ToWorker =
  | { tag: typeof TAG; type: 'answers'; answers: Array<[number, Answer]> }
  | { tag: typeof TAG; type: 'metrics'; id: number; text?: string; message?: string }
  | { tag: typeof TAG; type: 'keys-changed' }
  | { tag: typeof TAG; type: 'shutdown' };

function ignore(): void {}

function ours<T extends { tag: string }>(message: unknown): T | undefined {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === TAG
    ? (message as T)
    : undefined;
}

/** Whether this process is a worker forked by {@link startGatewayCluster}. */
export function isGatewayWorker(): boolean {
  return cluster.isWorker && process.env.STEADYCHAT_CLUSTER_WORKER === '1';
}

// ─── Worker side ────────────────────────────────────────────────────────────────────────────────

/** A worker's view of the cluster: the shared services, and its messages to the primary. */
export interface GatewayClusterMember {
  /** This worker's number (1, 2, …; a restarted worker gets a new one). */
  readonly id: number;
  /** Token buckets kept by the primary (every worker takes from the same buckets). */
  readonly rateLimiter: RateLimiter;
  /** A runaway guard whose counts the primary keeps (a loop spread over connections is still one loop). */
  runawayGuard(options: RunawayGuardOptions): RunawayGuard;
  /** Makes this registry the worker's part of the cluster's metrics. */
  shareMetrics(registry: Registry): void;
  /** Every worker's metrics (their shared registries), summed, in Prometheus' text format. */
  metrics(): Promise<string>;
  /** Tells the other workers that keys changed (they drop their key caches). */
  keysChanged(): void;
  /** Called when another worker changed keys. */
  onKeysChanged(listener: () => void): void;
  /** Called once when the primary asks this worker to shut down (at once if it already has). */
  onShutdown(listener: () => void): void;
  /** Tells the primary that this worker listens (whether it is open, without keys; its upstreams). */
  ready(info: { url: string; open: boolean; upstreams: string[] }): void;
  /**
   * Tells the primary that this worker could not start (the primary reports it and stops); resolves
   * once the message is written (so the worker may then disconnect without losing it).
   */
  failed(error: unknown): Promise<void>;
}

/** Joins the cluster from inside a worker (pass the member to the worker's gateway, option `cluster`). */
export function joinGatewayCluster(): GatewayClusterMember {
  if (!isGatewayWorker() || !process.send) {
    throw new Error('joinGatewayCluster() runs only in a worker forked by startGatewayCluster()');
  }
  const send = (message: ToPrimary, written: (error: Error | null) => void = ignore): boolean => {
    if (!process.connected) return false;
    try {
      // With a callback, a channel that closes meanwhile reports to it instead of as an 'error' event.
      process.send!(message, undefined, undefined, written);
      return true;
    } catch {
      return false;
    }
  };
  let nextId = 1;
  const pending = new Map<number, { resolve(answer: Answer): void; reject(error: Error): void }>();
  const metricsPending = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  let queue: Array<[number, Call]> = [];
  let flushing = false;
  const keysListeners: Array<() => void> = [];
  const shutdownListeners: Array<() => void> = [];
  let shutdownAsked = false;
  const unreachable = (cause: string) =>
    new RateLimitStoreError(`pid ${process.ppid}`, new Error(cause), {
      store: "the gateway's primary process",
      hint: 'The primary process of `steadychat serve --workers` has stopped: restart the gateway.',
    });

  /** The error a refused or failed question stands for. */
  const failure = (answer: Answer): Error => {
    if (!answer.ok && answer.runaway) {
      const r = answer.runaway;
      return new RunawayRequestError(r.caller, r.maxRepeats, r.windowMs, r.retryAfterMs);
    }
    return unreachable(answer.ok ? 'no answer' : (answer.message ?? 'error'));
  };

  // All the questions of one turn of the event loop go in one message.
  const flush = () => {
    flushing = false;
    if (lateTimer) {
      clearTimeout(lateTimer);
      lateTimer = undefined;
    }
    if (queue.length === 0) return;
    const calls = queue;
    queue = [];
    const giveUp = (cause: string) => {
      for (const [id] of calls) {
        pending.get(id)?.reject(unreachable(cause));
        pending.delete(id);
      }
    };
    if (!send({ tag: TAG, type: 'calls', calls })) giveUp('the channel to it is closed');
    // Fail closed, as with Redis: a primary that does not answer does not hold calls forever.
    else setTimeout(giveUp, ANSWER_TIMEOUT_MS, `no answer within ${ANSWER_TIMEOUT_MS} ms`).unref();
  };
  // Calls that need no answer (tokens given back) wait for the next question's message, or this long.
  let lateTimer: NodeJS.Timeout | undefined;
  const LATE_MS = 20;
  const tell = (call: Call) => {
    queue.push([0, call]);
    if (!flushing && !lateTimer) lateTimer = setTimeout(flush, LATE_MS);
  };
  const ask = (call: Call): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      // A take right after its caller's runaway question is the same call's (the budget stage asks
      // both at once): the primary takes nothing if the guard refuses.
      const last = queue[queue.length - 1];
      if (call.op === 'take' && last && last[1].op === 'runaway' && last[1].caller === call.caller)
        call.after = last[0];
      queue.push([id, call]);
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    });

  process.on('message', (raw) => {
    const message = ours<ToWorker>(raw);
    if (!message) return;
    if (message.type === 'answers') {
      for (const [id, answer] of message.answers) {
        const waiter = pending.get(id);
        pending.delete(id);
        waiter?.resolve(answer);
      }
    } else if (message.type === 'metrics') {
      const waiter = metricsPending.get(message.id);
      metricsPending.delete(message.id);
      if (message.text !== undefined) waiter?.resolve(message.text);
      else waiter?.reject(new Error(message.message ?? 'the primary could not collect the metrics'));
    } else if (message.type === 'keys-changed') {
      for (const listener of keysListeners) listener();
    } else if (message.type === 'shutdown' && !shutdownAsked) {
      shutdownAsked = true;
      for (const listener of shutdownListeners) listener();
    }
  });
  process.on('disconnect', () => {
    for (const waiter of pending.values()) waiter.reject(unreachable('it disconnected'));
    pending.clear();
    for (const waiter of metricsPending.values())
      waiter.reject(new Error('the primary process disconnected'));
    metricsPending.clear();
  });

  const rateLimiter: RateLimiter = {
    async take(caller, cost, limits) {
      const answer = await ask({ op: 'take', caller, cost, limits });
      if (answer.ok && answer.value) return answer.value;
      throw failure(answer);
    },
    async giveBack(caller, tokens, limits) {
      // Only a token bucket takes anything back: nothing to send for a key without one. No answer
      // is awaited: tokens that never arrive only make the limit stricter.
      if (!limits.tokensPerMinute || tokens <= 0) return;
      tell({ op: 'giveBack', caller, tokens, limits });
    },
    async close() {},
  };

  return {
    id: cluster.worker?.id ?? 0,
    rateLimiter,
    runawayGuard(options) {
      return createRunawayGuard(options, (caller, key, { maxRepeats, windowMs }) =>
        ask({ op: 'runaway', caller, key, maxRepeats, windowMs }).then((answer) => {
          if (!answer.ok) throw failure(answer);
        }),
      );
    },
    shareMetrics(registry) {
      // The primary collects each worker's registry on request (prom-client's cluster protocol).
      AggregatorRegistry.setRegistries([registry]);
      new AggregatorRegistry();
    },
    metrics() {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        metricsPending.set(id, { resolve, reject });
        if (!send({ tag: TAG, type: 'metrics', id })) {
          metricsPending.delete(id);
          reject(new Error('the primary process is gone'));
        }
      });
    },
    keysChanged() {
      send({ tag: TAG, type: 'keys-changed' });
    },
    onKeysChanged(listener) {
      keysListeners.push(listener);
    },
    onShutdown(listener) {
      // A worker asked to stop while it was still starting stops as soon as it listens.
      if (shutdownAsked) queueMicrotask(listener);
      else shutdownListeners.push(listener);
    },
    ready(info) {
      send({ tag: TAG, type: 'ready', ...info });
    },
    failed(error) {
      const e = error as { message?: unknown; code?: unknown; hint?: unknown };
      const message: ToPrimary = {
        tag: TAG,
        type: 'failed',
        message: String(e?.message ?? error),
        ...(typeof e?.code === 'string' ? { code: e.code } : {}),
        ...(typeof e?.hint === 'string' ? { hint: e.hint } : {}),
      };
      return new Promise((resolve) => {
        if (!send(message, () => resolve())) resolve();
      });
    },
  };
}

// ─── Primary side ───────────────────────────────────────────────────────────────────────────────

/** Options of {@link startGatewayCluster}. */
export interface GatewayClusterOptions {
  /** How many worker processes (at least 2; one process needs no cluster). */
  workers: number;
  /** Added to each worker's environment (e.g. the demo emulator's URL). */
  env?: Record<string, string>;
  /** Script the workers run. @default this process's own script (`process.argv[1]`) */
  exec?: string;
  /** Its arguments. @default this process's own arguments */
  args?: string[];
  /** Where the primary logs worker exits and restarts. */
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long a worker may take to start. @default 60000 */
  readyTimeoutMs?: number;
  /** How long a worker may take to shut down before it is killed. @default 30000 */
  stopTimeoutMs?: number;
}

/** A running cluster of gateway workers. */
export interface GatewayCluster {
  /** Base URL the workers listen on. */
  url: string;
  /** Whether the gateway accepts requests without a key (loopback and no keys defined). */
  open: boolean;
  /** Upstream names in fallback order. */
  upstreams: string[];
  /** Worker processes running now. */
  readonly workers: number;
  /** Process ids of the workers running now. */
  pids(): number[];
  /** Asks every worker to shut down gracefully, waits for them (killing any that hangs). */
  close(): Promise<void>;
}

/** The restart delay after the n-th quick crash in a row: 0.5 s, 1 s, 2 s … at most 30 s. */
function restartDelay(crashes: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, crashes - 1));
}

/**
 * Forks the workers (each runs the same script with the same arguments, and sees
 * {@link isGatewayWorker} true), serves their shared state, and resolves once every worker listens.
 * A worker that dies later is replaced. Rejects (after stopping the others) when a worker fails to
 * start, with that worker's error.
 */
export async function startGatewayCluster(options: GatewayClusterOptions): Promise<GatewayCluster> {
  if (!cluster.isPrimary) throw new Error('startGatewayCluster() runs in the primary process only');
  if (!Number.isInteger(options.workers) || options.workers < 2) {
    throw new GatewayConfigError(
      'invalid_workers',
      `A cluster needs at least 2 workers, not ${options.workers}.`,
      'Use --workers 2 or more, or leave it out to run one process.',
    );
  }
  const logger = options.logger;
  if (options.exec || options.args) {
    cluster.setupPrimary({
      ...(options.exec ? { exec: options.exec } : {}),
      ...(options.args ? { args: options.args } : {}),
    });
  }
  const limiter = createMemoryRateLimiter();
  const counters = new Map<string, RunawayCounter>();
  const aggregator = new AggregatorRegistry();
  const live = new Set<Worker>();
  let closing = false;
  let crashes = 0;
  let lastCrash = 0;
  const restartTimers = new Set<NodeJS.Timeout>();

  // The answers of one message, in order; a take tied to a refused runaway question takes nothing.
  const answerAll = async (calls: Array<[number, Call]>): Promise<Array<[number, Answer]>> => {
    const answers: Array<[number, Answer]> = [];
    const refused = new Map<number, Answer>();
    for (const [id, call] of calls) {
      const tied = call.op === 'take' && call.after !== undefined ? refused.get(call.after) : undefined;
      const result = tied ?? (await answer(call));
      if (call.op === 'runaway' && !result.ok) refused.set(id, result);
      if (id !== 0) answers.push([id, result]);
    }
    return answers;
  };
  const answer = async (call: Call): Promise<Answer> => {
    try {
      if (call.op === 'take')
        return { ok: true, value: await limiter.take(call.caller, call.cost, call.limits) };
      if (call.op === 'giveBack') {
        await limiter.giveBack(call.caller, call.tokens, call.limits);
        return { ok: true };
      }
      const slot = `${call.maxRepeats}/${call.windowMs}`;
      let counter = counters.get(slot);
      if (!counter) {
        counter = createRunawayCounter({ maxRepeats: call.maxRepeats, windowMs: call.windowMs });
        counters.set(slot, counter);
      }
      counter.hit(call.caller, call.key);
      return { ok: true };
    } catch (error) {
      if (error instanceof RunawayRequestError) {
        const { maxRepeats, windowMs } = call as Extract<Call, { op: 'runaway' }>;
        return {
          ok: false,
          runaway: { caller: error.caller, maxRepeats, windowMs, retryAfterMs: error.retryAfterMs },
        };
      }
      return { ok: false, message: (error as Error).message };
    }
  };

  // A worker that is exiting may close its channel while a message is on its way: that is no error
  // of the gateway's (the callback takes it, instead of an 'error' event that would stop the primary).
  const reply = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message, undefined, ignore);
  };

  const onMessage = (worker: Worker, raw: unknown) => {
    const message = ours<ToPrimary>(raw);
    if (!message) return;
    if (message.type === 'calls') {
      void answerAll(message.calls).then((answers) => {
        if (answers.length > 0) reply(worker, { tag: TAG, type: 'answers', answers });
      });
    } else if (message.type === 'metrics') {
      aggregator.clusterMetrics().then(
        (text) => reply(worker, { tag: TAG, type: 'metrics', id: message.id, text }),
        (error: Error) =>
          reply(worker, { tag: TAG, type: 'metrics', id: message.id, message: error.message }),
      );
    } else if (message.type === 'keys-changed') {
      for (const other of live) if (other !== worker) reply(other, { tag: TAG, type: 'keys-changed' });
    }
  };
  cluster.on('message', onMessage);

  const fork = () => {
    const worker = cluster.fork({ ...options.env, STEADYCHAT_CLUSTER_WORKER: '1' });
    // A send to a worker that is exiting (e.g. prom-client's metrics request) fails with EPIPE: the
    // worker's exit is handled on its own, the error must not stop the primary.
    worker.on('error', (error: Error) =>
      logger?.warn({ worker: worker.id, error: error.message }, 'could not reach a gateway worker'),
    );
    live.add(worker);
    return worker;
  };

  // Start every worker; the first failure stops them all.
  type Started = { url: string; open: boolean; upstreams: string[] };
  const started = await new Promise<Started>((resolve, reject) => {
    let ready = 0;
    let first: Started | undefined;
    let failed = false;
    const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    const timer = setTimeout(
      () => fail(new Error(`the gateway workers did not start within ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      cluster.off('message', onStart);
      cluster.off('exit', onEarlyExit);
      reject(error);
    };
    const onStart = (_worker: Worker, raw: unknown) => {
      const message = ours<ToPrimary>(raw);
      if (!message || failed) return;
      if (message.type === 'ready') {
        first ??= { url: message.url, open: message.open, upstreams: message.upstreams };
        if (++ready === options.workers) {
          clearTimeout(timer);
          cluster.off('message', onStart);
          cluster.off('exit', onEarlyExit);
          resolve(first);
        }
      } else if (message.type === 'failed') {
        const error =
          message.code && message.hint
            ? new GatewayConfigError(message.code, message.message, message.hint)
            : new Error(message.message);
        fail(error);
      }
    };
    const onEarlyExit = (worker: Worker, code: number | null, signal: string | null) => {
      live.delete(worker);
      // Its last message (why it failed) may be read after its exit is seen: give it a moment.
      setTimeout(
        () => fail(new Error(`a gateway worker exited while starting (${signal ?? `code ${code}`})`)),
        200,
      );
    };
    cluster.on('message', onStart);
    cluster.on('exit', onEarlyExit);
    for (let i = 0; i < options.workers; i++) fork();
  }).catch(async (error: unknown) => {
    closing = true;
    await stopAll(1000);
    cluster.off('message', onMessage);
    throw error;
  });

  // A worker that dies while the gateway runs is replaced (sooner the first time, later if it keeps crashing).
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (closing) return;
    const now = Date.now();
    crashes = now - lastCrash < 60_000 ? crashes + 1 : 1;
    lastCrash = now;
    const delay = restartDelay(crashes);
    logger?.error(
      { worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay },
      'gateway worker exited; starting another',
    );
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (closing) return;
      const next = fork();
      next.once('message', (raw) => {
        if (ours<ToPrimary>(raw)?.type === 'ready')
          logger?.info({ worker: next.id, pid: next.process.pid }, 'gateway worker started');
      });
    }, delay);
    restartTimers.add(timer);
  });

  async function stopAll(timeoutMs: number): Promise<void> {
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    await Promise.all(
      [...live].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), timeoutMs);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            reply(worker, { tag: TAG, type: 'shutdown' });
            if (!worker.isConnected()) worker.process.kill('SIGTERM');
          }),
      ),
    );
  }

  let closed: Promise<void> | undefined;
  return {
    url: started.url,
    open: started.open,
    upstreams: started.upstreams,
    get workers() {
      return live.size;
    },
    pids: () => [...live].map((w) => w.process.pid).filter((pid): pid is number => pid !== undefined),
    close() {
      closed ??= (async () => {
        closing = true;
        await stopAll(options.stopTimeoutMs ?? 30_000);
        cluster.off('message', onMessage);
        await limiter.close();
      })();
      return closed;
    },
  };
}
