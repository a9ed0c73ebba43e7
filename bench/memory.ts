/**
 * Memory benchmarks, each against a baseline measured in the same run:
 * 1. fitting the window of a 10,000-message conversation with the token counts cached (as stored
 *    with each message) against counting every message from scratch (a fresh counter each time);
 * 2. the adversarial-input bound: the counter on 1 MiB of CJK / base64 / one long run against 1 MiB
 *    of ordinary prose, and against gpt-tokenizer's unbounded encoder on a 32,000-character run.
 *
 *   npx tsx bench/memory.ts        (about 30 s; stops by itself)
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { fitWindow, type WindowMessage } from '../src/memory/index.js';
import type { ChatMessage } from '../src/openai/wire-types.js';
import { countTextTokens, createTokenCounter, getModelInfo, rawTokenCount } from '../src/tokens/index.js';

const MODEL = 'gpt-4o';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MiB = 1 << 20;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

// A deterministic 10,000-message conversation of English and Chinese turns of varied length.
const vocabulary =
  'the of budget window token memory conversation summary 窗口 记忆 对话 摘要 模型 请 帮我 解释'.split(' ');
let seed = 42;
const next = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed;
};
const sentence = (words: number) =>
  Array.from({ length: words }, () => vocabulary[next() % vocabulary.length]).join(' ');
const history: ChatMessage[] = [];
for (let i = 0; i < 5000; i++) {
  history.push({ role: 'user', content: `Question ${i}: ${sentence(20 + (next() % 80))}` });
  history.push({ role: 'assistant', content: `Answer ${i}: ${sentence(40 + (next() % 200))}` });
}
const info = getModelInfo(MODEL);
const budget = info.contextWindow - 4096 - Math.ceil(info.contextWindow * 0.05);

const stored: WindowMessage[] = (() => {
  const counter = createTokenCounter();
  return history.map((message) => ({ message, tokens: counter.countMessageTokens(message, MODEL) }));
})();
const totalTokens = stored.reduce((s, m) => s + m.tokens, 0);

const cachedTimes: number[] = [];
const scratchTimes: number[] = [];
let kept = 0;
for (let round = 0; round < ROUNDS; round++) {
  const counter = createTokenCounter();
  const countMessage = (m: ChatMessage) => counter.countMessageTokens(m, MODEL);
  scratchTimes.push(
    time(() => {
      const fresh = history.map((message) => ({ message, tokens: countMessage(message) }));
      fitWindow({ history: fresh, budget, countMessage });
    }),
  );
  cachedTimes.push(
    time(() => {
      kept = fitWindow({ history: stored, budget, countMessage }).messages.length;
    }),
  );
}
const cached = median(cachedTimes);
const scratch = median(scratchTimes);

// Adversarial input: 1 MiB each, bounded counter; prose is the baseline.
const inputs: Record<string, string> = {
  'prose (baseline)': sentence(Math.ceil(MiB / 5)).slice(0, MiB),
  'CJK without spaces': '中文汉字测试的句子没有空格'.repeat(Math.ceil(MiB / 13)).slice(0, MiB),
  base64: randomBytes((MiB * 3) / 4).toString('base64'),
  "'x' × 1 MiB": 'x'.repeat(MiB),
};
const adversarial: Array<[string, number]> = [];
for (const [name, text] of Object.entries(inputs)) {
  const times: number[] = [];
  for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
    // A fresh string each round, so no cache helps.
    const fresh = `${round}${text}`;
    times.push(time(() => countTextTokens(fresh, MODEL)));
  }
  adversarial.push([name, median(times)]);
}
const prose = adversarial[0]?.[1] ?? 1;
const run = 'x'.repeat(32_000);
const unbounded = time(() => rawTokenCount(run, 'o200k_base'));
const bounded = median([0, 1, 2].map((i) => time(() => countTextTokens(`${i}${run}`, MODEL))));

const lines = [
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
  'command: npx tsx bench/memory.ts',
  '',
  `### Fitting a 10,000-message conversation (${totalTokens.toLocaleString('en')} tokens) into ${MODEL}'s window (budget ${budget.toLocaleString('en')}, ${kept} messages kept), median of ${ROUNDS}`,
  '',
  '| counts | time |',
  '|---|---|',
  `| counted from scratch (baseline) | ${scratch.toFixed(1)} ms |`,
  `| cached (stored with each message) | ${cached.toFixed(2)} ms |`,
  '',
  `ratio: cached fitting is ${(scratch / cached).toFixed(0)}× faster than counting from scratch.`,
  '',
  '### Counting 1 MiB of adversarial input (bounded BPE), against 1 MiB of prose',
  '',
  '| input | time | vs prose |',
  '|---|---|---|',
  ...adversarial.map(([name, ms]) => `| ${name} | ${ms.toFixed(0)} ms | ${(ms / prose).toFixed(2)}× |`),
  '',
  `One 32,000-character run: unbounded gpt-tokenizer ${unbounded.toFixed(0)} ms, bounded counter ${bounded.toFixed(1)} ms (${(unbounded / Math.max(bounded, 0.01)).toFixed(0)}× faster).`,
];
process.stdout.write(`${lines.join('\n')}\n`);
