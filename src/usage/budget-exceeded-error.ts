import { SteadyChatError } from '../errors/index.js';

/** Which budget a call is charged to. `global` is everybody; the others are one key / user / conversation. */
export type BudgetScope = 'global' | 'key' | 'user' | 'conversation';

/** The calendar period a budget counts over, in the budget's time zone. */
export type BudgetPeriod = 'day' | 'month';

/** What a budget limits: tokens, or money in its currency. */
export type BudgetUnit = 'tokens' | 'cost';

/** The facts of a refusal, for callers that want to show them their own way. */
export interface BudgetExceededDetails {
  scope: BudgetScope;
  /** The key / user / conversation id (`*` for global). */
  scopeId: string;
  period: BudgetPeriod;
  /** `2026-11-25` (day) or `2026-11` (month), in the budget's time zone. */
  periodKey: string;
  unit: BudgetUnit;
  limit: number;
  /** Already settled in this period. */
  used: number;
  /** Held by calls in flight. */
  reserved: number;
  /** The worst case this call needed. */
  requested: number;
  /** Money unit when `unit` is `cost`. */
  currency?: string;
  /** When the period ends (epoch ms). */
  resetsAt: number;
  /** `limit`: the call does not fit; `unknown_price`: a money budget applies and the model has no price. */
  reason: 'limit' | 'unknown_price';
  /** The model of the refused call. */
  model: string;
}

/**
 * A call was refused before going upstream because its worst case (prompt tokens + maximum output
 * tokens, priced) does not fit in a budget. Never retried. The gateway answers it with HTTP 429.
 */
export class BudgetExceededError extends SteadyChatError {
  readonly details: BudgetExceededDetails;
  /** HTTP status the gateway answers with. */
  readonly status = 429;

  constructor(details: BudgetExceededDetails) {
    super('budget_exceeded', `${describe(details, 'en')} ${hint(details, 'en')}`, {
      hint: hint(details, 'en'),
    });
    this.details = details;
  }

  /** The message in the CLI user's language. */
  localized(lang: string): string {
    return lang === 'zh' ? `${describe(this.details, 'zh')}\n${hint(this.details, 'zh')}` : this.message;
  }

  /** OpenAI's error envelope for this refusal. */
  toErrorBody(): { error: { message: string; type: string; param: null; code: string } } {
    return {
      error: { message: this.message, type: 'budget_exceeded', param: null, code: 'budget_exceeded' },
    };
  }
}

function amount(d: BudgetExceededDetails, value: number): string {
  if (d.unit === 'tokens') return `${Math.round(value)} tokens`;
  return `${value.toFixed(value < 1 ? 4 : 2)} ${d.currency ?? ''}`.trim();
}

function who(d: BudgetExceededDetails, lang: 'en' | 'zh'): string {
  if (d.scope === 'global') return lang === 'zh' ? '全局' : 'global';
  const names = {
    key: ['key', '密钥'],
    user: ['user', '用户'],
    conversation: ['conversation', '会话'],
  } as const;
  return `${names[d.scope][lang === 'zh' ? 1 : 0]} ${d.scopeId}`;
}

function describe(d: BudgetExceededDetails, lang: 'en' | 'zh'): string {
  const left = Math.max(0, d.limit - d.used - d.reserved);
  const resets = new Date(d.resetsAt).toISOString();
  if (d.reason === 'unknown_price') {
    return lang === 'zh'
      ? `预算拒绝：模型 ${d.model} 没有价格，无法检查${who(d, 'zh')} 的金额预算。`
      : `Budget refused the call: model ${d.model} has no known price, so the ${who(d, 'en')} money budget cannot be checked.`;
  }
  if (lang === 'zh') {
    const period = d.period === 'day' ? '每日' : '每月';
    return `预算不足：${who(d, 'zh')} 的${period}${d.unit === 'tokens' ? ' token ' : '金额'}预算 ${amount(d, d.limit)}，已用 ${amount(d, d.used)}，进行中占用 ${amount(d, d.reserved)}，剩余 ${amount(d, left)}；本次调用最多需要 ${amount(d, d.requested)}。将于 ${resets} 重置。`;
  }
  return `Budget exceeded: the ${d.period === 'day' ? 'daily' : 'monthly'} ${d.unit === 'tokens' ? 'token' : 'money'} budget of ${who(d, 'en')} is ${amount(d, d.limit)}; ${amount(d, d.used)} used and ${amount(d, d.reserved)} held by calls in flight leave ${amount(d, left)}, and this call needs up to ${amount(d, d.requested)}. It resets at ${resets}.`;
}

function hint(d: BudgetExceededDetails, lang: 'en' | 'zh'): string {
  if (d.reason === 'unknown_price') {
    return lang === 'zh'
      ? `在配置文件的 prices 中为 ${d.model} 添加价格。`
      : `Add a price for ${d.model} under "prices" in the config file.`;
  }
  return lang === 'zh'
    ? '降低 max_tokens、用 `steadychat budget set` 提高预算，或等待重置。'
    : 'Lower max_tokens, raise the budget with `steadychat budget set`, or wait for the reset.';
}
