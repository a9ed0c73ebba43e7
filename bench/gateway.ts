/**
 * The gateway's cost, measured in one run against the emulator as upstream, each server in its own
 * process, the load generator (autocannon, and a sequential undici loop for precise latencies) here:
 *
 *   direct      the emulator itself
 *   proxy       a bare node:http pass-through proxy (the floor of any gateway)
 *   forwarder   a Fastify route that parses the request, sends it again with undici and parses and
 *               sends the answer again: the framework and JSON work any gateway that reads the
 *               traffic does, and nothing else
 *   forwarder-stages  the forwarder with the gateway's own stages in front of its upstream call (usage
 *               ledger row, budget reservation and settlement with a key's budgets and rate limit,
 *               runaway guard, redaction), composed as the gateway composes them, and nothing else: no
 *               authentication, validation, timeouts, retries, metrics or logs (not streamed: its
 *               time to first token is not measured)
 *   steadychat  `steadychat serve` with every stage on: gateway key, budget reservation, rate limit,
 *               redaction, usage ledger (SQLite file), access logs
 *   steadychat-ledger-only  the same gateway open (no key), without budgets, rate limits or
 *               redaction: what the stages cost, by difference
 *   steadychat-workers  `steadychat serve --workers 2`: the full gateway in two worker processes on one
 *               port, rate limits, runaway guard and metrics shared through a primary process (CPU
 *               time counted over all three)
 *   portkey     @portkey-ai/gateway, run locally against the same emulator (when installed)
 *
 * The package is built first and the compiled code is measured, as `npm start` runs it.
 *
 * Reports added p50/p99 latency at concurrency 1, throughput at concurrency 32, time to first token
 * of streams, and RSS with 1,000 concurrent open streams. All targets run side by side and the
 * measurement alternates between them in rounds (BENCH_ROUNDS, default 5, of BENCH_SECONDS, default 3,
 * of load each), so noise from elsewhere on the machine falls on every target alike; the throughput
 * ratios are taken per round.
 *
 *   npx tsx bench/gateway.ts
 *   PORTKEY_GATEWAY_BIN=/path/to/node_modules/@portkey-ai/gateway/build/start-server.js npx tsx bench/gateway.ts
 *   BENCH_SECONDS=2 npx tsx bench/gateway.ts   (quick look)
 *   BENCH_TARGETS=proxy,steadychat BENCH_OPEN_STREAMS=0 npx tsx bench/gateway.ts   (some targets only)
 *   BENCH_BASELINE=../steadychat-v0.1.0 npx tsx bench/gateway.ts   (adds another checkout's gateway)
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import type { ChatRequest } from '../src/openai/index.js';
import type { Gateway, GatewayClusterMember, GatewayHandle } from '../src/server/index.js';
import { buildPackage, built } from './built.js';
import { afterAnswerSink, BENCH_KEY_ID, benchBudgetStage, setBenchKeyBudgets } from './key-stages.js';
import { median } from './stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 2000);
const TTFT_REQUESTS = Number(process.env.BENCH_TTFT_REQUESTS ?? 300);
const OPEN_STREAMS = Number(process.env.BENCH_OPEN_STREAMS ?? 1000);
const CONNECTIONS = 32;
// Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux).
const CLOCK_TICKS = Number(process.env.BENCH_CLOCK_TICKS ?? 100);
const PORTKEY_BIN = process.env.PORTKEY_GATEWAY_BIN;
// BENCH_TARGETS=proxy,steadychat measures only those (direct is always measured: the others' base).
const only = process.env.BENCH_TARGETS?.split(',').map((t) => t.trim());
// BENCH_BASELINE=/path/to/another/checkout adds `steadychat-baseline`: that checkout's gateway, all
// stages on, measured in the same rounds (e.g. the previous release, to measure a change).
const BASELINE = process.env.BENCH_BASELINE;

const chatBody = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Give me a short answer about benchmarks, please. My phone is 13812345678.' },
  ],
  max_tokens: 64,
});
const streamBody = JSON.stringify({ ...JSON.parse(chatBody), stream: true });

type Kind =
  | 'emulator'
  | 'proxy'
  | 'forwarder'
  | 'forwarder-stages'
  | 'steadychat'
  | 'steadychat-ledger-only'
  | 'steadychat-workers';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Kind, process.argv[4] ?? '', process.argv[5] ?? '{}');
} else {
  try {
    await run();
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

async function serve(kind: Kind, upstream: string, optionsJson: string): Promise<void> {
  let port: number;
  if (kind === 'emulator') {
    const { startEmulator } = await built<typeof import('../src/emulator/index.js')>('emulator');
    const emulator = await startEmulator({ journalLimit: 0, ...JSON.parse(optionsJson) });
    port = emulator.port;
  } else if (kind === 'proxy') {
    const target = new URL(upstream);
    const agent = new HttpAgent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    const server = createServer((req, res) => {
      const out = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      res.on('close', () => out.destroy());
      req.pipe(out);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  } else if (kind === 'forwarder') {
    const { default: Fastify } = await import('fastify');
    const target = new Pool(upstream);
    const app = Fastify({ logger: false });
    app.post('/v1/chat/completions', async (request, reply) => {
      const body = request.body as { stream?: boolean };
      const answer = await target.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-upstream' },
        body: JSON.stringify(body),
      });
      reply.code(answer.statusCode);
      if (body.stream) return reply.header('content-type', 'text/event-stream').send(answer.body);
      return reply.send(JSON.parse(await answer.body.text()));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  } else if (kind === 'forwarder-stages') {
    port = await serveForwarderWithStages(upstream);
  } else if (kind === 'steadychat-workers') {
    // `serve --workers 2`: a primary process and two gateway processes on one port.
    const { isGatewayWorker, joinGatewayCluster, startGatewayCluster } =
      await built<typeof import('../src/server/index.js')>('server');
    if (isGatewayWorker()) {
      const member = joinGatewayCluster();
      const handle = await startBenchGateway(process.env.BENCH_HOME!, upstream, member);
      member.ready({ url: handle.url, open: false, upstreams: handle.gateway.upstreams });
      member.onShutdown(() => void handle.close().then(() => process.disconnect?.()));
      return;
    }
    const home = benchHome('steadychat');
    const key = await createBenchKey(home);
    const workers = await startGatewayCluster({ workers: 2, env: { BENCH_HOME: home } });
    process.on('SIGTERM', () => {
      void workers.close().then(() => {
        rmSync(home, { recursive: true, force: true });
        process.exit(0);
      });
    });
    process.send?.({ port: Number(new URL(workers.url).port), key, pids: workers.pids() });
    return;
  } else {
    const home = benchHome(kind);
    const handle = await startBenchGateway(home, upstream);
    port = Number(new URL(handle.url).port);
    process.on('SIGTERM', () => {
      void handle.close().then(() => {
        rmSync(home, { recursive: true, force: true });
        process.exit(0);
      });
    });
    // Open mode (no key), no budget, no rate limit, no redaction: the gateway and its ledger alone.
    if (kind === 'steadychat-ledger-only') {
      process.send?.({ port });
      return;
    }
    process.send?.({ port, key: await createBenchKey(home, handle.gateway) });
    return;
  }
  process.send?.({ port });
}

/**
 * The forwarder with the gateway's stages in front of its upstream call: what the durable per-call
 * bookkeeping costs over the framework and JSON work alone, on the same SQLite settings as `serve`.
 */
async function serveForwarderWithStages(upstream: string): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const { compose } = await built<typeof import('../src/pipeline/index.js')>('pipeline');
  const { openStore } = await built<typeof import('../src/store/index.js')>('store');
  const { createUsageServices } = await built<typeof import('../src/usage/index.js')>('usage');
  const { createRedactStage } = await built<typeof import('../src/redact/index.js')>('redact');
  const home = mkdtempSync(join(process.env.BENCH_DB_DIR ?? tmpdir(), 'steadychat-bench-'));
  const store = await openStore({
    url: join(home, 'gateway.db'),
    synchronous: 'normal',
    backgroundCheckpoints: true,
  });
  const services = createUsageServices({ store, file: {}, upstream: 'emulator' });
  await setBenchKeyBudgets(services);
  const target = new Pool(upstream);
  const pipeline = compose(
    [services.usageStage, await benchBudgetStage(services, true), createRedactStage({})],
    async (call) => {
      const answer = await target.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-upstream' },
        body: JSON.stringify(call.request),
      });
      const completion = JSON.parse(await answer.body.text());
      return { type: 'completion', completion, meta: { headers: {}, attempts: 1 } };
    },
  );
  const { afterAnswer, settled } = afterAnswerSink();
  const app = Fastify({ logger: false });
  app.post('/v1/chat/completions', async (request, reply) => {
    const response = await pipeline({
      request: request.body as ChatRequest,
      signal: new AbortController().signal,
      context: { requestId: request.id, keyId: BENCH_KEY_ID },
      options: { afterAnswer },
    });
    if (response.type !== 'completion') throw new Error('forwarder-stages does not stream');
    return reply.send(response.completion);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('SIGTERM', () => {
    void settled()
      .then(() => app.close())
      .then(() => store.close())
      .then(() => {
        rmSync(home, { recursive: true, force: true });
        process.exit(0);
      });
  });
  return (app.server.address() as AddressInfo).port;
}

/** A fresh data folder for a benchmarked gateway, with its config file. */
function benchHome(kind: string): string {
  const home = mkdtempSync(join(process.env.BENCH_DB_DIR ?? tmpdir(), 'steadychat-bench-'));
  // The runaway guard stays on, but the benchmark repeats one request on purpose; redaction on for
  // the full gateway.
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({
      budgets: { runaway: { maxRepeats: 1_000_000_000 } },
      redact: kind === 'steadychat' ? 'on' : 'off',
    }),
  );
  return home;
}

/** The gateway as `steadychat serve` runs it (own store, batched logs), on the folder's config. */
async function startBenchGateway(
  home: string,
  upstream: string,
  cluster?: GatewayClusterMember,
): Promise<GatewayHandle> {
  const { default: pino } = await import('pino');
  const { createLogger, loadSettings } = await built<typeof import('../src/config/index.js')>('config');
  const { startGateway } = await built<typeof import('../src/server/index.js')>('server');
  const { openStore } = await built<typeof import('../src/store/index.js')>('store');
  const settings = loadSettings({
    env: { STEADYCHAT_HOME: home, STEADYCHAT_CONFIG: join(home, 'config.json') },
    dotenv: false,
  });
  // As `steadychat serve` opens its own store.
  const store = await openStore({
    url: join(home, 'gateway.db'),
    synchronous: 'normal',
    backgroundCheckpoints: true,
  });
  return startGateway({
    settings,
    store,
    upstreams: [{ name: 'emulator', baseUrl: `${upstream}/v1`, apiKeys: ['sk-bench-upstream'] }],
    // As `steadychat serve` logs: the lines of each event-loop turn in one write.
    logger: createLogger({
      level: 'info',
      destination: pino.destination({ dest: '/dev/null', sync: true }),
      batch: true,
    }),
    port: 0,
    host: '127.0.0.1',
    webRoot: false,
    ...(cluster ? { cluster } : {}),
  });
}

/** The benchmark's gateway key, with every limit on (set high: they are checked, never reached). */
async function createBenchKey(home: string, gateway?: Gateway): Promise<string> {
  const { createGatewayKey, createKeyStore } = await built<typeof import('../src/server/index.js')>('server');
  const { createBudgetBook } = await built<typeof import('../src/usage/index.js')>('usage');
  const { openStore } = await built<typeof import('../src/store/index.js')>('store');
  const store = gateway?.store ?? (await openStore({ url: join(home, 'gateway.db') }));
  try {
    // Through the gateway's own key store when there is one, so it knows at once it is no longer open.
    const keys = gateway?.keys ?? createKeyStore(store.db);
    const { secret } = await createGatewayKey(keys, createBudgetBook({ store }), {
      name: 'bench',
      dailyTokens: 1e12,
      monthlyCost: '1000000USD',
      rpm: 10_000_000,
      tpm: 1e12,
    });
    return secret;
  } finally {
    if (!gateway) await store.close();
  }
}

interface Target {
  name: string;
  port: number;
  pid: number;
  /** Its worker processes, when it has some (their CPU time counts too). */
  workers?: number[];
  headers: Record<string, string>;
  stop(): Promise<void>;
}

async function startChild(
  kind: Kind,
  upstream = '',
  options: object = {},
  script = fileURLToPath(import.meta.url),
): Promise<Target> {
  const child = track(
    fork(script, ['serve', kind, upstream, JSON.stringify(options)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const message = await new Promise<{ port: number; key?: string; pids?: number[] }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; key?: string; pids?: number[] }));
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
  });
  return {
    name: kind,
    port: message.port,
    pid: child.pid!,
    ...(message.pids ? { workers: message.pids } : {}),
    headers: { authorization: `Bearer ${message.key ?? 'sk-bench'}` },
    stop: () => stopChild(child),
  };
}

async function startPortkey(upstream: string): Promise<Target | undefined> {
  if (!PORTKEY_BIN || !existsSync(PORTKEY_BIN)) return undefined;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = track(
    spawn(process.execPath, [PORTKEY_BIN, `--port=${port}`, '--headless'], {
      stdio: 'ignore',
      env: { ...process.env, NODE_ENV: 'production' },
    }),
  );
  for (let i = 0; i < 200; i++) {
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name: 'portkey',
    port,
    pid: child.pid!,
    headers: {
      authorization: 'Bearer sk-bench',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${upstream}/v1`,
    },
    stop: () => stopChild(child),
  };
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** Sequential requests on one kept-alive connection: precise per-request latency in ms. */
async function latencies(target: Target, body: string, count: number, firstByte: boolean): Promise<number[]> {
  const pool = new Pool(`http://127.0.0.1:${target.port}`, { connections: 1 });
  const out: number[] = [];
  try {
    for (let i = 0; i < count + 50; i++) {
      const started = performance.now();
      const { statusCode, body: stream } = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body,
      });
      if (statusCode !== 200)
        throw new Error(`${target.name} answered ${statusCode}: ${await stream.text()}`);
      let first = 0;
      for await (const chunk of stream) {
        if (!first && (!firstByte || String(chunk).includes('data:'))) first = performance.now();
      }
      const ended = performance.now();
      if (i >= 50) out.push((firstByte ? first : ended) - started); // the first 50 warm up
    }
  } finally {
    await pool.close();
  }
  return out.sort((a, b) => a - b);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** CPU time (user + system, all threads) a process has used so far, in µs. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/** Requests per second at 32 connections, and the target's CPU time per request (µs). */
async function throughput(target: Target, seconds: number): Promise<{ rps: number; cpu: number }> {
  const pids = [target.pid, ...(target.workers ?? [])];
  const cpuOf = () => pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  const cpuBefore = cpuOf();
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: chatBody,
    connections: CONNECTIONS,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${target.name}: ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  }
  return { rps: result.requests.average, cpu: (cpuOf() - cpuBefore) / result.requests.total };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Opens `count` streams at once against a slow upstream; RSS of the target once all have started. */
async function rssWithOpenStreams(
  target: Target,
  count: number,
): Promise<{ idle: number; open: number; started: number }> {
  const idle = rssMb(target.pid);
  const pool = new Pool(`http://127.0.0.1:${target.port}`, { connections: count, pipelining: 1 });
  let started = 0;
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  let allStarted!: () => void;
  const ready = new Promise<void>((resolve) => {
    allStarted = resolve;
  });
  const requests = Array.from({ length: count }, async () => {
    try {
      const { body } = await pool.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: streamBody,
        signal: controller.signal,
      });
      let counted = false;
      for await (const chunk of body) {
        if (!counted && String(chunk).includes('data:')) {
          counted = true;
          if (++started === count) allStarted();
        }
      }
    } catch {
      // aborted at the end
    }
  });
  await Promise.race([ready, new Promise((r) => setTimeout(r, 30_000))]);
  await new Promise((r) => setTimeout(r, 500));
  const open = rssMb(target.pid);
  controller.abort();
  await Promise.allSettled(requests);
  await pool.destroy();
  return { idle, open, started };
}

async function run(): Promise<void> {
  buildPackage();
  const emulator = await startChild('emulator', '', { replyTokens: 16 });
  // Streams whose chunks are 2 ms apart: the per-chunk path, for time to first token.
  const streamingEmulator = await startChild('emulator', '', { replyTokens: 16, interChunkDelayMs: 2 });
  const upstream = `http://127.0.0.1:${emulator.port}`;
  const streamingUpstream = `http://127.0.0.1:${streamingEmulator.port}`;
  const rows: Array<{
    name: string;
    p50: number;
    p99: number;
    rps: number;
    cpu: number;
    ttft50: number;
    ttft99: number;
  }> = [];
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const failures: string[] = [];
  // Per round, each target's throughput over the bare proxy's in the same round.
  const ratios = new Map<string, number[]>();
  const builders: Array<[string, (u: string) => Promise<Target | undefined>]> = [
    [
      'direct',
      async (u) => ({
        ...(u === upstream ? emulator : streamingEmulator),
        name: 'direct',
        stop: async () => {},
      }),
    ],
    ['proxy', (u) => startChild('proxy', u)],
    ['forwarder', (u) => startChild('forwarder', u)],
    // Not streamed (its pipeline's terminal answers completions only).
    ['forwarder-stages', async (u) => (u === upstream ? startChild('forwarder-stages', u) : undefined)],
    ['steadychat', (u) => startChild('steadychat', u)],
    ['steadychat-ledger-only', (u) => startChild('steadychat-ledger-only', u)],
    ['steadychat-workers', (u) => startChild('steadychat-workers', u)],
    [
      'steadychat-baseline',
      async (u) =>
        BASELINE
          ? {
              ...(await startChild('steadychat', u, {}, join(BASELINE, 'bench', 'gateway.ts'))),
              name: 'steadychat-baseline',
            }
          : undefined,
    ],
    ['portkey', (u) => startPortkey(u)],
  ];
  const chosen = builders.filter(([name]) => !only || name === 'direct' || only.includes(name));
  try {
    // Every target runs for the whole measurement, idle while another is measured; the rounds
    // alternate between them, so a burst of load from elsewhere on the machine hits all of them.
    const targets: Target[] = [];
    const streaming: Target[] = [];
    for (const [name, build] of chosen) {
      const target = await build(upstream);
      if (!target) {
        note(`${name}: not available (PORTKEY_GATEWAY_BIN / BENCH_BASELINE not set); skipped`);
        continue;
      }
      targets.push(target);
      const streamer = await build(streamingUpstream);
      if (streamer) streaming.push(streamer);
    }
    const lat = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const ttft = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const rps = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const cpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    note(`warming up ${targets.map((t) => t.name).join(', ')}…`);
    for (const target of targets) {
      await latencies(target, chatBody, 200, false);
      await throughput(target, Math.min(SECONDS, 3));
    }
    for (let round = 1; round <= ROUNDS; round++) {
      note(`round ${round} of ${ROUNDS}…`);
      // Every other round in reverse order, so no target always follows the same one.
      const order = round % 2 === 0 ? [...targets].reverse() : targets;
      for (const target of order) {
        lat.get(target.name)!.push(...(await latencies(target, chatBody, LATENCY_REQUESTS / ROUNDS, false)));
      }
      const perRound = new Map<string, number>();
      for (const target of order) {
        const measured = await throughput(target, SECONDS);
        perRound.set(target.name, measured.rps);
        rps.get(target.name)!.push(measured.rps);
        cpu.get(target.name)!.push(measured.cpu);
      }
      const proxyRps = perRound.get('proxy');
      if (proxyRps) {
        for (const [name, value] of perRound)
          ratios.set(name, [...(ratios.get(name) ?? []), value / proxyRps]);
      }
      for (const target of round % 2 === 0 ? [...streaming].reverse() : streaming) {
        try {
          ttft.get(target.name)!.push(...(await latencies(target, streamBody, TTFT_REQUESTS / ROUNDS, true)));
        } catch (error) {
          if (!failures.some((f) => f.startsWith(`${target.name}:`)))
            failures.push(`${target.name}: streaming failed: ${(error as Error).message.slice(0, 200)}`);
        }
      }
    }
    for (const target of targets) {
      const l = lat.get(target.name)!.sort((a, b) => a - b);
      const t = ttft.get(target.name)!.sort((a, b) => a - b);
      rows.push({
        name: target.name,
        p50: pct(l, 50),
        p99: pct(l, 99),
        rps: median(rps.get(target.name)!),
        cpu: median(cpu.get(target.name)!),
        ttft50: pct(t, 50),
        ttft99: pct(t, 99),
      });
    }
    for (const target of [...targets, ...streaming]) await target.stop();
  } finally {
    await streamingEmulator.stop();
  }

  // RSS with many open streams: a slow upstream (100 ms between chunks, 300 chunks) keeps them open.
  const holding = await startChild('emulator', '', { replyTokens: 300, interChunkDelayMs: 100 });
  const holdingUpstream = `http://127.0.0.1:${holding.port}`;
  const rss: Array<{ name: string; idle: number; open: number; started: number }> = [];
  try {
    for (const [name, build] of [
      ['proxy', () => startChild('proxy', holdingUpstream)],
      ['steadychat', () => startChild('steadychat', holdingUpstream)],
      ['portkey', () => startPortkey(holdingUpstream)],
    ] as const) {
      if (OPEN_STREAMS === 0 || (only && !only.includes(name))) continue;
      const target = await build();
      if (!target) continue;
      note(`${name}: ${OPEN_STREAMS} open streams…`);
      const result = await rssWithOpenStreams(target, OPEN_STREAMS);
      if (result.started < OPEN_STREAMS)
        failures.push(`${name}: only ${result.started} of ${OPEN_STREAMS} streams started`);
      rss.push({ name, ...result });
      await target.stop();
    }
  } finally {
    await holding.stop();
    await emulator.stop();
  }

  const direct = rows.find((r) => r.name === 'direct')!;
  const proxy = rows.find((r) => r.name === 'proxy');
  const ours = rows.find((r) => r.name === 'steadychat');
  const portkey = rows.find((r) => r.name === 'portkey');
  const f = (n: number, d = 2) => n.toFixed(d);
  const lines = [
    '| target | p50 ms | p99 ms | added p50 ms | added p99 ms | req/s (c=32) | CPU µs/req (c=32) | TTFT p50 ms | TTFT p99 ms | added TTFT p50 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${f(r.p50)} | ${f(r.p99)} | ${r === direct ? '—' : f(r.p50 - direct.p50)} | ${r === direct ? '—' : f(r.p99 - direct.p99)} | ${f(r.rps, 0)} | ${f(r.cpu, 0)} | ${f(r.ttft50)} | ${f(r.ttft99)} | ${r === direct ? '—' : f(r.ttft50 - direct.ttft50)} |`,
    ),
    '',
    `| RSS with ${OPEN_STREAMS} concurrent open streams | idle MB | with streams MB | streams started |`,
    '|---|---:|---:|---:|',
    ...rss.map((r) => `| ${r.name} | ${f(r.idle, 0)} | ${f(r.open, 0)} | ${r.started} |`),
    '',
  ];
  const perRound = (name: string) => {
    const r = ratios.get(name) ?? [];
    return `${f(median(r))} (median of ${r.length} rounds: ${r.map((x) => f(x)).join(', ')})`;
  };
  lines.push(
    `req/s is the median of ${ROUNDS} rounds of ${SECONDS} s; the rounds alternate between targets, every other round in reverse order.`,
    'CPU µs/req: CPU time of the target process (all its threads, from /proc) per request in those rounds, median.',
  );
  if (ours && proxy) {
    lines.push(
      `steadychat throughput / bare proxy, per round: ${perRound('steadychat')} (target ≥ 0.5)`,
      `steadychat-ledger-only throughput / bare proxy, per round: ${perRound('steadychat-ledger-only')}`,
      `steadychat-workers (serve --workers 2) throughput / bare proxy, per round: ${perRound('steadychat-workers')}`,
      `forwarder throughput / bare proxy, per round: ${perRound('forwarder')}`,
      `forwarder-stages throughput / bare proxy, per round: ${perRound('forwarder-stages')}`,
      `steadychat added p50 latency at concurrency 1: ${f(ours.p50 - direct.p50)} ms (target ≤ 1 ms)`,
    );
  }
  const baseline = rows.find((r) => r.name === 'steadychat-baseline');
  if (ours && baseline && proxy) {
    const vsBaseline = (ratios.get('steadychat') ?? []).map(
      (x, i) => x / (ratios.get('steadychat-baseline')?.[i] ?? Number.NaN),
    );
    lines.push(
      `steadychat throughput / baseline, per round: ${f(median(vsBaseline))} (${vsBaseline.map((x) => f(x)).join(', ')})`,
      `added p50 latency at concurrency 1: baseline ${f(baseline.p50 - direct.p50)} ms, steadychat ${f(ours.p50 - direct.p50)} ms`,
    );
  }
  if (ours && portkey && proxy) {
    const vsPortkey = (ratios.get('steadychat') ?? []).map(
      (x, i) => x / (ratios.get('portkey')?.[i] ?? Number.NaN),
    );
    lines.push(
      `steadychat throughput / portkey, per round: ${f(median(vsPortkey))} (${vsPortkey.map((x) => f(x)).join(', ')}) (target > 1)`,
    );
  }
  if (!portkey) lines.push('portkey: not measured (PORTKEY_GATEWAY_BIN not set or missing)');
  for (const failure of failures) lines.push(failure);
  process.stdout.write(`${lines.join('\n')}\n`);
}
