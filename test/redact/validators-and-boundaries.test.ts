import { describe, expect, it } from 'vitest';
import { detectPii, foldWidth } from '../../src/redact/index.js';

const types = (text: string) => detectPii(text).map((f) => `${f.type}:${f.value}`);

describe('checksums and validators (reference test vectors)', () => {
  it('accepts the GB 11643 example ID and rejects a wrong check digit', () => {
    expect(types('身份证11010519491231002X')).toEqual(['CN_ID:11010519491231002X']);
    expect(types('身份证110105194912310021')).toEqual([]);
    expect(types('id 110105 19491231 002x ok')).toEqual(['CN_ID:110105 19491231 002x']);
  });

  it('accepts a 15-digit legacy ID only with a context word', () => {
    expect(types('身份证号110105491231002')).toEqual(['CN_ID:110105491231002']);
    expect(types('编码110105491231002')).toEqual([]);
  });

  it('checks unified social credit codes with mod 31', () => {
    expect(types('信用代码91350100M000100Y43')).toEqual(['CN_USCC:91350100M000100Y43']);
    expect(types('信用代码91350100M000100Y44')).toEqual([]);
  });

  it('checks cards with Luhn and IIN, 16–19 digits, separators; 62 cards failing Luhn need a card word', () => {
    expect(types('card 4111111111111111 and 378282246310005')).toEqual([
      'BANK_CARD:4111111111111111',
      'BANK_CARD:378282246310005',
    ]);
    expect(types('卡号6228480402564890018')).toEqual(['BANK_CARD:6228480402564890018']);
    expect(types('卡号6228-4804-0256-4890-018')).toEqual(['BANK_CARD:6228-4804-0256-4890-018']);
    expect(types('编号6212262201234567')).toEqual([]);
    expect(types('银行卡号6212262201234567')).toEqual(['BANK_CARD:6212262201234567']);
    expect(types('订单号4111111111111111')).toEqual([]);
  });

  it('checks IBAN with mod 97 and the country length', () => {
    expect(types('IBAN DE89370400440532013000')).toEqual(['IBAN:DE89370400440532013000']);
    expect(types('IBAN GB82 WEST 1234 5698 7654 32 USD')).toEqual(['IBAN:GB82 WEST 1234 5698 7654 32']);
    expect(types('IBAN DE89370400440532013001')).toEqual([]);
  });

  it('invalidates SSN samples and impossible areas', () => {
    expect(types('SSN 536-22-1234')).toEqual(['US_SSN:536-22-1234']);
    expect(types('SSN 078-05-1120, 666-12-1234, 900-12-1234, 123-00-1234')).toEqual([]);
  });

  it('finds secrets and never confuses kebab-case words with keys', () => {
    // AWS's documented example key id, assembled so secret scanners do not flag this file.
    expect(detectPii(`key ${['AKIA', 'IOSFODNN7EXAMPLE'].join('')}`).map((f) => f.type)).toEqual([
      'SECRET_AWS',
    ]);
    expect(detectPii('sk-this-is-a-long-kebab-case-identifier').length).toBe(0);
    expect(detectPii('token sk-proj-abc123DEF456ghi789JKL012').map((f) => f.type)).toEqual(['SECRET_OPENAI']);
    expect(detectPii('password: "s3cr3t-Pa55" and 密码是abc12345').map((f) => f.value)).toEqual([
      's3cr3t-Pa55',
      'abc12345',
    ]);
  });
});

describe('boundaries next to CJK and ASCII, width folding', () => {
  it('finds numbers glued to Chinese text and to ASCII letters (no \\b)', () => {
    expect(types('电话13800138000谢谢')).toEqual(['CN_PHONE:13800138000']);
    expect(types('ID13800138000ok')).toEqual(['CN_PHONE:13800138000']);
    expect(types('tel+8613800138000')).toEqual(['CN_PHONE:+8613800138000']);
  });

  it('accepts +86 / 0086 / (+86) prefixes, spaces and dashes', () => {
    for (const p of [
      '+86 138 0013 8000',
      '0086-138-0013-8000',
      '(+86)13800138000',
      '138-0013-8000',
      '8613800138000',
    ]) {
      expect(types(`手机${p}`)).toEqual([`CN_PHONE:${p}`]);
    }
  });

  it('folds full-width digits and letters one for one, keeping offsets', () => {
    const text = '手机１３８００１３８０００，身份证１１０１０５１９４９１２３１００２Ｘ';
    expect(foldWidth(text).length).toBe(text.length);
    const found = detectPii(text);
    expect(found.map((f) => f.type)).toEqual(['CN_PHONE', 'CN_ID']);
    expect(found[0]?.value).toBe('１３８００１３８０００');
    expect(found[1]?.value).toBe('１１０１０５１９４９１２３１００２Ｘ');
  });

  it('does not match inside longer digit runs (orders, timestamps)', () => {
    expect(types('订单2023101213800138000123')).toEqual([]);
    expect(types('时间戳1697012345678')).toEqual([]);
  });

  it('lowers business numbers by context words and raises personal ones', () => {
    expect(types('订单号：13800138000')).toEqual([]);
    expect(types('快递单号 13800138000')).toEqual([]);
    expect(types('护照E12345678')).toEqual(['PASSPORT:E12345678']);
    expect(types('型号E12345678')).toEqual([]);
  });

  it('takes landlines and international numbers from libphonenumber, keeps 400/800 service lines', () => {
    expect(types('座机010-12345678，+1 415-555-2671')).toEqual([
      'PHONE:010-12345678',
      'PHONE:+1 415-555-2671',
    ]);
    expect(types('客服400-800-1234')).toEqual([]);
  });

  it('resolves overlaps by priority: an email holding a phone number is one email', () => {
    expect(types('邮箱13800138000@163.com')).toEqual(['EMAIL:13800138000@163.com']);
  });

  it('applies allow and deny lists and custom patterns', () => {
    expect(types('手机13800138000').length).toBe(1);
    expect(detectPii('手机13800138000', { allow: ['138-0013-8000'] })).toEqual([]);
    expect(
      detectPii('项目代号 BLUEFIN 与员工 EMP-123456', {
        deny: [{ value: 'BLUEFIN', type: 'PROJECT' }],
        patterns: [{ type: 'EMPLOYEE_ID', pattern: 'EMP-\\d{6}' }],
      }).map((f) => `${f.type}:${f.value}`),
    ).toEqual(['PROJECT:BLUEFIN', 'EMPLOYEE_ID:EMP-123456']);
  });
});
