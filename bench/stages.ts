/**
 * What each pipeline stage costs per call, in CPU time, without HTTP: the gateway's stages composed as
 * the gateway composes them (usage → budget → redaction → retry), in front of an upstream that
 * answers at once with a canned completion. The baseline is the retry stage alone over the same
 * canned upstream, measured in the same rounds. 32 calls in flight, as the gateway benchmark's load.
 *
 * The gateway benchmark (bench/gateway.ts) measures the whole gateway over sockets, where run-to-run
 * noise is ±10 %; this one isolates the stages (and their SQLite writes) with far less noise, to
 * measure a change to them.
 *
 *   npx tsx bench/stages.ts
 *   BENCH_CALLS=20000 BENCH_ROUNDS=3 npx tsx bench/stages.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatCompletion, ChatRequest } from '../src/openai/index.js';
import type { ChatResponse, Next, Stage } from '../src/pipeline/index.js';
import { buildPackage, built } from './built.js';
import { afterAnswerSink, BENCH_KEY_ID, benchBudgetStage, setBenchKeyBudgets } from './key-stages.js';
import { median } from './stats.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 32;

buildPackage();
const { compose, createRetryStage } = await built<typeof import('../src/pipeline/index.js')>('pipeline');
const { openStore } = await built<typeof import('../src/store/index.js')>('store');
const { createUsageServices } = await built<typeof import('../src/usage/index.js')>('usage');
const { createRedactStage } = await built<typeof import('../src/redact/index.js')>('redact');

const request: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Give me a short answer about benchmarks, please. My phone is 13812345678.' },
  ],
  max_tokens: 64,
};
const completion: ChatCompletion = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_764_000_000,
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'A benchmark measures one thing against another.',
        refusal: null,
      },
      finish_reason: 'stop',
      logprobs: null,
    },
  ],
  usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 },
};
const upstream: Next = async () => ({
  type: 'completion',
  completion,
  meta: { headers: {}, attempts: 1, status: 200, latencyMs: 1, usage: completion.usage },
});

interface Variant {
  name: string;
  /** What the variant's stages do. */
  what: string;
  /** The stages in front of retry, given a fresh store's services. */
  stages: (services: ReturnType<typeof createUsageServices>) => Promise<Stage[]>;
}

const variants: Variant[] = [
  { name: 'baseline', what: 'retry stage only', stages: async () => [] },
  { name: 'usage', what: 'usage ledger row per attempt (SQLite)', stages: async (s) => [s.usageStage] },
  {
    name: 'budget-open',
    what: 'budget stage, no budget applies (runaway guard, prompt count)',
    stages: async (s) => [await benchBudgetStage(s, false)],
  },
  {
    name: 'budget-key',
    what: "budget stage with the key's daily tokens, monthly cost and rate limit",
    stages: async (s) => {
      await setBenchKeyBudgets(s);
      return [await benchBudgetStage(s, true)];
    },
  },
  { name: 'redact', what: 'redaction and restoration', stages: async () => [createRedactStage({})] },
  {
    name: 'all',
    what: 'every stage, as the gateway with a keyed call',
    stages: async (s) => {
      await setBenchKeyBudgets(s);
      return [s.usageStage, await benchBudgetStage(s, true), createRedactStage({})];
    },
  },
];

const home = mkdtempSync(join(tmpdir(), 'steadychat-stages-'));
const prepared: Array<{ variant: Variant; call: () => Promise<ChatResponse>; settle: () => Promise<void> }> =
  [];
const closers: Array<() => Promise<void>> = [];
try {
  for (const variant of variants) {
    const store = await openStore({
      url: join(home, `${variant.name}.db`),
      synchronous: 'normal',
      backgroundCheckpoints: true,
    });
    closers.push(() => store.close());
    const services = createUsageServices({ store, file: {}, upstream: 'bench' });
    const pipeline = compose([...(await variant.stages(services)), createRetryStage({})], upstream);
    // As the gateway: the bookkeeping is written after the answer, and waited for at the end.
    const { afterAnswer, settled } = afterAnswerSink();
    let n = 0;
    prepared.push({
      variant,
      call: () =>
        pipeline({
          request: { ...request },
          signal: new AbortController().signal,
          context: { requestId: `req_${n++}`, keyId: BENCH_KEY_ID },
          options: { upstream: {}, retry: {}, afterAnswer },
        }),
      settle: settled,
    });
  }

  /** CPU µs per call over `calls` calls, IN_FLIGHT at a time, bookkeeping included. */
  async function measure(entry: (typeof prepared)[number], calls: number): Promise<number> {
    const before = process.cpuUsage();
    for (let done = 0; done < calls; done += IN_FLIGHT) {
      await Promise.all(Array.from({ length: IN_FLIGHT }, entry.call));
      // One turn of the event loop per wave, as requests arrive on sockets.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await entry.settle();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / calls;
  }

  process.stderr.write('warming up…\n');
  for (const entry of prepared) await measure(entry, Math.min(CALLS, 10_000));
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`round ${round} of ${ROUNDS}…\n`);
    for (const entry of prepared) samples.get(entry.variant.name)!.push(await measure(entry, CALLS));
  }

  const base = median(samples.get('baseline')!);
  const lines = [
    '| stages | CPU µs/call | added µs/call | × baseline | rounds (µs/call) |',
    '|---|---:|---:|---:|---|',
    ...variants.map((v) => {
      const all = samples.get(v.name)!;
      const m = median(all);
      return `| ${v.name}: ${v.what} | ${m.toFixed(1)} | ${v.name === 'baseline' ? '—' : (m - base).toFixed(1)} | ${(m / base).toFixed(2)} | ${all.map((x) => x.toFixed(1)).join(', ')} |`;
    }),
    '',
    `${CALLS} calls per variant and round, ${IN_FLIGHT} in flight, ${ROUNDS} rounds alternating between variants; medians.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const close of closers) await close();
  rmSync(home, { recursive: true, force: true });
}
