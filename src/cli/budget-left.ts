import type { BudgetSettlement } from '../usage/index.js';
import { type Lang, t } from './io.js';
import { formatInt, formatMoney } from './usage-table.js';

/** "budget left: 195,000 tok today · 9.98 USD this month": the tightest budgets after a turn. */
export function budgetLeftText(settlement: BudgetSettlement | undefined, lang: Lang): string | undefined {
  if (!settlement || settlement.budgets.length === 0) return undefined;
  const parts: string[] = [];
  let tokens: { left: number; period: string } | undefined;
  let money: { left: number; currency: string; period: string } | undefined;
  for (const b of settlement.budgets) {
    if (b.tokensLimit !== null) {
      const left = Math.max(0, b.tokensLimit - b.usedTokens - b.reservedTokens);
      if (!tokens || left < tokens.left) tokens = { left, period: b.period };
    }
    if (b.costLimit !== null) {
      const left = Math.max(0, b.costLimit.amount - b.usedCost - b.reservedCost);
      if (!money || left < money.left) money = { left, currency: b.costLimit.currency, period: b.period };
    }
  }
  const when = (period: string) =>
    period === 'day' ? t(lang, 'today', '今日') : t(lang, 'this month', '本月');
  if (tokens)
    parts.push(
      t(
        lang,
        `${formatInt(tokens.left)} tok ${when(tokens.period)}`,
        `${when(tokens.period)} ${formatInt(tokens.left)} token`,
      ),
    );
  if (money)
    parts.push(
      t(
        lang,
        `${formatMoney(money.left, money.currency)} ${when(money.period)}`,
        `${when(money.period)} ${formatMoney(money.left, money.currency)}`,
      ),
    );
  return t(lang, `budget left: ${parts.join(', ')}`, `预算剩余：${parts.join('，')}`);
}
