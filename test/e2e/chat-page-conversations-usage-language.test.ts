import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answered,
  type BrowserSession,
  chromiumAvailable,
  conversationId,
  openBrowser,
  openPage,
  type Stack,
  send,
  shot,
  startStack,
} from './harness.js';

const run = chromiumAvailable();

describe.skipIf(!run)('web chat page: conversation list, usage chart, languages, key, summaries', () => {
  let stack: Stack;
  let browser: BrowserSession;

  beforeAll(async () => {
    stack = await startStack({ emulator: { reply: 'echo', interChunkDelayMs: 2 } });
    browser = await openBrowser('en-US');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const titles = () => browser.page.locator('#conversation-list .conversation-title').allTextContents();

  it('searches titles and message text, renames and deletes conversations', async () => {
    const { page } = browser;
    await openPage(page, stack.url);
    await send(page, 'alpha apples are crisp');
    await answered(page);
    await page.click('#new-chat');
    await send(page, 'beta bananas are sweet');
    await answered(page);
    const bananaId = conversationId(page);
    await expect.poll(titles).toEqual(['beta bananas are sweet', 'alpha apples are crisp']);

    await page.fill('#search', 'banan');
    await expect.poll(titles).toEqual(['beta bananas are sweet']);
    await page.fill('#search', 'nothing like this');
    await expect.poll(() => page.locator('#list-empty').textContent()).toBe('No conversation matches.');
    await page.fill('#search', '');
    await expect.poll(titles).toHaveLength(2);

    const banana = page.locator(`#conversation-list li[data-id="${bananaId}"]`);
    await banana.hover();
    await banana.locator('.conversation-rename').click();
    await page.fill('.rename-input', 'Fruit talk');
    await page.press('.rename-input', 'Enter');
    await expect.poll(titles).toEqual(['Fruit talk', 'alpha apples are crisp']);
    expect(await page.locator('#chat-title').textContent()).toBe('Fruit talk');
    // The new title is stored, and the search still finds the conversation by its messages.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#search', 'bananas');
    await expect.poll(titles).toEqual(['Fruit talk']);
    await shot(page, '10-search-renamed');
    await page.fill('#search', '');
    await expect.poll(titles).toHaveLength(2);

    await banana.hover();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      banana.locator('.conversation-export').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.md$/);
    const exported = await readFile((await download.path())!, 'utf8');
    expect(exported).toContain('beta bananas are sweet');

    await banana.hover();
    await banana.locator('.conversation-delete').click(); // the confirm dialog is accepted
    await expect.poll(titles).toEqual(['alpha apples are crisp']);
    await expect.poll(() => page.url()).not.toContain(bananaId);
    const gone = await fetch(`${stack.url}/api/conversations/${bananaId}`);
    expect(gone.status).toBe(404);
    expect(browser.errors).toEqual([]);
  });

  it('shows a usage page with totals and a chart of tokens and cost per day', async () => {
    const { page } = browser;
    await page.click('#open-usage');
    await page.waitForSelector('svg.usage-chart');
    expect(page.url()).toContain('#/usage');
    expect(await page.locator('svg.usage-chart g.day').count()).toBe(30);
    const heights = await page
      .locator('svg.usage-chart rect.bar-prompt')
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('height'))));
    expect(heights.some((h) => h > 0)).toBe(true);
    expect(await page.locator('svg.usage-chart polyline.cost-line').count()).toBe(1);
    const requests = await page.locator('.total-requests dd').textContent();
    expect(Number(requests)).toBeGreaterThanOrEqual(2);
    await shot(page, '11-usage');
    await page.selectOption('#usage-range', '7d');
    await expect.poll(() => page.locator('svg.usage-chart g.day').count()).toBe(7);
    await page.click('#close-usage');
    await page.waitForSelector('#chat-view:not([hidden])');
  });

  it('starts in Chinese for a Chinese browser, switches to English and remembers it', async () => {
    const zh = await openBrowser('zh-CN');
    try {
      const { page } = zh;
      await openPage(page, stack.url);
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      expect(await page.locator('#new-chat').textContent()).toBe('新对话');
      expect(await page.locator('#composer-input').getAttribute('placeholder')).toContain('Enter 发送');
      expect(await page.locator('#send').textContent()).toBe('发送');
      await send(page, 'hello there');
      await answered(page);
      expect(await page.locator('.message-assistant .message-meta').textContent()).toContain('个 token');
      await shot(page, '12-chinese');

      await page.selectOption('#lang-select', 'en');
      expect(await page.locator('#new-chat').textContent()).toBe('New chat');
      expect(await page.locator('.message-assistant .message-role').textContent()).toBe('Assistant');
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.locator('#send').textContent()).toBe('Send');
      // Every interface string exists in both languages.
      await page.evaluate("import('/assets/i18n.js').then((m) => { window.__i18n = m.STRINGS_FOR_TESTS; })");
      const keys = await page.evaluate(() => {
        const strings = (window as unknown as { __i18n: Record<string, Record<string, string>> }).__i18n;
        return { en: Object.keys(strings.en ?? {}).sort(), zh: Object.keys(strings.zh ?? {}).sort() };
      });
      expect(keys.zh).toEqual(keys.en);
      expect(zh.errors).toEqual([]);
    } finally {
      await zh.close();
    }
  });

  it('on a narrow screen the conversation list opens from the menu button', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 760 });
    try {
      await page.goto(`${stack.url}/#/`);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.locator('#sidebar-toggle').isVisible()).toBe(true);
      await page.click('#sidebar-toggle');
      await expect.poll(() => page.locator('#sidebar-toggle').getAttribute('aria-expanded')).toBe('true');
      await page.waitForTimeout(300); // the slide-in transition, for the screenshot
      await shot(page, '13-narrow-sidebar');
      await page.locator('#conversation-list .conversation-link').first().click();
      await page.waitForSelector('.message-assistant');
      expect(await page.locator('#sidebar-toggle').getAttribute('aria-expanded')).toBe('false');
      await page.waitForTimeout(300); // the slide-out transition
      await shot(page, '14-narrow-chat');
    } finally {
      await page.setViewportSize({ width: 1200, height: 820 });
    }
  });

  it('asks for the gateway key when the gateway has keys, and keeps it in the browser', async () => {
    const keyed = await startStack({ shared: stack.emulator, keys: ['web page'] });
    const secret = keyed.secrets[0]!;
    const session = await openBrowser('en-US');
    try {
      const { page } = session;
      await openPage(page, keyed.url);
      await page.waitForSelector('#settings-dialog[open]');
      expect(await page.locator('#banner-text').textContent()).toContain('needs a key');
      await shot(page, '15-key-needed');

      await page.fill('#key-input', 'sc-not-a-real-key');
      await page.click('#key-save');
      await expect.poll(() => page.locator('#key-status').textContent()).toContain('refused');

      await page.fill('#key-input', secret);
      await page.click('#key-save');
      await page.waitForSelector('#settings-dialog', { state: 'hidden' });
      await send(page, 'with my own key');
      await answered(page);
      expect(await page.locator('.message-assistant .message-body').textContent()).toBe('with my own key');
      expect(await page.evaluate(() => localStorage.getItem('steadychat.gatewayKey'))).toBe(secret);

      await page.reload();
      await page.waitForSelector('.message-assistant');
      expect(await page.locator('#banner').isHidden()).toBe(true);
      await page.click('#open-settings');
      expect(await page.locator('#key-status').textContent()).toContain('web page');
      await page.click('#settings-close');
      expect(session.errors).toEqual([]);
    } finally {
      await session.close();
      await keyed.close();
    }
  });

  it('marks where older turns were summarised (on a gateway in demo mode)', async () => {
    const small = await startStack({
      shared: stack.emulator,
      demo: true,
      memory: {
        maxContextTokens: 420,
        reserveCompletionTokens: 120,
        summary: { model: 'gpt-4o-mini', maxTokens: 60 },
      },
    });
    const session = await openBrowser('en-US');
    try {
      const { page } = session;
      await openPage(page, small.url);
      // This gateway runs in demo mode: the page says so.
      expect(await page.locator('#demo-badge').isVisible()).toBe(true);
      expect(await page.locator('#welcome-demo').textContent()).toContain('emulator');
      const long = (topic: string) => Array.from({ length: 40 }, (_, k) => `${topic}${k}`).join(' ');
      for (const topic of ['red', 'green', 'blue', 'amber']) {
        await send(page, long(topic));
        await answered(page);
      }
      await page.reload();
      await page.waitForSelector('.message-assistant');
      await page.waitForSelector('.summary-marker');
      expect(await page.locator('.summary-marker').textContent()).toContain('summarised');
      // The marker sits between messages: older turns above it, the latest below.
      const after = await page.evaluate(() => {
        const marker = document.querySelector('.summary-marker');
        let next = marker?.nextElementSibling;
        while (next && !next.classList.contains('message')) next = next.nextElementSibling;
        return next?.querySelector('.message-body')?.textContent ?? null;
      });
      expect(after).not.toBeNull();
      await page.locator('.summary-marker').scrollIntoViewIfNeeded();
      await shot(page, '16-summary-marker');
      expect(session.errors).toEqual([]);
    } finally {
      await session.close();
      await small.close();
    }
  });

  it('shows an upstream stream cut mid-answer as an error, never as a finished answer', async () => {
    const cut = await startStack({
      shared: stack.emulator,
      upstreamHeaders: { 'x-emulator-fault': 'drop-after=4' },
    });
    const session = await openBrowser('en-US');
    try {
      const { page } = session;
      await openPage(page, cut.url);
      const question = 'one two three four five six seven eight nine ten eleven twelve';
      await send(page, question);
      await answered(page);
      await shot(page, '17-upstream-cut');
      const answer = page.locator('.message-assistant').last();
      expect(await answer.locator('.message-error').count()).toBe(1);
      const partial = (await answer.locator('.message-body').textContent()) ?? '';
      expect(partial.length).toBeLessThan(question.length);
      expect(question.startsWith(partial)).toBe(true);
      expect(await page.locator('#live').textContent()).not.toBe('Answer complete.');
      expect(session.errors).toEqual([]);
    } finally {
      await session.close();
      await cut.close();
    }
  });
});
