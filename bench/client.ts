/**
 * Client overhead and SSE decode throughput, each as a ratio against a baseline measured in the same run.
 *
 *   1. Non-streaming calls to the local emulator: steadychat's client (retry stage, four timeouts,
 *      typed errors) vs a raw undici `fetch` + `response.json()` over the same kind of keep-alive agent.
 *      Target: the client adds ≤ 10 %.
 *   2. SSE decoding of a recorded-shape chat stream (~8 MiB, 16 KiB reads): `SseDecoder` vs bare
 *      `eventsource-parser` fed by a streaming TextDecoder. Target: ≥ 80 % of the bare parser.
 *
 * Run: npx tsx bench/client.ts   (loopback only, bounded loops, stops by itself)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createParser } from 'eventsource-parser';
import { Agent, fetch as undiciFetch } from 'undici';
import { createClient } from '../src/client/index.js';
import { startEmulator } from '../src/emulator/index.js';
import { interpretChatEvent, SseDecoder } from '../src/openai/index.js';
import { median } from './stats.js';

// A full GC before each block, so garbage left by one contender (fetch makes a lot) is not collected
// on the next one's time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BLOCKS = 60;
const CALLS_PER_BLOCK = 40;

async function benchOverhead(): Promise<{
  raw: number;
  request: number;
  client: number;
  ratio: number;
  requestRatio: number;
}> {
  const emulator = await startEmulator({ port: 0, replyTokens: 16 });
  const key = 'sk-bench-0123456789abcdefghijkl';
  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content: 'Say something short.' }],
  };
  const agent = new Agent({ connect: { timeout: 10_000 }, headersTimeout: 0, bodyTimeout: 0 });
  const client = createClient({ baseUrl: emulator.url, apiKey: key, settings: false });

  const raw = async () => {
    const res = await undiciFetch(`${emulator.url}/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
      dispatcher: agent,
    });
    const json = (await res.json()) as { choices: unknown[] };
    if (!Array.isArray(json.choices)) throw new Error('bad response');
  };
  const origin = new URL(emulator.url).origin;
  const path = `${new URL(emulator.url).pathname}/chat/completions`;
  const rawRequest = async () => {
    const res = await agent.request({
      origin,
      path,
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
    });
    const json = JSON.parse(await res.body.text()) as { choices: unknown[] };
    if (!Array.isArray(json.choices)) throw new Error('bad response');
  };
  const viaClient = async () => {
    const result = await client.chat(body);
    if (!Array.isArray(result.choices)) throw new Error('bad response');
  };

  // Warm up both paths (JIT, connection pools).
  for (let i = 0; i < 300; i++) {
    await raw();
    await rawRequest();
    await viaClient();
  }
  // Many short blocks, alternating which side goes first; the ratio of each adjacent pair cancels
  // drift (GC, CPU frequency, other processes on a 2-core machine), and the median drops outliers.
  const ratios: number[] = [];
  const requestRatios: number[] = [];
  const rawTimes: number[] = [];
  const requestTimes: number[] = [];
  const clientTimes: number[] = [];
  const block = async (fn: () => Promise<void>) => {
    gc();
    const start = performance.now();
    for (let i = 0; i < CALLS_PER_BLOCK; i++) await fn();
    return (performance.now() - start) / CALLS_PER_BLOCK;
  };
  for (let b = 0; b < BLOCKS; b++) {
    let r: number;
    let q: number;
    let c: number;
    if (b % 2 === 0) {
      r = await block(raw);
      q = await block(rawRequest);
      c = await block(viaClient);
    } else {
      c = await block(viaClient);
      q = await block(rawRequest);
      r = await block(raw);
    }
    rawTimes.push(r);
    requestTimes.push(q);
    clientTimes.push(c);
    ratios.push(c / r);
    requestRatios.push(c / q);
  }
  await client.close();
  await agent.close();
  await emulator.close();
  return {
    raw: median(rawTimes),
    request: median(requestTimes),
    client: median(clientTimes),
    ratio: median(ratios),
    requestRatio: median(requestRatios),
  };
}

function buildStream(): Uint8Array[] {
  const words = ['The', ' quick', ' brown', ' fox', ' 跳过', ' the', ' lazy', ' dog', '。', ' 🌍'];
  const frames: string[] = [];
  const base = {
    id: 'chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N',
    object: 'chat.completion.chunk',
    created: 1753357673,
    model: 'gpt-4.1-2025-04-14',
    service_tier: 'default',
    system_fingerprint: 'fp_51e1070cf2',
  };
  for (let i = 0; i < 25_000; i++) {
    const chunk = {
      ...base,
      choices: [
        { index: 0, delta: { content: words[i % words.length] }, logprobs: null, finish_reason: null },
      ],
      usage: null,
    };
    frames.push(`data: ${JSON.stringify(chunk)}\n\n`);
    if (i % 50 === 0) frames.push(': keep-alive\n\n');
  }
  frames.push('data: [DONE]\n\n');
  const bytes = new TextEncoder().encode(frames.join(''));
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 16 * 1024) pieces.push(bytes.subarray(i, i + 16 * 1024));
  return pieces;
}

function benchDecode(): { bytes: number; bare: number; ours: number; ratio: number; withJson: number } {
  const pieces = buildStream();
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const bare = () => {
    let events = 0;
    const text = new TextDecoder();
    const parser = createParser({
      onEvent: () => {
        events++;
      },
    });
    for (const piece of pieces) parser.feed(text.decode(piece, { stream: true }));
    parser.feed(text.decode());
    return events;
  };
  const ours = () => {
    let events = 0;
    const decoder = new SseDecoder();
    for (const piece of pieces) events += decoder.push(piece).length;
    events += decoder.end().length;
    return events;
  };
  const oursWithJson = () => {
    let chunks = 0;
    const decoder = new SseDecoder();
    for (const piece of pieces) {
      for (const event of decoder.push(piece)) if (interpretChatEvent(event).kind === 'chunk') chunks++;
    }
    return chunks;
  };
  if (bare() !== ours()) throw new Error('decoders disagree on the event count');
  for (let i = 0; i < 5; i++) {
    bare();
    ours();
  }
  const time = (fn: () => number) => {
    const start = performance.now();
    fn();
    return performance.now() - start;
  };
  const bareTimes: number[] = [];
  const ourTimes: number[] = [];
  const jsonTimes: number[] = [];
  for (let round = 0; round < 15; round++) {
    bareTimes.push(time(bare));
    ourTimes.push(time(ours));
    if (round < 5) jsonTimes.push(time(oursWithJson));
  }
  const mib = total / (1024 * 1024);
  const bareRate = mib / (median(bareTimes) / 1000);
  const ourRate = mib / (median(ourTimes) / 1000);
  const jsonRate = mib / (median(jsonTimes) / 1000);
  return { bytes: total, bare: bareRate, ours: ourRate, ratio: ourRate / bareRate, withJson: jsonRate };
}

const overhead = await benchOverhead();
const decode = benchDecode();
const f = (n: number, d = 1) => n.toFixed(d);
console.log(`node ${process.version}, ${new Date().toISOString()}`);
console.log('');
console.log(
  '1. Non-streaming call to the local emulator (60 alternating blocks x 40 sequential calls; median of paired ratios)',
);
console.log(`   raw undici fetch + json:   ${f(overhead.raw * 1000, 0)} µs/call`);
console.log(
  `   raw undici request + json: ${f(overhead.request * 1000, 0)} µs/call  (the transport the client uses)`,
);
console.log(`   steadychat createClient:   ${f(overhead.client * 1000, 0)} µs/call`);
console.log(`   ratio client/raw fetch:    ${f(overhead.ratio, 3)}  (target ≤ 1.10)`);
console.log(
  `   ratio client/raw request:  ${f(overhead.requestRatio, 3)}  (overhead over the same transport)`,
);
console.log('');
console.log(
  `2. SSE decoding, ${f(decode.bytes / 1024 / 1024, 1)} MiB chat stream in 16 KiB reads (median of 15)`,
);
console.log(`   bare eventsource-parser:   ${f(decode.bare)} MiB/s`);
console.log(`   steadychat SseDecoder:     ${f(decode.ours)} MiB/s`);
console.log(`   ratio ours/bare:           ${f(decode.ratio, 3)}  (target ≥ 0.80)`);
console.log(`   (SseDecoder + JSON chunk parsing: ${f(decode.withJson)} MiB/s, for reference)`);
