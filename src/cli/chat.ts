import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { createClient } from '../client/index.js';
import { loadSettings } from '../config/index.js';
import { SteadyChatError } from '../errors/index.js';
import {
  type Conversation,
  type Conversations,
  createConversations,
  type TurnResult,
} from '../memory/index.js';
import type { Stage } from '../pipeline/index.js';
import { createRedactStage, parseRedactConfig } from '../redact/index.js';
import { openStore, type Store } from '../store/index.js';
import { type BudgetSettlement, createUsageServices, type PriceTable } from '../usage/index.js';
import { budgetLeftText } from './budget-left.js';
import type { RegisterCommand } from './commands.js';
import { type CliIo, detectLang, type Lang, t } from './io.js';

interface ChatFlags {
  session: string;
  model?: string;
  system?: string;
  new?: boolean;
  config?: string;
}

/** Conversations of the CLI belong to this owner prefix + the session name. */
const SESSION_OWNER = 'cli-session:';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** `steadychat chat`: a streaming REPL with memory; sessions persist in the store. */
export const registerChatCommand: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('chat')
    .description(
      'Chat with memory: a streaming REPL whose sessions persist (reads lines from stdin when piped)',
    )
    .option('--session <name>', 'session to continue or start', 'default')
    .option('--model <model>', 'model for this session (default: STEADYCHAT_MODEL, else gpt-4o-mini)')
    .option('--system <text>', 'system prompt for this session')
    .option('--new', 'start a new conversation in this session (the old one stays in /sessions)')
    .option('--config <file>', 'config file to read (default: STEADYCHAT_CONFIG, ./steadychat.config.json)')
    .action(async (flags: ChatFlags, command: Command) => {
      const settings = loadSettings({
        env: io.env,
        cwd: io.cwd,
        ...(flags.config === undefined ? {} : { configFile: flags.config }),
      });
      const lang = detectLang(io.env, command.parent?.opts<{ lang?: string }>().lang ?? settings.lang);
      const store = await openStore({
        home: settings.home,
        ...(settings.databaseUrl === undefined ? {} : { url: settings.databaseUrl }),
      });
      let lastSettlement: BudgetSettlement | undefined;
      // Budgets, rate limits and the usage ledger apply to the REPL's calls like to any other.
      const usage = createUsageServices({
        store,
        file: settings.file,
        upstream: new URL(settings.openai.baseUrl).host,
        ...(settings.redisUrl === undefined ? {} : { redisUrl: settings.redisUrl }),
        onSettled: (settlement) => {
          lastSettlement = settlement;
        },
      });
      const stages: Stage[] = [...usage.stages];
      // STEADYCHAT_REDACT=on: personal data is replaced before it leaves, restored in the answers.
      if (settings.redact === 'on') stages.push(createRedactStage(parseRedactConfig(settings.file.redact)));
      const client = createClient({ settings, stages });
      try {
        const conversations = createConversations({
          store,
          chat: client,
          model: flags.model ?? settings.model,
          memory: settings.summaryModel ? { summary: { model: settings.summaryModel } } : {},
        });
        const conversation = await openSession(conversations, flags);
        const repl = new Repl(
          io,
          lang,
          conversations,
          conversation,
          store,
          usage.prices,
          () => lastSettlement,
        );
        const failed = await repl.run();
        if (failed) setExitCode(1);
      } finally {
        await client.close().catch(() => undefined);
        await usage.close().catch(() => undefined);
        await store.close();
      }
    });
};

async function openSession(conversations: Conversations, flags: ChatFlags): Promise<Conversation> {
  const owner = SESSION_OWNER + flags.session;
  const [latest] = await conversations.list({ owner, limit: 1 });
  const conversation =
    latest && !flags.new
      ? await conversations.open(latest.id)
      : await conversations.create({
          owner,
          title: '',
          ...(flags.model === undefined ? {} : { model: flags.model }),
          ...(flags.system === undefined ? {} : { system: flags.system }),
        });
  if (flags.model !== undefined && conversation.info.model !== flags.model)
    await conversation.setModel(flags.model);
  if (flags.system !== undefined && conversation.info.system !== flags.system) {
    await conversation.setSystem(flags.system);
  }
  return conversation;
}

class Repl {
  readonly #tty: boolean;
  readonly #color: boolean;
  #answer: AbortController | null = null;
  #failed = false;
  #summarized = false;

  constructor(
    private readonly io: CliIo,
    private readonly lang: Lang,
    private readonly conversations: Conversations,
    private conversation: Conversation,
    private readonly store: Store,
    private readonly prices: PriceTable,
    private readonly settlement: () => BudgetSettlement | undefined = () => undefined,
  ) {
    this.#tty = Boolean((io.stdin as { isTTY?: boolean }).isTTY && (io.stdout as { isTTY?: boolean }).isTTY);
    this.#color = this.#tty && !io.env.NO_COLOR;
    this.#summarized = conversation.info.summary !== null;
  }

  /** @returns whether any turn failed (the exit code is then 1). */
  async run(): Promise<boolean> {
    const rl = createInterface({
      input: this.io.stdin,
      output: this.io.stdout,
      terminal: this.#tty,
      prompt: this.#tty ? `${this.#dim(t(this.lang, 'you', '你'))} › ` : '',
      historySize: this.#tty ? 100 : 0,
    });
    let interruptsAtPrompt = 0;
    rl.on('SIGINT', () => {
      if (this.#answer) {
        this.#answer.abort();
        return;
      }
      interruptsAtPrompt++;
      if (interruptsAtPrompt >= 2) {
        rl.close();
        return;
      }
      rl.write(null, { ctrl: true, name: 'u' });
      this.io.stdout.write(
        `\n${this.#dim(t(this.lang, '(Ctrl+C again, Ctrl+D or /exit to leave)', '（再按 Ctrl+C、Ctrl+D 或输入 /exit 退出）'))}\n`,
      );
      rl.prompt();
    });
    if (this.#tty) {
      await this.#banner();
      rl.prompt();
    }
    for await (const raw of rl) {
      interruptsAtPrompt = 0;
      const line = raw.trim();
      if (line) {
        const keepGoing = await this.#handle(line);
        if (!keepGoing) break;
      }
      if (this.#tty) rl.prompt();
    }
    rl.close();
    if (this.#tty) this.io.stdout.write(`${this.#dim(t(this.lang, 'Bye.', '再见。'))}\n`);
    return this.#failed;
  }

  async #banner(): Promise<void> {
    const info = this.conversation.info;
    const count = (await this.conversation.messages()).length;
    const lines = [
      t(
        this.lang,
        `steadychat · ${info.model} · ${count > 0 ? `continuing "${info.title}" (${count} messages)` : 'new conversation'}`,
        `steadychat · ${info.model} · ${count > 0 ? `继续对话「${info.title}」（${count} 条消息）` : '新对话'}`,
      ),
      t(
        this.lang,
        '/help for commands, Ctrl+C stops an answer, Ctrl+D leaves.',
        '输入 /help 查看命令，Ctrl+C 中断回答，Ctrl+D 退出。',
      ),
    ];
    this.io.stdout.write(`${lines.map((l) => this.#dim(l)).join('\n')}\n`);
  }

  /** @returns false to leave. */
  async #handle(line: string): Promise<boolean> {
    const [word = '', ...rest] = line.split(/\s+/);
    const arg = line.slice(word.length).trim();
    const command = word.toLowerCase();
    try {
      if (command === '/exit' || command === '/quit' || line === '退出') return false;
      if (command === '/clear' || line === '清空') {
        await this.conversation.clear();
        this.#summarized = false;
        this.#note(t(this.lang, 'History cleared.', '已清空对话历史。'));
        return true;
      }
      if (command === '/help' || line === '帮助') {
        this.io.stdout.write(`${this.#help()}\n`);
        return true;
      }
      if (command === '/history') return this.#history().then(() => true);
      if (command === '/sessions') return this.#sessions().then(() => true);
      if (command === '/model') {
        if (!arg) {
          this.#note(
            t(
              this.lang,
              `Model: ${this.conversation.info.model}`,
              `当前模型：${this.conversation.info.model}`,
            ),
          );
          return true;
        }
        await this.conversation.setModel(arg);
        this.#note(t(this.lang, `Model set to ${arg}.`, `已切换模型为 ${arg}。`));
        return true;
      }
      if (command === '/system') {
        await this.conversation.setSystem(arg || null);
        this.#note(
          arg
            ? t(this.lang, 'System prompt set.', '已设置系统提示词。')
            : t(this.lang, 'System prompt removed.', '已移除系统提示词。'),
        );
        return true;
      }
      if (command === '/retry') {
        await this.#turn((opts) => this.conversation.regenerate(opts));
        return true;
      }
      if (command === '/export') {
        if (!arg) {
          this.#warn(
            t(this.lang, 'Usage: /export FILE (.md or .json)', '用法：/export 文件名（.md 或 .json）'),
          );
          return true;
        }
        const path = resolve(this.io.cwd, arg);
        await writeFile(path, await this.conversation.export(/\.json$/i.test(arg) ? 'json' : 'markdown'));
        this.#note(t(this.lang, `Exported to ${path}`, `已导出到 ${path}`));
        return true;
      }
      if (command.startsWith('/') && rest.length >= 0 && /^\/[a-z]+$/.test(command)) {
        this.#warn(
          t(
            this.lang,
            `Unknown command ${word}. /help lists them.`,
            `未知命令 ${word}。输入 /help 查看命令。`,
          ),
        );
        return true;
      }
      await this.#turn((opts) => this.conversation.send(line, opts));
    } catch (error) {
      this.#failed = true;
      this.#error(error);
    }
    return true;
  }

  async #turn(
    run: (opts: {
      stream: true;
      signal: AbortSignal;
      onText: (delta: string) => void;
    }) => Promise<TurnResult>,
  ): Promise<void> {
    const controller = new AbortController();
    this.#answer = controller;
    let started = false;
    let frame = 0;
    const spinner = this.#tty
      ? setInterval(() => {
          this.io.stdout.write(`\r${this.#dim(SPINNER[frame++ % SPINNER.length] ?? '')} `);
        }, 80)
      : undefined;
    const begin = Date.now();
    const stopSpinner = () => {
      if (spinner) {
        clearInterval(spinner);
        this.io.stdout.write('\r\x1b[K');
      }
    };
    try {
      const result = await run({
        stream: true,
        signal: controller.signal,
        onText: (delta) => {
          if (!started) {
            started = true;
            stopSpinner();
          }
          this.io.stdout.write(delta);
        },
      });
      if (!started) stopSpinner();
      this.io.stdout.write('\n');
      if (result.interrupted) {
        this.#note(
          result.reply
            ? t(
                this.lang,
                '(answer stopped; the part shown is kept, marked interrupted)',
                '（回答已中断；已显示的部分已保存并标记为中断）',
              )
            : t(this.lang, '(answer stopped; nothing was saved)', '（回答已中断；未保存任何内容）'),
        );
      } else if (this.#tty) {
        this.#stats(result, Date.now() - begin);
      }
      if (result.summarized && !this.#summarized) {
        this.#note(
          t(
            this.lang,
            '(older turns no longer fit the context window; they are sent as a summary)',
            '（较早的对话已超出上下文窗口，现以摘要形式发送）',
          ),
        );
      }
      this.#summarized ||= result.summarized;
    } catch (error) {
      if (!started) stopSpinner();
      else this.io.stdout.write('\n');
      throw error;
    } finally {
      this.#answer = null;
    }
  }

  #stats(result: TurnResult, ms: number): void {
    const usage = result.usage;
    const model = result.reply?.model ?? this.conversation.info.model;
    const parts: string[] = [];
    if (usage) {
      parts.push(
        t(
          this.lang,
          `${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion = ${usage.total_tokens} tokens`,
          `输入 ${usage.prompt_tokens} + 输出 ${usage.completion_tokens} = ${usage.total_tokens} 个 token`,
        ),
      );
      const cost = this.prices.cost(model, {
        promptTokens: usage.prompt_tokens,
        completionTokens: usage.completion_tokens,
        cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      });
      if (cost) parts.push(`${cost.currency === 'USD' ? '$' : `${cost.currency} `}${cost.amount.toFixed(6)}`);
    }
    const left = budgetLeftText(this.settlement(), this.lang);
    if (left) parts.push(left);
    if (result.evicted > 0) {
      parts.push(
        t(this.lang, `${result.evicted} older messages not sent`, `${result.evicted} 条较早消息未发送`),
      );
    }
    parts.push(`${(ms / 1000).toFixed(1)}s`);
    this.io.stdout.write(`${this.#dim(parts.join(' · '))}\n`);
  }

  async #history(): Promise<void> {
    const info = this.conversation.info;
    const messages = await this.conversation.messages();
    const out: string[] = [];
    if (info.system) out.push(this.#dim(`[system] ${info.system}`));
    if (info.summary) {
      out.push(
        this.#dim(
          t(
            this.lang,
            `[summary of messages 1–${info.summaryThroughSeq}] ${info.summary}`,
            `[第 1–${info.summaryThroughSeq} 条消息的摘要] ${info.summary}`,
          ),
        ),
      );
    }
    for (const m of messages) {
      const who =
        m.message.role === 'user'
          ? t(this.lang, 'you', '你')
          : m.message.role === 'assistant'
            ? 'AI'
            : m.message.role;
      const text =
        typeof m.message.content === 'string' ? m.message.content : JSON.stringify(m.message.content);
      const flag = m.status === 'interrupted' ? t(this.lang, ' (interrupted)', '（中断）') : '';
      out.push(`${who}${flag}: ${text}`);
    }
    if (out.length === 0) out.push(this.#dim(t(this.lang, '(no messages yet)', '（暂无消息）')));
    const ctx = await this.conversation.contextUsage();
    const pct = Math.round((100 * ctx.used) / Math.max(1, ctx.budget));
    const older =
      ctx.evicted > 0
        ? ctx.summarizedThroughSeq !== null
          ? t(
              this.lang,
              ` · ${ctx.evicted} older messages sent as a summary`,
              ` · ${ctx.evicted} 条较早消息以摘要形式发送`,
            )
          : t(this.lang, ` · ${ctx.evicted} older messages not sent`, ` · ${ctx.evicted} 条较早消息未发送`)
        : '';
    out.push(
      this.#dim(
        t(
          this.lang,
          `context: ${ctx.used} of ${ctx.budget} tokens (${pct}%) for ${ctx.model}${older}`,
          `上下文：已用 ${ctx.used} / ${ctx.budget} 个 token（${pct}%），模型 ${ctx.model}${older}`,
        ),
      ),
    );
    this.io.stdout.write(`${out.join('\n')}\n`);
  }

  async #sessions(): Promise<void> {
    const list = await this.conversations.list({ limit: 50 });
    const rows = list
      .filter((c) => c.owner?.startsWith(SESSION_OWNER))
      .map((c) => {
        const name = c.owner?.slice(SESSION_OWNER.length) ?? '';
        const current = c.id === this.conversation.id ? '*' : ' ';
        const when = new Date(c.updatedAt).toISOString().slice(0, 16).replace('T', ' ');
        return `${current} ${name.padEnd(16)} ${when}  ${c.title || t(this.lang, '(untitled)', '（无标题）')}`;
      });
    this.io.stdout.write(
      `${rows.length > 0 ? rows.join('\n') : this.#dim(t(this.lang, '(no sessions)', '（暂无会话）'))}\n${this.#dim(
        t(this.lang, `store: ${this.store.location}`, `存储：${this.store.location}`),
      )}\n`,
    );
  }

  #help(): string {
    const rows: Array<[string, string, string]> = [
      ['/history', 'show the conversation', '查看对话历史'],
      ['/clear, 清空', 'forget the history of this session', '清空本会话历史'],
      ['/retry', 'answer the last question again', '重新回答上一个问题'],
      ['/model NAME', 'switch model', '切换模型'],
      ['/system TEXT', 'set the system prompt (empty removes it)', '设置系统提示词（留空则移除）'],
      [
        '/export FILE',
        'save as Markdown, or JSON for a .json file',
        '导出为 Markdown（.json 文件则为 JSON）',
      ],
      [
        '/sessions',
        'list sessions (chat --session NAME to switch)',
        '列出会话（用 chat --session 名称 切换）',
      ],
      ['/exit, 退出', 'leave (also Ctrl+D)', '退出（也可按 Ctrl+D）'],
    ];
    // Pad by display width: a CJK character takes two columns.
    const width = (text: string) => [...text].reduce((w, c) => w + (/[\u1100-\uffdc]/.test(c) ? 2 : 1), 0);
    return rows
      .map(([cmd, en, zh]) => `  ${cmd}${' '.repeat(Math.max(1, 15 - width(cmd)))}${t(this.lang, en, zh)}`)
      .join('\n');
  }

  #dim(text: string): string {
    return this.#color ? `\x1b[2m${text}\x1b[22m` : text;
  }

  #note(text: string): void {
    (this.#tty ? this.io.stdout : this.io.stderr).write(`${this.#dim(text)}\n`);
  }

  #warn(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  #error(error: unknown): void {
    if (error instanceof SteadyChatError) {
      const localized = (error as SteadyChatError & { localized?: (l: string) => string }).localized;
      this.io.stderr.write(
        `✗ ${typeof localized === 'function' ? localized.call(error, this.lang) : error.message}\n`,
      );
      if (error.hint && typeof localized !== 'function') this.io.stderr.write(`  ${error.hint}\n`);
      return;
    }
    this.io.stderr.write(`✗ ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
