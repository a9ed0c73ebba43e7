import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answered,
  type BrowserSession,
  chromiumAvailable,
  conversationId,
  lastAnswer,
  openBrowser,
  openPage,
  type Stack,
  send,
  shot,
  startStack,
} from './harness.js';

const run = chromiumAvailable();

describe.skipIf(!run)('web chat page: streaming, stop, history, inert model output', () => {
  let stack: Stack;
  let browser: BrowserSession;

  beforeAll(async () => {
    stack = await startStack();
    browser = await openBrowser('en-US');
  });

  /** A new, empty chat (each test can also run alone). */
  async function newChat() {
    if (!browser.page.url().startsWith(stack.url)) await openPage(browser.page, stack.url);
    await browser.page.click('#new-chat');
  }

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('streams the answer in visibly growing steps and keeps it after a reload', async () => {
    const { page } = browser;
    await openPage(page, stack.url);
    await shot(page, '01-empty');
    // On a wide screen the list is always there: no menu button.
    expect(await page.locator('#sidebar-toggle').isVisible()).toBe(false);
    expect(await page.locator('#demo-badge').isVisible()).toBe(false);
    // Record every text the answer shows while it streams.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __states: string[] }).__states = seen;
      new MutationObserver(() => {
        const bodies = document.querySelectorAll('.message-assistant .message-body');
        const text = bodies[bodies.length - 1]?.textContent ?? '';
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      }).observe(document.getElementById('messages')!, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    const question =
      'Steady streams arrive one piece at a time, and the page shows each piece as it comes in, ' +
      'so a reader sees the answer grow word by word instead of waiting for the whole of it.';
    await send(page, question);
    await page.waitForSelector('.message-assistant.streaming');
    await page.waitForFunction(() => {
      const text = document.querySelector('.message-assistant .message-body')?.textContent ?? '';
      return text.length > 5;
    });
    await shot(page, '02-streaming');
    await answered(page);
    await shot(page, '03-answered');

    const states = await page.evaluate(() => (window as unknown as { __states: string[] }).__states);
    const growing = states.filter((s) => question.startsWith(s) && s.length < question.length);
    expect(growing.length).toBeGreaterThanOrEqual(3);
    expect(await lastAnswer(page)).toBe(question);
    // Tokens and cost per message, and the context gauge.
    const meta = await page.locator('.message-assistant .message-meta').last().textContent();
    expect(meta).toMatch(/\d+ tokens?/);
    await expect.poll(() => page.locator('#context-gauge').isVisible()).toBe(true);
    expect(Number(await page.locator('#context-meter').getAttribute('value'))).toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);

    const id = conversationId(page);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('.message-assistant');
    expect(conversationId(page)).toBe(id);
    expect(await page.locator('.message-user .message-body').allTextContents()).toEqual([question]);
    expect(await lastAnswer(page)).toBe(question);
    await expect.poll(() => page.locator('#conversation-list li').count()).toBe(1);
    await shot(page, '04-reloaded');
  });

  it('stops mid-answer: the partial answer stays, marked interrupted, also after a reload', async () => {
    const { page } = browser;
    await newChat();
    const words = Array.from({ length: 150 }, (_, k) => `word${k}`).join(' ');
    await send(page, words);
    await page.waitForFunction(() => {
      const text = document.querySelector('.message-assistant.streaming .message-body')?.textContent ?? '';
      return text.length > 40;
    });
    await page.click('#stop');
    await answered(page);
    await shot(page, '05-stopped');
    const partial = await lastAnswer(page);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(words.length);
    expect(words.startsWith(partial)).toBe(true);
    await expect(page.locator('.message-assistant .badge-interrupted').count()).resolves.toBe(1);

    // The gateway stores the cut reply once it notices the disconnect.
    const id = conversationId(page);
    await expect
      .poll(async () => {
        const body = (await (await fetch(`${stack.url}/api/conversations/${id}`)).json()) as {
          messages: { role: string; status: string }[];
        };
        return body.messages.at(-1);
      })
      .toMatchObject({ role: 'assistant', status: 'interrupted' });
    await page.reload();
    await page.waitForSelector('.message-assistant .badge-interrupted');
    const stored = await lastAnswer(page);
    expect(stored.length).toBeGreaterThan(0);
    expect(words.startsWith(stored.trim())).toBe(true);
    await shot(page, '06-stopped-reloaded');
  });

  it('renders <script>, <img onerror> and javascript: links from the model as inert text', async () => {
    const { page } = browser;
    await newChat();
    const hostile =
      'Look: <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> and ' +
      '[click me](javascript:window.__pwned=3) <b onmouseover="window.__pwned=4">bold?</b>';
    await send(page, hostile);
    await answered(page);
    await page.hover('.message-assistant .message-body');
    await shot(page, '07-hostile-output');

    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const answer = page.locator('.message-assistant .message-body').last();
    const text = (await answer.textContent()) ?? '';
    expect(text).toContain('<script>window.__pwned = 1</script>');
    expect(text).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(await page.locator('#messages script, #messages img, #messages b').count()).toBe(0);
    expect(await page.locator('#messages a[href^="javascript"]').count()).toBe(0);
    expect(await page.locator('#messages [onerror], #messages [onmouseover]').count()).toBe(0);
    expect(browser.errors).toEqual([]);
  });

  it('renders Markdown with a code block whose copy button copies the code', async () => {
    const { page } = browser;
    await newChat();
    const markdown = [
      '## Plan',
      '',
      'Use **bold**, *emphasis* and `inline code`; see [the docs](https://example.com/docs).',
      '',
      '- first',
      '- second',
      '',
      '```js',
      'const answer = 42;',
      'console.log(answer);',
      '```',
    ].join('\n');
    await send(page, markdown);
    await answered(page);
    const answer = page.locator('.message-assistant .message-body').last();
    expect(await answer.locator('h4').textContent()).toBe('Plan');
    expect(await answer.locator('strong').textContent()).toBe('bold');
    expect(await answer.locator('em').textContent()).toBe('emphasis');
    expect(await answer.locator('li').allTextContents()).toEqual(['first', 'second']);
    const link = answer.locator('a');
    expect(await link.getAttribute('href')).toBe('https://example.com/docs');
    expect(await link.getAttribute('rel')).toContain('noopener');
    expect(await answer.locator('pre code').textContent()).toBe('const answer = 42;\nconsole.log(answer);');
    await answer.locator('button.copy-code').click();
    await expect.poll(() => answer.locator('button.copy-code').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      'const answer = 42;\nconsole.log(answer);',
    );
    await shot(page, '08-markdown');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, '08-markdown-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('regenerates the last answer and edits-and-resends the last question', async () => {
    const { page } = browser;
    await newChat();
    await send(page, 'first question');
    await answered(page);
    await send(page, 'second question');
    await answered(page);
    const id = conversationId(page);

    await page.locator('.message-assistant .action-regenerate').click();
    await answered(page);
    expect(await page.locator('.message-assistant').count()).toBe(2);
    expect(await lastAnswer(page)).toBe('second question');

    await page.locator('.message-user .action-edit').click();
    await page.fill('.edit-box textarea', 'second question, edited');
    await page.press('.edit-box textarea', 'Enter');
    await answered(page);
    expect(await lastAnswer(page)).toBe('second question, edited');
    await shot(page, '09-edited');

    await page.reload();
    await page.waitForSelector('.message-assistant');
    expect(conversationId(page)).toBe(id);
    expect(await page.locator('.message-user .message-body').allTextContents()).toEqual([
      'first question',
      'second question, edited',
    ]);
    expect(await page.locator('.message-assistant .message-body').allTextContents()).toEqual([
      'first question',
      'second question, edited',
    ]);
    expect(browser.errors).toEqual([]);
  });

  it('works from the keyboard: Shift+Enter for a new line, Enter to send, Esc to stop', async () => {
    const { page } = browser;
    await newChat();
    await page.focus('#composer-input');
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    expect(await page.locator('.message').count()).toBe(0);
    await page.keyboard.press('Enter');
    await answered(page);
    expect(await page.locator('.message-user .message-body').textContent()).toBe('line one\nline two');
    expect(await page.locator('#composer-input').inputValue()).toBe('');

    const long = Array.from({ length: 120 }, (_, k) => `step${k}`).join(' ');
    await page.fill('#composer-input', long);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () =>
        (document.querySelector('.message-assistant.streaming .message-body')?.textContent ?? '').length > 20,
    );
    await page.focus('#composer-input');
    await page.keyboard.press('Escape');
    await answered(page);
    expect(await page.locator('.message-assistant .badge-interrupted').count()).toBe(1);
    expect((await lastAnswer(page)).length).toBeLessThan(long.length);
    expect(browser.errors).toEqual([]);
  });
});
