import { describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../../src/openai/wire-types.js';
import { type ChatCall, type ChatResponse, compose } from '../../src/pipeline/index.js';
import {
  createMemoryVaultStore,
  createRedactStage,
  PiiBlockedError,
  type RedactReport,
} from '../../src/redact/index.js';

const meta = { headers: {}, attempts: 1 };

function call(request: ChatRequest, conversationId?: string): ChatCall {
  return {
    request,
    signal: new AbortController().signal,
    context: conversationId === undefined ? { requestId: 'r1' } : { requestId: 'r1', conversationId },
    options: {},
  };
}

/** A terminal that records what went "upstream" and echoes the last user text back. */
function echoTerminal(seen: ChatRequest[], opts: { stream?: boolean; toolArgs?: string } = {}) {
  return async (c: ChatCall): Promise<ChatResponse> => {
    seen.push(structuredClone(c.request));
    const last = c.request.messages.at(-1);
    const text = `收到：${typeof last?.content === 'string' ? last.content : ''}`;
    if (!opts.stream) {
      const completion: ChatCompletion = {
        id: 'c1',
        object: 'chat.completion',
        created: 0,
        model: c.request.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text,
              refusal: null,
              ...(opts.toolArgs
                ? {
                    tool_calls: [
                      {
                        id: 't1',
                        type: 'function' as const,
                        function: { name: 'f', arguments: opts.toolArgs },
                      },
                    ],
                  }
                : {}),
            },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
      };
      return { type: 'completion', completion, meta };
    }
    const base = { id: 's1', object: 'chat.completion.chunk' as const, created: 0, model: c.request.model };
    async function* gen(): AsyncGenerator<ChatCompletionChunk> {
      for (let i = 0; i < text.length; i += 3) {
        yield {
          ...base,
          choices: [
            { index: 0, delta: { content: text.slice(i, i + 3) }, logprobs: null, finish_reason: null },
          ],
        };
      }
      if (opts.toolArgs) {
        const a = opts.toolArgs;
        yield {
          ...base,
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  { index: 0, id: 't1', type: 'function', function: { name: 'f', arguments: '' } },
                ],
              },
              logprobs: null,
              finish_reason: null,
            },
          ],
        };
        for (let i = 0; i < a.length; i += 4) {
          yield {
            ...base,
            choices: [
              {
                index: 0,
                delta: { tool_calls: [{ index: 0, function: { arguments: a.slice(i, i + 4) } }] },
                logprobs: null,
                finish_reason: null,
              },
            ],
          };
        }
      }
      yield {
        ...base,
        choices: [
          { index: 0, delta: {}, logprobs: null, finish_reason: opts.toolArgs ? 'tool_calls' : 'stop' },
        ],
      };
    }
    return { type: 'stream', stream: gen(), meta };
  };
}

const request = (): ChatRequest => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: '客服系统，管理员邮箱 admin@example.com' },
    { role: 'developer', content: 'dev notes: server 203.0.113.9' },
    {
      role: 'user',
      content: [
        { type: 'text', text: '身份证11010519491231002X' },
        { type: 'image_url', image_url: { url: 'x' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 't0', type: 'function', function: { name: 'lookup', arguments: '{"phone":"13800138000"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 't0', content: '卡号6228480402564890018' },
    { role: 'user', content: '我的手机13800138000，key sk-proj-abc123DEF456ghi789JKL012' },
  ],
});

describe('redaction stage', () => {
  it('redacts every text of the request into a copy and restores the completion', async () => {
    const seen: ChatRequest[] = [];
    const reports: RedactReport[] = [];
    const req = request();
    const before = structuredClone(req);
    const run = compose([createRedactStage({ onReport: (r) => reports.push(r) })], echoTerminal(seen));
    const res = await run(call(req));

    const upstream = JSON.stringify(seen[0]);
    for (const value of [
      'admin@example.com',
      '203.0.113.9',
      '11010519491231002X',
      '13800138000',
      '6228480402564890018',
      'sk-proj-',
    ]) {
      expect(upstream).not.toContain(value);
    }
    expect(upstream).toContain('[CN_PHONE_1]');
    expect(JSON.parse(seen[0]?.messages[3]?.tool_calls?.[0]?.function.arguments ?? '{}')).toEqual({
      phone: '[CN_PHONE_1]',
    });
    expect(req).toEqual(before);

    expect(res.type).toBe('completion');
    if (res.type !== 'completion') return;
    expect(res.completion.choices[0]?.message.content).toBe(
      '收到：我的手机13800138000，key [REDACTED_SECRET_OPENAI]',
    );
    expect(reports).toEqual([
      { requestId: 'r1', counts: { EMAIL: 1, IP: 1, CN_ID: 1, CN_PHONE: 2, BANK_CARD: 1, SECRET_OPENAI: 1 } },
    ]);
    expect(JSON.stringify(reports)).not.toContain('13800138000');
  });

  it('restores a stream chunk by chunk and tool-call arguments once assembled', async () => {
    const seen: ChatRequest[] = [];
    const run = compose(
      [createRedactStage()],
      echoTerminal(seen, { stream: true, toolArgs: '{"to":"[CN_PHONE_1]","note":"[EMAIL_1]"}' }),
    );
    const res = await run(
      call({ model: 'm', messages: [{ role: 'user', content: '手机13800138000 邮箱 a@b.com 🎉' }] }),
    );
    expect(res.type).toBe('stream');
    if (res.type !== 'stream') return;
    let content = '';
    let args = '';
    let finish: string | null = null;
    for await (const chunk of res.stream) {
      const ch = chunk.choices[0];
      content += ch?.delta.content ?? '';
      args += ch?.delta.tool_calls?.map((t) => t.function?.arguments ?? '').join('') ?? '';
      finish = ch?.finish_reason ?? finish;
    }
    expect(content).toBe('收到：手机13800138000 邮箱 a@b.com 🎉');
    expect(JSON.parse(args)).toEqual({ to: '13800138000', note: 'a@b.com' });
    expect(finish).toBe('tool_calls');
  });

  it('keeps one vault per conversation: stable numbers across turns', async () => {
    const seen: ChatRequest[] = [];
    const stage = createRedactStage({ vaultStore: createMemoryVaultStore() });
    const run = compose([stage], echoTerminal(seen));
    await run(call({ model: 'm', messages: [{ role: 'user', content: '手机13900139000' }] }, 'conv-1'));
    await run(
      call(
        { model: 'm', messages: [{ role: 'user', content: '换成13800138000，旧的13900139000停用' }] },
        'conv-1',
      ),
    );
    await run(call({ model: 'm', messages: [{ role: 'user', content: '手机13800138000' }] }, 'conv-2'));
    expect(seen.map((r) => r.messages[0]?.content)).toEqual([
      '手机[CN_PHONE_1]',
      '换成[CN_PHONE_2]，旧的[CN_PHONE_1]停用',
      '手机[CN_PHONE_1]',
    ]);
  });

  it('allocates distinct numbers to concurrent turns of one conversation', async () => {
    const seen: ChatRequest[] = [];
    const run = compose([createRedactStage()], echoTerminal(seen));
    const phones = Array.from({ length: 8 }, (_, i) => `1380013800${i}`);
    const results = await Promise.all(
      phones.map((p) => run(call({ model: 'm', messages: [{ role: 'user', content: `手机${p}` }] }, 'c'))),
    );
    const placeholders = new Set(seen.map((r) => r.messages[0]?.content));
    expect(placeholders.size).toBe(8);
    results.forEach((res, i) => {
      expect(res.type === 'completion' && res.completion.choices[0]?.message.content).toBe(
        `收到：手机${phones[i]}`,
      );
    });
  });

  it('refuses a request whose type is blocked, without sending it or naming the value', async () => {
    const seen: ChatRequest[] = [];
    const run = compose([createRedactStage({ actions: { CN_ID: 'block' } })], echoTerminal(seen));
    const error = await run(call(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PiiBlockedError);
    expect((error as PiiBlockedError).code).toBe('pii_blocked');
    expect((error as PiiBlockedError).field).toBe('messages[2].content[0].text');
    expect((error as Error).message).not.toContain('11010519491231002X');
    expect(seen).toHaveLength(0);
  });

  it('passes a call through untouched when its options say redact: false', async () => {
    const seen: ChatRequest[] = [];
    const run = compose([createRedactStage()], echoTerminal(seen));
    await run({
      ...call({ model: 'm', messages: [{ role: 'user', content: '手机13800138000' }] }),
      options: { redact: false },
    });
    expect(seen[0]?.messages[0]?.content).toBe('手机13800138000');
  });

  it('restores several choices independently and releases held text before a stream error', async () => {
    const base = { id: 's', object: 'chat.completion.chunk' as const, created: 0, model: 'm' };
    const terminal = async (): Promise<ChatResponse> => {
      async function* gen(): AsyncGenerator<ChatCompletionChunk> {
        const pieces: [number, string][] = [
          [0, 'A:[CN_PH'],
          [1, 'B:[EMA'],
          [0, 'ONE_1]!'],
          [1, 'IL_1] '],
          [0, ' then [CN_'],
        ];
        for (const [index, content] of pieces) {
          yield { ...base, choices: [{ index, delta: { content }, logprobs: null, finish_reason: null }] };
        }
        throw new Error('connection reset');
      }
      return { type: 'stream', stream: gen(), meta };
    };
    const run = compose([createRedactStage()], terminal);
    const res = await run(
      call({ model: 'm', messages: [{ role: 'user', content: '手机13800138000 邮箱 a@b.com' }] }),
    );
    if (res.type !== 'stream') throw new Error('expected a stream');
    const text = ['', ''];
    const error = await (async () => {
      for await (const chunk of res.stream) {
        for (const ch of chunk.choices) text[ch.index] += ch.delta.content ?? '';
      }
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('connection reset');
    expect(text).toEqual(['A:13800138000! then [CN_', 'B:a@b.com ']);
  });
});
