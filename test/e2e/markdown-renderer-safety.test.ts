import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  chromiumAvailable,
  openBrowser,
  openPage,
  type Stack,
  startStack,
} from './harness.js';

const run = chromiumAvailable();

interface Rendered {
  html: string;
  text: string;
  /** Every element's tag name, and every attribute as name=value. */
  tags: string[];
  attributes: string[];
}

interface Markdown {
  renderMarkdown(text: string): DocumentFragment;
  renderMarkdownInto(container: Element, text: string, cache: object): void;
}

/** Renders Markdown with the page's own renderer (web/assets/markdown.js) inside the browser. */
function render(page: Page, markdown: string): Promise<Rendered> {
  return page.evaluate((source) => {
    const { renderMarkdown } = (window as unknown as { __md: Markdown }).__md;
    const div = document.createElement('div');
    div.append(renderMarkdown(source));
    const all = [...div.querySelectorAll('*')];
    return {
      html: div.innerHTML,
      text: div.textContent ?? '',
      tags: [...new Set(all.map((el) => el.tagName.toLowerCase()))].sort(),
      attributes: all.flatMap((el) => [...el.attributes].map((a) => `${a.name}=${a.value}`)),
    };
  }, markdown);
}

describe.skipIf(!run)('Markdown renderer: safe output and incremental updates', () => {
  let stack: Stack;
  let browser: BrowserSession;

  beforeAll(async () => {
    stack = await startStack();
    browser = await openBrowser();
    await openPage(browser.page, stack.url);
    // A string, so the test runner's transform leaves this import() alone.
    await browser.page.evaluate("import('/assets/markdown.js').then((m) => { window.__md = m; })");
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('never produces elements, attributes or URLs from the text itself', async () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(2)>',
      '<a href="javascript:alert(3)">x</a>',
      '[link](javascript:alert(4)) [data](data:text/html;base64,PHNjcmlwdD4=) [rel](/admin)',
      '![pic](javascript:alert(5)) ![ok](https://example.com/a.png)',
      '<svg onload=alert(6)>',
      '`<iframe src=x>`',
      '| <b>h</b> | x |\n|---|---|\n| <i onclick=alert(7)>c</i> | y |',
    ].join('\n\n');
    const out = await render(browser.page, hostile);
    expect(out.tags).toEqual(
      ['a', 'code', 'p', 'span', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'div'].sort(),
    );
    expect(out.attributes.filter((a) => /^(on|src|style)/.test(a))).toEqual([]);
    expect(out.attributes.filter((a) => a.startsWith('href='))).toEqual(['href=https://example.com/a.png']);
    expect(out.text).toContain('<script>alert(1)</script>');
    expect(out.text).toContain('<img src=x onerror=alert(2)>');
    // The image became a link to it; nothing is fetched.
    expect(out.html).toContain(
      '<a href="https://example.com/a.png" target="_blank" rel="noopener noreferrer nofollow">',
    );
  });

  it('renders the common Markdown of chat answers', async () => {
    const out = await render(
      browser.page,
      [
        '# Title',
        '',
        'A *b* **c** ~~d~~ `e` \\*not em\\* https://example.com/x.',
        '',
        '1. one',
        '2. two',
        '   - nested',
        '',
        '> quoted **text**',
        '',
        '| a | b |',
        '|:--|--:|',
        '| 1 | 2 |',
        '',
        '---',
      ].join('\n'),
    );
    expect(out.html).toContain('<h3 class="md-h md-h1">Title</h3>');
    expect(out.html).toContain('<em>b</em> <strong>c</strong> <del>d</del> <code>e</code> *not em*');
    expect(out.html).toContain(
      '<a href="https://example.com/x" target="_blank" rel="noopener noreferrer nofollow">',
    );
    expect(out.html).toContain('<ol><li>one</li><li>two<ul><li>nested</li></ul></li></ol>');
    expect(out.html).toContain('<blockquote><p>quoted <strong>text</strong></p></blockquote>');
    expect(out.html).toContain('<th style="text-align: right;">b</th>');
    expect(out.html).toContain('<hr>');
  });

  it('shows an unfinished code fence as code while it streams, and keeps finished blocks in place', async () => {
    const result = await browser.page.evaluate(() => {
      const { renderMarkdownInto } = (window as unknown as { __md: Markdown }).__md;
      const div = document.createElement('div');
      const cache = {};
      renderMarkdownInto(div, 'Intro paragraph.\n\n```py\nprint(1)', cache);
      const intro = div.firstElementChild;
      const openFence = div.querySelector('pre code')?.textContent;
      renderMarkdownInto(div, 'Intro paragraph.\n\n```py\nprint(1)\nprint(2)\n```\n\nAfter.', cache);
      return {
        openFence,
        introKept: div.firstElementChild === intro,
        code: div.querySelector('pre code')?.textContent,
        lang: div.querySelector('.code-lang')?.textContent,
        blocks: div.children.length,
        last: div.lastElementChild?.textContent,
      };
    });
    expect(result).toEqual({
      openFence: 'print(1)',
      introKept: true,
      code: 'print(1)\nprint(2)',
      lang: 'py',
      blocks: 3,
      last: 'After.',
    });
  });
});
