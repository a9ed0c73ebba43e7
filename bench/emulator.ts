/**
 * Emulator throughput against a bare node:http server that returns a fixed body, measured in the
 * same run with autocannon over loopback. Each server runs in its own child process; the load
 * generator runs here. Prints requests/s, streamed chunks/s, the servers' CPU time per request
 * (which a busy machine disturbs less than throughput), and the ratios.
 *
 *   npx tsx bench/emulator.ts            (about 50 s)
 *   BENCH_SECONDS=2 BENCH_ROUNDS=1 npx tsx bench/emulator.ts   (quick look)
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median } from './stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 32;
const STREAM_TOKENS = 64;

const chatBody = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Give me a short answer about benchmarks, please.' },
  ],
});
const streamBody = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Stream a longer answer.' }],
});

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] ?? 'bare');
} else {
  await run();
}

/** The headers every OpenAI (and emulator) response carries, replayed with fixed values. */
const OPENAI_HEADERS = {
  'x-request-id': 'req_0123456789abcdef0123456789abcdef',
  'openai-organization': 'org-emulator',
  'openai-processing-ms': '0',
  'openai-version': '2020-10-01',
  'access-control-expose-headers': 'X-Request-ID',
  'x-content-type-options': 'nosniff',
};

async function serve(kind: string): Promise<void> {
  let port: number;
  if (kind === 'emulator') {
    const { startEmulator } = await import('../src/emulator/index.js');
    const emulator = await startEmulator({ replyTokens: 16, journalLimit: 100 });
    port = emulator.port;
  } else {
    // The baseline: the emulator's answer (headers and body) replayed, precomputed, no work per request.
    const fixedJson = await sampleResponse(false);
    const fixedStream = await sampleResponse(true);
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const stream = Buffer.concat(chunks).includes('"stream":true');
        const body = stream ? fixedStream : fixedJson;
        res.writeHead(200, {
          ...OPENAI_HEADERS,
          'content-type': stream ? 'text/event-stream; charset=utf-8' : 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  });
  process.send?.({ port });
}

/** One real emulator answer, captured once, for the bare server to replay byte for byte. */
async function sampleResponse(stream: boolean): Promise<string> {
  const { startEmulator } = await import('../src/emulator/index.js');
  const emulator = await startEmulator({ replyTokens: 16 });
  const res = await fetch(`${emulator.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-bench', 'x-emulator-reply-tokens': String(STREAM_TOKENS) },
    body: stream ? streamBody : chatBody,
  });
  const text = stream ? await res.text() : JSON.stringify(await res.json());
  await emulator.close();
  // The non-streaming baseline has the 16-token answer the emulator gives by default.
  if (!stream) {
    const again = await startEmulator({ replyTokens: 16 });
    const plain = await fetch(`${again.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-bench' },
      body: chatBody,
    });
    const body = await plain.text();
    await again.close();
    return body;
  }
  return text;
}

async function startServer(kind: 'emulator' | 'bare') {
  const child = fork(fileURLToPath(import.meta.url), ['serve', kind], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  /** CPU time the server process has used so far, in microseconds. */
  const cpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (message) => resolve((message as { cpuMicros: number }).cpuMicros));
      child.send('cpu');
    });
  return { port, cpu, stop: () => child.kill('SIGTERM') };
}

type Server = Awaited<ReturnType<typeof startServer>>;

/** Requests per second, and the server's CPU microseconds per request (robust to a busy machine). */
async function measureRun(server: Server, body: string, headers: Record<string, string>, seconds: number) {
  const before = await server.cpu();
  const result = await load(server.port, body, headers, seconds);
  const used = (await server.cpu()) - before;
  return { rps: result.average, cpuPerRequest: used / Math.max(1, result.total) };
}

async function load(port: number, body: string, headers: Record<string, string>, seconds: number) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench', ...headers },
    body,
    connections: CONNECTIONS,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`load run had ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  }
  return { average: result.requests.average, total: result.requests.total };
}

async function run(): Promise<void> {
  // Frames per streamed answer: role chunk + STREAM_TOKENS content chunks + finish chunk + usage chunk.
  const framesPerStream = STREAM_TOKENS + 3;
  const bare = await startServer('bare');
  const emulator = await startServer('emulator');
  try {
    for (const server of [bare, emulator]) await load(server.port, chatBody, {}, 1); // warm-up
    // Alternate short runs so that a busy neighbour on the machine slows both sides alike; report medians.
    const empty = () => ({
      rps: [] as number[],
      cpu: [] as number[],
      streamRps: [] as number[],
      streamCpu: [] as number[],
    });
    const samples = { bare: empty(), emulator: empty() };
    const streamHeaders = { 'x-emulator-reply-tokens': String(STREAM_TOKENS) };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, server] of [
        ['bare', bare],
        ['emulator', emulator],
      ] as const) {
        const plain = await measureRun(server, chatBody, {}, SECONDS);
        samples[name].rps.push(plain.rps);
        samples[name].cpu.push(plain.cpuPerRequest);
        const streamed = await measureRun(server, streamBody, streamHeaders, SECONDS);
        samples[name].streamRps.push(streamed.rps * framesPerStream);
        samples[name].streamCpu.push(streamed.cpuPerRequest / framesPerStream);
      }
    }
    const m = (values: number[]) => median(values);
    const rows = [
      ['non-streaming requests/s', m(samples.bare.rps), m(samples.emulator.rps), 'higher'],
      ['streamed chunks/s', m(samples.bare.streamRps), m(samples.emulator.streamRps), 'higher'],
      ['server CPU µs per request', m(samples.bare.cpu), m(samples.emulator.cpu), 'lower'],
      ['server CPU µs per streamed chunk', m(samples.bare.streamCpu), m(samples.emulator.streamCpu), 'lower'],
    ] as const;
    const ratio = ([, base, emu, better]: (typeof rows)[number]) =>
      better === 'higher' ? emu / base : base / emu;
    const lines = [
      `node ${process.version}, ${cpus().length} cores, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s, medians, ${new Date().toISOString()}`,
      '',
      '| measure | bare node:http (fixed body) | emulator | emulator throughput / bare |',
      '|---|---:|---:|---:|',
      ...rows.map(
        (row) =>
          `| ${row[0]} | ${row[1].toFixed(row[3] === 'lower' ? 1 : 0)} | ${row[2].toFixed(row[3] === 'lower' ? 1 : 0)} | ${ratio(row).toFixed(2)} |`,
      ),
      '',
      `target (throughput, with the load generator on the same machine): emulator / bare >= 0.33 — ${
        rows.slice(0, 2).every((row) => ratio(row) >= 1 / 3) ? 'met' : 'NOT met'
      }`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    bare.stop();
    emulator.stop();
  }
}
