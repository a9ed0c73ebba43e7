// Tokens (stacked bars: prompt, completion) and cost (line) per day, drawn as SVG.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** The last `count` days up to today (YYYY-MM-DD, UTC), quiet days as zeros, so gaps show as gaps. */
export function fillDays(days, count, today = new Date()) {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const out = [];
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  for (let k = count - 1; k >= 0; k -= 1) {
    const day = new Date(end - k * 86_400_000).toISOString().slice(0, 10);
    out.push(byDay.get(day) ?? { day, requests: 0, promptTokens: 0, completionTokens: 0, cost: 0 });
  }
  // Days the server reports outside the window (another time zone) are still shown.
  for (const d of days) if (!out.some((o) => o.day === d.day)) out.push(d);
  out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return out;
}

/**
 * Draws the chart into `container` (replacing its content).
 * `labels`: { title, tokens, cost, prompt, completion }; `formatCost(n)` and `formatNumber(n)` format values.
 */
export function drawUsageChart(container, days, labels, formatCost, formatNumber) {
  container.replaceChildren();
  const width = 760;
  const height = 280;
  const pad = { top: 24, right: 84, bottom: 40, left: 64 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': labels.title,
    class: 'usage-chart',
    preserveAspectRatio: 'xMidYMid meet',
  });
  svg.append(el('title', {}, labels.title));

  const maxTokens = niceMax(
    Math.max(0, ...days.map((d) => (d.promptTokens || 0) + (d.completionTokens || 0))),
  );
  const maxCost = niceMax(Math.max(0, ...days.map((d) => d.cost || 0)));
  const n = Math.max(1, days.length);
  const slot = plotW / n;
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const y = (v) => pad.top + plotH - (v / maxTokens) * plotH;
  const yCost = (v) => pad.top + plotH - (v / maxCost) * plotH;

  const grid = el('g', { class: 'grid' });
  for (let k = 0; k <= 4; k += 1) {
    const value = (maxTokens * k) / 4;
    const gy = y(value);
    grid.append(el('line', { x1: pad.left, x2: width - pad.right, y1: gy, y2: gy }));
    grid.append(
      el(
        'text',
        { x: pad.left - 8, y: gy + 4, 'text-anchor': 'end', class: 'axis-left' },
        formatNumber(value),
      ),
    );
    grid.append(
      el(
        'text',
        { x: width - pad.right + 8, y: gy + 4, 'text-anchor': 'start', class: 'axis-right' },
        formatCost((maxCost * k) / 4),
      ),
    );
  }
  svg.append(grid);
  svg.append(el('text', { x: pad.left - 8, y: 12, 'text-anchor': 'end', class: 'axis-name' }, labels.tokens));
  svg.append(el('text', { x: width - pad.right + 8, y: 12, class: 'axis-name' }, labels.cost));

  const bars = el('g', { class: 'bars' });
  const labelEvery = Math.ceil(n / 10);
  const points = [];
  days.forEach((d, k) => {
    const cx = pad.left + slot * k + slot / 2;
    const prompt = d.promptTokens || 0;
    const completion = d.completionTokens || 0;
    const group = el('g', { class: 'day', 'data-day': d.day });
    group.append(
      el(
        'title',
        {},
        `${d.day}: ${formatNumber(prompt)} ${labels.prompt}, ${formatNumber(completion)} ${labels.completion}, ${formatCost(d.cost || 0)}`,
      ),
    );
    const yPrompt = y(prompt);
    group.append(
      el('rect', {
        class: 'bar-prompt',
        x: cx - barW / 2,
        y: yPrompt,
        width: barW,
        height: pad.top + plotH - yPrompt,
      }),
    );
    const yTotal = y(prompt + completion);
    group.append(
      el('rect', {
        class: 'bar-completion',
        x: cx - barW / 2,
        y: yTotal,
        width: barW,
        height: yPrompt - yTotal,
      }),
    );
    // A transparent full-height target so the tooltip works on quiet days too.
    group.append(el('rect', { class: 'hit', x: cx - slot / 2, y: pad.top, width: slot, height: plotH }));
    bars.append(group);
    if (k % labelEvery === 0 || k === n - 1) {
      svg.append(
        el(
          'text',
          { x: cx, y: height - pad.bottom + 16, 'text-anchor': 'middle', class: 'axis-bottom' },
          d.day.slice(5),
        ),
      );
    }
    points.push(`${cx.toFixed(1)},${yCost(d.cost || 0).toFixed(1)}`);
  });
  svg.append(bars);
  if (points.length > 0) {
    svg.append(el('polyline', { class: 'cost-line', points: points.join(' '), fill: 'none' }));
    for (const point of points) {
      const [px, py] = point.split(',');
      svg.append(el('circle', { class: 'cost-dot', cx: px, cy: py, r: 2.5 }));
    }
  }
  svg.append(
    el('line', {
      class: 'axis',
      x1: pad.left,
      x2: width - pad.right,
      y1: pad.top + plotH,
      y2: pad.top + plotH,
    }),
  );

  const legend = document.createElement('ul');
  legend.className = 'chart-legend';
  for (const [cls, text] of [
    ['bar-prompt', labels.prompt],
    ['bar-completion', labels.completion],
    ['cost-line', labels.cost],
  ]) {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${cls}`;
    li.append(swatch, document.createTextNode(text));
    legend.append(li);
  }
  container.append(svg, legend);
}
