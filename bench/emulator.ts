/**
 * Emulator throughput against a bare node:http server that returns a fixed body, measured in the
 * same run with autocannon over loopback. Each server runs in its own child process; the load
 * generator runs here. Prints requests/s, streamed chunks/s, and the ratios.
 *
 *   npx tsx bench/emulator.ts            (about 40 s)
 *   BENCH_SECONDS=2 BENCH_ROUNDS=1 npx tsx bench/emulator.ts   (quick look)
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

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

async function serve(kind: string): Promise<void> {
  let port: number;
  if (kind === 'emulator') {
    const { startEmulator } = await import('../src/emulator/index.js');
    const emulator = await startEmulator({ replyTokens: 16, journalLimit: 100 });
    port = emulator.port;
  } else {
    // The baseline: what the emulator's answers look like, precomputed, no work per request.
    const fixedJson = await sampleResponse(false);
    const fixedStream = await sampleResponse(true);
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const stream = Buffer.concat(chunks).includes('"stream":true');
        const body = stream ? fixedStream : fixedJson;
        res.writeHead(200, {
          'content-type': stream ? 'text/event-stream; charset=utf-8' : 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }
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
  return { port, stop: () => child.kill('SIGTERM') };
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
  return result.requests.average;
}

async function run(): Promise<void> {
  // Frames per streamed answer: role chunk + STREAM_TOKENS content chunks + finish chunk + usage chunk.
  const framesPerStream = STREAM_TOKENS + 3;
  const bare = await startServer('bare');
  const emulator = await startServer('emulator');
  try {
    for (const server of [bare, emulator]) await load(server.port, chatBody, {}, 1); // warm-up
    // Alternate short runs so that a busy neighbour on the machine slows both sides alike; report medians.
    const samples = {
      bare: { rps: [] as number[], stream: [] as number[] },
      emulator: { rps: [] as number[], stream: [] as number[] },
    };
    const streamHeaders = { 'x-emulator-reply-tokens': String(STREAM_TOKENS) };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, server] of [
        ['bare', bare],
        ['emulator', emulator],
      ] as const) {
        samples[name].rps.push(await load(server.port, chatBody, {}, SECONDS));
        samples[name].stream.push(
          (await load(server.port, streamBody, streamHeaders, SECONDS)) * framesPerStream,
        );
      }
    }
    const rows = [
      ['non-streaming requests/s', median(samples.bare.rps), median(samples.emulator.rps)],
      ['streamed chunks/s', median(samples.bare.stream), median(samples.emulator.stream)],
    ] as const;
    const lines = [
      `node ${process.version}, ${cpus().length} cores, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s, medians, ${new Date().toISOString()}`,
      '',
      '| measure | bare node:http (fixed body) | emulator | emulator / bare |',
      '|---|---:|---:|---:|',
      ...rows.map(
        ([name, base, emu]) =>
          `| ${name} | ${Math.round(base)} | ${Math.round(emu)} | ${(emu / base).toFixed(2)} |`,
      ),
      '',
      `target: emulator / bare >= 0.33 — ${rows.every(([, base, emu]) => emu / base >= 1 / 3) ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    bare.stop();
    emulator.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
