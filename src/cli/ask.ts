import type { Command } from 'commander';
import { type AssembledCompletion, type ChatStream, createClient } from '../client/index.js';
import { loadSettings, type SettingsInput } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { StreamInterruptedError, UpstreamError } from '../openai/index.js';
import type { ChatMessage } from '../openai/wire-types.js';
import type { AttemptEvent, Stage } from '../pipeline/index.js';
import { createRedactStage, parseRedactConfig } from '../redact/index.js';
import { openStore } from '../store/index.js';
import { createUsageServices, type UsageServices } from '../usage/index.js';
import type { RegisterCommand } from './commands.js';
import { collect, extraHeaders } from './extra-headers.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';

interface AskFlags {
  model?: string;
  system?: string;
  json?: boolean;
  stream: boolean;
  header: string[];
  maxTokens?: string;
}

/** `steadychat ask "question"`: one question, the answer streamed to stdout. */
export const registerAskCommand: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('ask')
    .description('Ask one question; the answer streams to stdout (exit 0 only on a complete answer)')
    .argument('[question...]', 'the question ("-" or none: read it from stdin)')
    .option('--model <model>', 'model (default: STEADYCHAT_MODEL, else gpt-4o-mini)')
    .option('--system <prompt>', 'system prompt')
    .option('--max-tokens <n>', 'largest answer, in tokens')
    .option('--json', 'print the whole completion (with usage and request id) as JSON')
    .option('--no-stream', 'wait for the whole answer instead of streaming it')
    .option('--header <header>', 'extra request header "Name: value" (repeatable)', collect, [])
    .action(async (words: string[], flags: AskFlags, command: Command) => {
      const code = await runAsk(words, flags, io, command.parent?.opts<{ lang?: string }>().lang);
      setExitCode(code);
    });
};

async function readQuestion(words: string[], io: CliIo): Promise<string> {
  const joined = words.join(' ').trim();
  if (joined && joined !== '-') return joined;
  if ((io.stdin as { isTTY?: boolean }).isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function runAsk(
  words: string[],
  flags: AskFlags,
  io: CliIo,
  langFlag: string | undefined,
): Promise<number> {
  const settingsFlags: SettingsInput = {};
  if (flags.model) settingsFlags.model = flags.model;
  const settings = loadSettings({ env: io.env, cwd: io.cwd, flags: settingsFlags });
  const lang = detectLang(io.env, langFlag ?? settings.lang);
  const question = await readQuestion(words, io);
  if (!question) {
    throw new UsageError(t(lang, 'No question given.', '没有提供问题。'), {
      hint: t(lang, 'Usage: steadychat ask "your question"', '用法：steadychat ask "你的问题"'),
    });
  }
  let maxTokens: number | undefined;
  if (flags.maxTokens !== undefined) {
    maxTokens = Number(flags.maxTokens);
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new UsageError(
        t(lang, '--max-tokens must be a positive integer.', '--max-tokens 必须是正整数。'),
      );
    }
  }
  const messages: ChatMessage[] = [];
  if (flags.system) messages.push({ role: 'system', content: flags.system });
  messages.push({ role: 'user', content: question });
  // Budgets, rate limits and the usage ledger apply to `ask` like to any other call.
  const store = await openStore({
    home: settings.home,
    ...(settings.databaseUrl === undefined ? {} : { url: settings.databaseUrl }),
  });
  let usage: UsageServices;
  try {
    usage = createUsageServices({
      store,
      file: settings.file,
      upstream: new URL(settings.openai.baseUrl).host,
      ...(settings.redisUrl === undefined ? {} : { redisUrl: settings.redisUrl }),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const stages: Stage[] = [...usage.stages];
  // STEADYCHAT_REDACT=on: personal data is replaced before it leaves, restored in the answer.
  if (settings.redact === 'on') stages.push(createRedactStage(parseRedactConfig(settings.file.redact)));
  const client = createClient({
    settings,
    stages,
    headers: extraHeaders(io.env, flags.header),
    onAttempt: (event) => reportRetry(event, io, lang),
  });
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const request = { messages, ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }) };
    let completion: AssembledCompletion;
    let requestId: string | undefined;
    let attempts = 1;
    if (flags.stream) {
      const stream = await client.chat({ ...request, stream: true }, { signal: controller.signal });
      completion = await printStream(stream, flags.json === true, io);
      requestId = stream.meta.upstreamRequestId;
      attempts = stream.meta.attempts;
    } else {
      const result = await client.chat(request, { signal: controller.signal });
      completion = { ...result, usageEstimated: false };
      requestId = result.meta.upstreamRequestId;
      attempts = result.meta.attempts;
      if (!flags.json) io.stdout.write(`${result.choices[0]?.message.content ?? ''}\n`);
    }
    const finish = completion.choices[0]?.finish_reason ?? null;
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify({ ...completion, request_id: requestId ?? null, attempts }, null, 2)}\n`,
      );
    }
    if (finish === 'stop' || finish === 'tool_calls') return 0;
    io.stderr.write(`✗ ${incompleteMessage(finish, lang)}\n`);
    return 1;
  } catch (error) {
    if (flags.json && error instanceof UpstreamError) {
      io.stdout.write(`${JSON.stringify(errorJson(error, lang), null, 2)}\n`);
      io.stderr.write(`✗ ${error.localized(lang)}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await client.close();
    await usage.close().catch(() => undefined);
    await store.close();
  }
}

async function printStream(stream: ChatStream, json: boolean, io: CliIo): Promise<AssembledCompletion> {
  let printed = false;
  try {
    for await (const chunk of stream) {
      const piece = chunk.choices?.[0]?.delta?.content;
      if (!json && piece) {
        io.stdout.write(piece);
        printed = true;
      }
    }
  } finally {
    // End the partial line, so the error on stderr starts on its own line.
    if (printed) io.stdout.write('\n');
  }
  return stream.finalCompletion();
}

function reportRetry(event: AttemptEvent, io: CliIo, lang: Lang): void {
  if (!event.willRetry) return;
  const code =
    event.error instanceof UpstreamError ? `${event.error.status ?? ''} ${event.error.code}`.trim() : 'error';
  const seconds = ((event.delayMs ?? 0) / 1000).toFixed(1);
  io.stderr.write(
    `${t(
      lang,
      `↻ attempt ${event.attempt} failed (${code}); retrying in ${seconds} s`,
      `↻ 第 ${event.attempt} 次尝试失败（${code}）；${seconds} 秒后重试`,
    )}\n`,
  );
}

function incompleteMessage(finish: string | null, lang: Lang): string {
  if (finish === 'length') {
    return t(
      lang,
      'The answer was cut at the token limit (finish_reason: length). Raise --max-tokens or ask for a shorter answer.',
      '回答在 token 上限处被截断（finish_reason: length）。请调大 --max-tokens 或要求更简短的回答。',
    );
  }
  if (finish === 'content_filter') {
    return t(
      lang,
      'The answer was withheld by the content filter (finish_reason: content_filter).',
      '回答被内容过滤器拦截（finish_reason: content_filter）。',
    );
  }
  return t(
    lang,
    `The answer is incomplete (finish_reason: ${finish}).`,
    `回答不完整（finish_reason: ${finish}）。`,
  );
}

function errorJson(error: UpstreamError, lang: Lang): unknown {
  return {
    error: {
      code: error.code,
      message: error.localized(lang),
      status: error.status ?? null,
      upstream_code: error.upstreamCode ?? null,
      type: error.type ?? null,
      param: error.param ?? null,
      request_id: error.requestId ?? null,
      attempts: error.attempts,
      ...(error instanceof StreamInterruptedError
        ? {
            partial_text: error.partialText,
            usage: error.usage ?? null,
            usage_estimated: error.usageEstimated,
          }
        : {}),
    },
  };
}
