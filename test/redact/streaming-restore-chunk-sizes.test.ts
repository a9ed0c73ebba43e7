import { describe, expect, it } from 'vitest';
import { createRestorer, createVault, redactText, restoreText } from '../../src/redact/index.js';

const vault = createVault();
const original =
  '您好👋，张三的手机13800138000、邮箱zhang.san@example.com，身份证11010519491231002X。🎉 Card 4111 1111 1111 1111 ok 𠀀𠀁';
const redacted = redactText(original, { vault }).text;

/** Answers a model might give: placeholders next to emoji, CJK, astral characters and mangled forms. */
const answers = [
  redacted,
  `好的😀[CN_PHONE_1]😀，我已记录 [EMAIL_1]。身份证 <cn_id_1> 和 [CN PHONE 1]、&lt;EMAIL_1&gt;、【CN_ID_1】`,
  '未知的 [CN_PHONE_9] 和 [NOT_A_TYPE_3] 保持原样, [CN_PHONE_1][CN_PHONE_1]🎉',
  '结尾不完整 [CN_PHO',
  '𠀀[BANK_CARD_1]𠀁 <a href="x">link</a> a[b] 1<2 && 3>2 &amp; [CN_ID_1',
];

function streamed(text: string, size: number): { out: string; pieces: string[]; maxHeld: number } {
  const r = createRestorer(vault);
  const pieces: string[] = [];
  let fed = 0;
  let emitted = 0;
  let maxHeld = 0;
  for (let i = 0; i < text.length; i += size) {
    const chunk = text.slice(i, i + size);
    fed += chunk.length;
    const piece = r.push(chunk);
    pieces.push(piece);
    emitted += piece.length;
    maxHeld = Math.max(maxHeld, fed - emitted);
  }
  pieces.push(r.flush());
  return { out: pieces.join(''), pieces, maxHeld };
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('streaming restoration', () => {
  it('the redacted prompt carries placeholders, not the values', () => {
    expect(redacted).not.toContain('13800138000');
    expect(redacted).toContain('[CN_PHONE_1]');
  });

  for (const answer of answers) {
    it(`gives identical output for every chunk size 1–8: ${answer.slice(0, 24)}…`, () => {
      const whole = restoreText(answer, vault);
      for (let size = 1; size <= 8; size++) {
        const { out, pieces } = streamed(answer, size);
        expect(out, `chunk size ${size}`).toBe(whole);
        // No piece ever ends or starts in the middle of a surrogate pair.
        for (const p of pieces)
          expect(loneSurrogate.test(p), `chunk size ${size}: ${JSON.stringify(p)}`).toBe(false);
      }
    });
  }

  it('matches placeholders tolerantly and leaves unknown ones as they are', () => {
    const out = restoreText(answers[1] as string, vault);
    expect(out).toContain('😀13800138000😀');
    expect(out).toContain(
      '身份证 11010519491231002X 和 13800138000、zhang.san@example.com、11010519491231002X',
    );
    expect(restoreText('[CN_PHONE_9] [NOT_A_TYPE_3]', vault)).toBe('[CN_PHONE_9] [NOT_A_TYPE_3]');
  });

  it('holds back only a short tail, never the whole answer', () => {
    const long = `${'这是一段很长的回答，'.repeat(200)}[CN_PHONE_1]${'结尾'.repeat(100)}`;
    const { maxHeld, pieces } = streamed(long, 3);
    expect(maxHeld).toBeLessThan(64);
    expect(pieces.filter((p) => p.length > 0).length).toBeGreaterThan(100);
  });

  it('does not turn [CN_PHONE_10] into the value of [CN_PHONE_1]', () => {
    expect(restoreText('[CN_PHONE_10]', vault)).toBe('[CN_PHONE_10]');
  });
});
