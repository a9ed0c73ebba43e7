// A small, safe Markdown renderer. Model text only ever reaches the page through textContent and
// createElement: no innerHTML, so `<script>` or `<img onerror>` in an answer stays visible, inert text.
// Links are kept only for http(s) URLs; images become links (nothing is fetched behind the user's back).

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( {0,12})([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|$)/;
const TABLE_RULE = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const SAFE_URL = /^https?:\/\/[^\s]+$/i;

let copyLabel = 'Copy';

/** The label of the copy button on code blocks rendered from now on (the page's language). */
export function setCopyLabel(text) {
  copyLabel = String(text);
}

/** Splits Markdown into top-level blocks, each with its source text (used to re-render incrementally). */
export function parseBlocks(text) {
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i += 1;
      continue;
    }
    const start = i;
    let block;
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const body = [];
      let closed = false;
      i += 1;
      while (i < lines.length) {
        const candidate = lines[i].trim();
        if (candidate.startsWith(marker[0].repeat(marker.length)) && /^(`+|~+)$/.test(candidate)) {
          closed = true;
          i += 1;
          break;
        }
        body.push(lines[i]);
        i += 1;
      }
      block = { type: 'code', lang: fence[2] || '', text: body.join('\n'), closed };
    } else if (HEADING.test(line)) {
      const match = HEADING.exec(line);
      block = { type: 'heading', level: match[1].length, text: match[2] ?? '' };
      i += 1;
    } else if (RULE.test(line)) {
      block = { type: 'rule' };
      i += 1;
    } else if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && lines[i].trim() !== '') {
        const quoted = QUOTE.exec(lines[i]);
        inner.push(quoted ? quoted[1] : lines[i]);
        i += 1;
      }
      block = { type: 'quote', blocks: parseBlocks(inner.join('\n')) };
    } else if (line.includes('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) {
      const rows = [splitRow(line)];
      const align = splitRow(lines[i + 1]).map((cell) =>
        cell.startsWith(':') && cell.endsWith(':') ? 'center' : cell.endsWith(':') ? 'right' : '',
      );
      i += 2;
      while (i < lines.length && lines[i].trim() !== '' && lines[i].includes('|')) {
        rows.push(splitRow(lines[i]));
        i += 1;
      }
      block = { type: 'table', head: rows[0], rows: rows.slice(1), align };
    } else if (ITEM.test(line)) {
      const parsed = parseList(lines, i);
      block = parsed.block;
      i = parsed.next;
    } else {
      const para = [line];
      i += 1;
      while (i < lines.length && lines[i].trim() !== '' && !startsBlock(lines, i)) {
        para.push(lines[i]);
        i += 1;
      }
      block = { type: 'paragraph', text: para.join('\n') };
    }
    block.src = lines.slice(start, i).join('\n');
    blocks.push(block);
  }
  return blocks;
}

function startsBlock(lines, i) {
  const line = lines[i];
  if (FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line)) return true;
  const item = ITEM.exec(line);
  // An ordered item interrupts a paragraph only when it starts at 1, as in CommonMark.
  if (item && item[3] !== undefined && (/^[-*+]$/.test(item[2]) || /^1[.)]$/.test(item[2]))) return true;
  return line.includes('|') && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1]);
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  const cells = [];
  let cell = '';
  for (let k = 0; k < row.length; k += 1) {
    const ch = row[k];
    if (ch === '\\' && row[k + 1] === '|') {
      cell += '|';
      k += 1;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += ch;
    }
  }
  cells.push(cell.trim());
  return cells;
}

function parseList(lines, start) {
  const first = ITEM.exec(lines[start]);
  const baseIndent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const startNumber = ordered ? Number.parseInt(first[2], 10) : 1;
  const items = [];
  let current = null;
  let loose = false;
  let sawBlank = false;
  let i = start;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      sawBlank = true;
      i += 1;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    const item = ITEM.exec(line);
    if (item && item[1].length <= baseIndent + 1 && /\d/.test(item[2]) === ordered) {
      if (sawBlank && current) loose = true;
      current = { lines: [item[3] ?? ''], contentIndent: item[1].length + item[2].length + 1 };
      items.push(current);
      sawBlank = false;
      i += 1;
      continue;
    }
    if (current && indent > baseIndent) {
      if (sawBlank) current.lines.push('');
      current.lines.push(line.slice(Math.min(indent, current.contentIndent)));
      sawBlank = false;
      i += 1;
      continue;
    }
    if (current && !sawBlank && !startsBlock(lines, i)) {
      current.lines.push(line.trim());
      i += 1;
      continue;
    }
    break;
  }
  // A trailing blank line belongs to whatever follows, not to the list.
  let next = i;
  while (next > start && lines[next - 1].trim() === '') next -= 1;
  return {
    block: {
      type: 'list',
      ordered,
      start: startNumber,
      loose,
      items: items.map((entry) => parseBlocks(entry.lines.join('\n'))),
    },
    next,
  };
}

/** Builds the DOM of one block. */
export function renderBlock(block) {
  switch (block.type) {
    case 'code':
      return renderCode(block);
    case 'heading': {
      const el = document.createElement(`h${Math.min(6, block.level + 2)}`);
      el.className = `md-h md-h${block.level}`;
      renderInline(block.text, el);
      return el;
    }
    case 'rule':
      return document.createElement('hr');
    case 'quote': {
      const el = document.createElement('blockquote');
      for (const inner of block.blocks) el.append(renderBlock(inner));
      return el;
    }
    case 'table':
      return renderTable(block);
    case 'list': {
      const el = document.createElement(block.ordered ? 'ol' : 'ul');
      if (block.ordered && block.start !== 1) el.start = block.start;
      for (const itemBlocks of block.items) {
        const li = document.createElement('li');
        for (const inner of itemBlocks) {
          if (inner.type === 'paragraph' && !block.loose) renderInline(inner.text, li);
          else li.append(renderBlock(inner));
        }
        el.append(li);
      }
      return el;
    }
    default: {
      const el = document.createElement('p');
      renderInline(block.text, el);
      return el;
    }
  }
}

function renderCode(block) {
  const wrap = document.createElement('div');
  wrap.className = 'code-block';
  const head = document.createElement('div');
  head.className = 'code-head';
  const lang = document.createElement('span');
  lang.className = 'code-lang';
  lang.textContent = block.lang;
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy-code';
  copy.dataset.action = 'copy-code';
  copy.textContent = copyLabel;
  head.append(lang, copy);
  const pre = document.createElement('pre');
  const code = document.createElement('code');
  if (block.lang) code.dataset.lang = block.lang;
  code.textContent = block.text;
  pre.append(code);
  wrap.append(head, pre);
  return wrap;
}

function renderTable(block) {
  const scroll = document.createElement('div');
  scroll.className = 'table-scroll';
  const table = document.createElement('table');
  const thead = document.createElement('thead');
  const headRow = document.createElement('tr');
  block.head.forEach((cell, k) => {
    const th = document.createElement('th');
    if (block.align[k]) th.style.textAlign = block.align[k];
    renderInline(cell, th);
    headRow.append(th);
  });
  thead.append(headRow);
  const tbody = document.createElement('tbody');
  for (const row of block.rows) {
    const tr = document.createElement('tr');
    block.head.forEach((_, k) => {
      const td = document.createElement('td');
      if (block.align[k]) td.style.textAlign = block.align[k];
      renderInline(row[k] ?? '', td);
      tr.append(td);
    });
    tbody.append(tr);
  }
  table.append(thead, tbody);
  scroll.append(table);
  return scroll;
}

const INLINE = new RegExp(
  [
    /\\([\\`*_{}[\]()#+\-.!~|<>])/.source, // 1 escape
    /(`+)([^`]|[^`][\s\S]*?[^`])\2(?!`)/.source, // 2,3 code span
    /(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+["'][^"'\n]*["'])?\s*\)/.source, // 4,5,6 link / image
    /\*\*(?=\S)([\s\S]*?\S)\*\*/.source, // 7 strong
    /(?<!\w)__(?=\S)([\s\S]*?\S)__(?!\w)/.source, // 8 strong
    /~~(?=\S)([\s\S]*?\S)~~/.source, // 9 strikethrough
    /\*(?=[^\s*])([\s\S]*?[^\s*])\*/.source, // 10 emphasis
    /(?<![\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\w])/.source, // 11 emphasis
    /(https?:\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]}*_~])/.source, // 12 bare URL
    /(\n)/.source, // 13 line break
  ].join('|'),
  'g',
);

/** Appends the inline Markdown of `text` to `parent` as DOM nodes. */
export function renderInline(text, parent) {
  const source = String(text);
  const re = new RegExp(INLINE.source, 'g');
  let last = 0;
  let match = re.exec(source);
  while (match !== null) {
    if (match.index > last) parent.append(document.createTextNode(source.slice(last, match.index)));
    last = match.index + match[0].length;
    if (match[1] !== undefined) {
      parent.append(document.createTextNode(match[1]));
    } else if (match[2] !== undefined) {
      const code = document.createElement('code');
      let body = match[3].replace(/\n/g, ' ');
      if (body.length > 2 && body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '')
        body = body.slice(1, -1);
      code.textContent = body;
      parent.append(code);
    } else if (match[5] !== undefined) {
      parent.append(renderLink(match[4] === '!', match[5], match[6]));
    } else if (match[7] !== undefined || match[8] !== undefined) {
      const el = document.createElement('strong');
      renderInline(match[7] ?? match[8], el);
      parent.append(el);
    } else if (match[9] !== undefined) {
      const el = document.createElement('del');
      renderInline(match[9], el);
      parent.append(el);
    } else if (match[10] !== undefined || match[11] !== undefined) {
      const el = document.createElement('em');
      renderInline(match[10] ?? match[11], el);
      parent.append(el);
    } else if (match[12] !== undefined) {
      parent.append(safeAnchor(match[12], match[12]));
    } else {
      parent.append(document.createElement('br'));
    }
    match = re.exec(source);
  }
  if (last < source.length) parent.append(document.createTextNode(source.slice(last)));
  return parent;
}

function renderLink(isImage, label, url) {
  if (!SAFE_URL.test(url)) {
    // Not http(s) (javascript:, data:, relative…): keep the words, drop the link.
    const span = document.createElement('span');
    span.className = 'md-unsafe-link';
    renderInline(isImage ? label || url : label, span);
    return span;
  }
  if (isImage) return safeAnchor(url, label ? `🖼 ${label}` : url);
  const a = safeAnchor(url, null);
  renderInline(label || url, a);
  return a;
}

function safeAnchor(url, text) {
  const a = document.createElement('a');
  a.href = url;
  a.target = '_blank';
  a.rel = 'noopener noreferrer nofollow';
  if (text !== null) a.textContent = text;
  return a;
}

/** The whole Markdown text as a fragment of DOM nodes. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  for (const block of parseBlocks(text)) fragment.append(renderBlock(block));
  return fragment;
}

/**
 * Renders `text` into `container`, rebuilding only the blocks whose source changed since the last call
 * with the same `cache` (an object owned by the caller). Streaming answers only grow at the end, so
 * each frame touches the last block or two, and finished code blocks keep their copy buttons.
 */
export function renderMarkdownInto(container, text, cache) {
  const blocks = parseBlocks(text);
  const previous = cache.blocks ?? [];
  let keep = 0;
  while (
    keep < blocks.length &&
    keep < previous.length &&
    previous[keep].src === blocks[keep].src &&
    previous[keep].node.parentNode === container
  ) {
    keep += 1;
  }
  for (let k = keep; k < previous.length; k += 1) previous[k].node.remove();
  const next = previous.slice(0, keep);
  for (let k = keep; k < blocks.length; k += 1) {
    const node = renderBlock(blocks[k]);
    container.append(node);
    next.push({ src: blocks[k].src, node });
  }
  cache.blocks = next;
}
