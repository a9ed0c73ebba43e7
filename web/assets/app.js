// The chat page: conversations, streamed answers, usage, settings. Talks only to this gateway's API.

import { ApiError, getJson, loadKey, saveKey, sendJson, streamEvents } from './api.js';
import { drawUsageChart, fillDays } from './chart.js';
import { getLang, initialLang, setLang, t, translateDocument } from './i18n.js';
import { renderMarkdownInto, setCopyLabel } from './markdown.js';

const $ = (id) => document.getElementById(id);

const dom = {
  app: $('app'),
  sidebar: $('sidebar'),
  scrim: $('scrim'),
  sidebarToggle: $('sidebar-toggle'),
  newChat: $('new-chat'),
  search: $('search'),
  list: $('conversation-list'),
  listEmpty: $('list-empty'),
  openUsage: $('open-usage'),
  openSettings: $('open-settings'),
  langSelect: $('lang-select'),
  title: $('chat-title'),
  demo: $('demo-badge'),
  modelSelect: $('model-select'),
  gauge: $('context-gauge'),
  meter: $('context-meter'),
  gaugeText: $('context-text'),
  banner: $('banner'),
  bannerText: $('banner-text'),
  bannerClose: $('banner-close'),
  chatView: $('chat-view'),
  messages: $('messages'),
  welcome: $('welcome'),
  composer: $('composer'),
  input: $('composer-input'),
  send: $('send'),
  stop: $('stop'),
  usageView: $('usage-view'),
  usageRange: $('usage-range'),
  closeUsage: $('close-usage'),
  totals: $('usage-totals'),
  chart: $('usage-chart'),
  usageTable: $('usage-table'),
  live: $('live'),
  dialog: $('settings-dialog'),
  keyInput: $('key-input'),
  keyStatus: $('key-status'),
  keySave: $('key-save'),
  keyClear: $('key-clear'),
  settingsClose: $('settings-close'),
};

const state = {
  me: null,
  conversations: [],
  query: '',
  currentId: null,
  conversation: null,
  summary: null,
  context: null,
  /** Message views of the open conversation, in order: { role, text, msg, root, body, meta, cache }. */
  views: [],
  streaming: null,
  route: 'chat',
  loadToken: 0,
};

// ---------------------------------------------------------------- formatting

function locale() {
  return getLang() === 'zh' ? 'zh-CN' : 'en';
}

function formatNumber(value) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(Math.round(value || 0));
}

function formatCompact(value) {
  return new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 1 }).format(
    value || 0,
  );
}

function formatCost(value, currency, significant = 3) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '';
  const n = Number(value);
  const digits =
    n !== 0 && Math.abs(n) < 1 ? { maximumSignificantDigits: significant } : { maximumFractionDigits: 2 };
  try {
    if (currency)
      return new Intl.NumberFormat(locale(), { style: 'currency', currency, ...digits }).format(n);
  } catch {
    // Not an ISO currency code: fall through to the plain number.
  }
  const plain = new Intl.NumberFormat(locale(), digits).format(n);
  return currency ? `${plain} ${currency}` : plain;
}

function formatDate(value) {
  if (value === null || value === undefined) return '';
  const date = new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
  if (Number.isNaN(date.getTime())) return '';
  const now = new Date();
  const sameDay = date.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(
    locale(),
    sameDay ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' },
  ).format(date);
}

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && typeof part.text === 'string' ? part.text : ''))
      .join('');
  }
  return '';
}

// ---------------------------------------------------------------- banner and errors

function showBanner(text, kind = 'error') {
  dom.bannerText.textContent = text;
  dom.banner.dataset.kind = kind;
  dom.banner.hidden = false;
}

function hideBanner() {
  dom.banner.hidden = true;
  dom.bannerText.textContent = '';
}

function describeError(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return t('networkError', { message: error.message });
    if (error.status === 401 || error.code === 'invalid_api_key') {
      return loadKey() ? t('keyInvalid') : t('keyMissing');
    }
    if (error.code === 'conversation_not_found') return t('conversationGone');
    return error.code ? `${error.message} (${error.code})` : error.message;
  }
  return String(error?.message ?? error);
}

function reportError(error) {
  if (error?.name === 'AbortError') return;
  showBanner(describeError(error));
  if (error instanceof ApiError && error.status === 401) openSettings();
}

// ---------------------------------------------------------------- me, models, gauge

async function loadMe() {
  try {
    state.me = await getJson('/api/me');
  } catch (error) {
    state.me = null;
    reportError(error);
    return;
  }
  dom.demo.hidden = !state.me.demo;
  $('welcome-demo').hidden = !state.me.demo;
  const models = Array.isArray(state.me.models) ? state.me.models : [];
  const chosen = dom.modelSelect.value || state.me.defaultModel || models[0] || '';
  dom.modelSelect.replaceChildren();
  for (const model of models) addModelOption(model);
  if (chosen) setModel(chosen);
  dom.modelSelect.disabled = models.length <= 1 && !chosen;
}

function addModelOption(model) {
  const option = document.createElement('option');
  option.value = model;
  option.textContent = model;
  dom.modelSelect.append(option);
}

function setModel(model) {
  if (!model) return;
  if (![...dom.modelSelect.options].some((o) => o.value === model)) addModelOption(model);
  dom.modelSelect.value = model;
}

function updateGauge(context) {
  state.context = context ?? null;
  const used = Number(context?.used);
  const limit = Number(context?.limit);
  if (!(limit > 0) || Number.isNaN(used)) {
    dom.gauge.hidden = true;
    return;
  }
  const share = Math.max(0, Math.min(1, used / limit));
  const percent = Math.round(share * 100);
  dom.gauge.hidden = false;
  dom.meter.value = share;
  dom.gauge.dataset.percent = String(percent);
  const detail = t('contextTitle', { used: formatNumber(used), limit: formatNumber(limit) });
  dom.meter.setAttribute('aria-valuetext', detail);
  dom.gauge.title = detail;
  dom.gaugeText.textContent = `${formatCompact(used)} / ${formatCompact(limit)}`;
}

// ---------------------------------------------------------------- conversation list

async function loadConversations() {
  const query = state.query;
  let body;
  try {
    body = await getJson(`/api/conversations${query ? `?q=${encodeURIComponent(query)}` : ''}`);
  } catch (error) {
    reportError(error);
    return;
  }
  if (query !== state.query) return; // a newer search is on its way
  state.conversations = Array.isArray(body?.data) ? body.data : [];
  renderConversationList();
}

function renderConversationList() {
  dom.list.replaceChildren();
  for (const conv of state.conversations) dom.list.append(conversationItem(conv));
  dom.listEmpty.hidden = state.conversations.length > 0;
  dom.listEmpty.textContent = state.query ? t('noMatches') : t('noConversations');
}

function conversationItem(conv) {
  const li = document.createElement('li');
  li.className = 'conversation';
  li.dataset.id = conv.id;
  const link = document.createElement('a');
  link.className = 'conversation-link';
  link.href = `#/c/${encodeURIComponent(conv.id)}`;
  if (conv.id === state.currentId && state.route === 'chat') {
    link.setAttribute('aria-current', 'page');
    li.classList.add('current');
  }
  const title = document.createElement('span');
  title.className = 'conversation-title';
  title.textContent = conv.title || t('untitled');
  const date = document.createElement('span');
  date.className = 'conversation-date';
  date.textContent = formatDate(conv.updatedAt ?? conv.createdAt);
  link.append(title, date);
  const actions = document.createElement('div');
  actions.className = 'conversation-actions';
  for (const [action, label] of [
    ['export', t('exportMd')],
    ['rename', t('rename')],
    ['delete', t('delete')],
  ]) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `icon-button conversation-${action}`;
    button.dataset.action = action;
    button.append(icon(action));
    button.setAttribute('aria-label', `${label}: ${conv.title || t('untitled')}`);
    button.title = label;
    actions.append(button);
  }
  li.append(link, actions);
  return li;
}

const ICONS = {
  export: 'M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 20h14',
  rename: 'M4 20h4L19.5 8.5l-4-4L4 16v4zM13.5 6.5l4 4',
  delete: 'M4 7h16M10 7V4h4v3M6.5 7l1 13h9l1-13M10 11v6M14 11v6',
};

/** A small line icon drawn in the text colour (no icon font, no emoji: they may be missing offline). */
function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '1.8');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  return svg;
}

function startRename(li) {
  const conv = state.conversations.find((c) => c.id === li.dataset.id);
  if (!conv || li.querySelector('.rename-input')) return;
  const link = li.querySelector('.conversation-link');
  const input = document.createElement('input');
  input.type = 'text';
  input.className = 'rename-input';
  input.value = conv.title || '';
  input.maxLength = 200;
  input.setAttribute('aria-label', t('renameTitle'));
  link.hidden = true;
  li.prepend(input);
  input.focus();
  input.select();
  let finished = false;
  const finish = async (save) => {
    if (finished) return;
    finished = true;
    const title = input.value.trim();
    input.remove();
    link.hidden = false;
    if (!save || !title || title === conv.title) return;
    try {
      const updated = await sendJson('PATCH', `/api/conversations/${encodeURIComponent(conv.id)}`, { title });
      conv.title = updated?.title ?? title;
      if (conv.id === state.currentId) setTitle(conv.title);
      renderConversationList();
    } catch (error) {
      reportError(error);
    }
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing) {
      event.preventDefault();
      finish(true);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      finish(false);
      link.focus();
    }
  });
  input.addEventListener('blur', () => finish(true));
}

async function deleteConversation(id) {
  const conv = state.conversations.find((c) => c.id === id);
  if (!window.confirm(t('confirmDelete', { title: conv?.title || t('untitled') }))) return;
  try {
    await sendJson('DELETE', `/api/conversations/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'conversation_not_found')) {
      reportError(error);
      return;
    }
  }
  state.conversations = state.conversations.filter((c) => c.id !== id);
  renderConversationList();
  if (id === state.currentId) navigate('#/');
}

async function exportConversation(id) {
  try {
    const response = await fetch(`/api/conversations/${encodeURIComponent(id)}/export?format=md`, {
      headers: loadKey() ? { authorization: `Bearer ${loadKey()}` } : {},
    });
    if (!response.ok) throw new ApiError(`HTTP ${response.status}`, { status: response.status });
    const blob = await response.blob();
    const disposition = response.headers.get('content-disposition') || '';
    const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] || `conversation-${id}.md`;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (error) {
    reportError(error);
  }
}

// ---------------------------------------------------------------- messages

function setTitle(text) {
  dom.title.textContent = text || t('untitled');
  document.title = text ? `${text} · steadychat` : 'steadychat';
}

function clearMessages() {
  for (const view of state.views) view.root.remove();
  state.views = [];
  for (const marker of dom.messages.querySelectorAll('.summary-marker')) marker.remove();
  dom.welcome.hidden = false;
}

function createView(role, text, msg) {
  const root = document.createElement('article');
  root.className = `message message-${role}`;
  root.dataset.role = role;
  const head = document.createElement('div');
  head.className = 'message-head';
  const who = document.createElement('span');
  who.className = 'message-role';
  who.textContent = role === 'user' ? t('you') : role === 'assistant' ? t('assistant') : t('system');
  head.append(who);
  const body = document.createElement('div');
  body.className = 'message-body';
  const meta = document.createElement('div');
  meta.className = 'message-meta';
  const actions = document.createElement('div');
  actions.className = 'message-actions';
  root.append(head, body, meta, actions);
  const view = { role, text, msg: msg ?? null, root, body, meta, actions, cache: {} };
  renderBody(view);
  renderMeta(view);
  return view;
}

function renderBody(view) {
  if (view.role === 'assistant') {
    renderMarkdownInto(view.body, view.text, view.cache);
  } else {
    // The user's own words are shown exactly as typed.
    view.body.textContent = view.text;
  }
}

function renderMeta(view, extra) {
  view.meta.replaceChildren();
  const parts = [];
  const msg = view.msg;
  const usage = extra?.usage ?? msg?.usage ?? null;
  const tokens = usage?.completion_tokens ?? msg?.tokens;
  if (typeof tokens === 'number') {
    const span = document.createElement('span');
    span.className = 'meta-tokens';
    span.textContent = t(tokens === 1 ? 'tokenOne' : 'tokens', { n: formatNumber(tokens) });
    if (usage && typeof usage.prompt_tokens === 'number') {
      span.title = t('tokensDetail', {
        p: formatNumber(usage.prompt_tokens),
        c: formatNumber(usage.completion_tokens),
      });
    }
    parts.push(span);
  }
  const cost = extra?.cost ?? msg?.cost;
  if (typeof cost === 'number') {
    const span = document.createElement('span');
    span.className = 'meta-cost';
    span.textContent = formatCost(cost, extra?.currency ?? msg?.currency);
    span.title = t('cost');
    parts.push(span);
  }
  const when = formatDate(msg?.createdAt);
  if (when) {
    const span = document.createElement('span');
    span.className = 'meta-time';
    span.textContent = when;
    parts.push(span);
  }
  if (msg?.status === 'interrupted' || view.interrupted) {
    const span = document.createElement('span');
    span.className = 'badge badge-interrupted';
    span.textContent = t('interrupted');
    parts.push(span);
  }
  if (view.error) {
    const span = document.createElement('span');
    span.className = 'message-error';
    span.setAttribute('role', 'alert');
    span.textContent = view.error;
    parts.push(span);
  }
  view.meta.append(...parts);
}

function appendView(view) {
  dom.welcome.hidden = true;
  dom.messages.append(view.root);
  state.views.push(view);
}

function removeView(view) {
  view.root.remove();
  state.views = state.views.filter((v) => v !== view);
}

/** Edit goes on the last question, Regenerate on the last answer; none while an answer streams. */
function updateMessageActions() {
  const busy = Boolean(state.streaming);
  let lastUser = null;
  let lastAssistant = null;
  for (const view of state.views) {
    view.actions.replaceChildren();
    if (view.role === 'user') lastUser = view;
    if (view.role === 'assistant') lastAssistant = view;
  }
  for (const view of state.views) {
    if (view !== state.streaming?.view) view.actions.append(actionButton('copy-message', t('copy')));
  }
  if (busy) return;
  if (lastUser) lastUser.actions.append(actionButton('edit', t('edit')));
  if (lastAssistant && state.views.at(-1) === lastAssistant) {
    lastAssistant.actions.append(actionButton('regenerate', t('regenerate')));
  }
}

function actionButton(action, label) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `text-button action-${action}`;
  button.dataset.action = action;
  button.textContent = label;
  return button;
}

function renderSummaryMarker() {
  for (const marker of dom.messages.querySelectorAll('.summary-marker')) marker.remove();
  const summary = state.summary;
  if (!summary || summary.coversThrough === null || summary.coversThrough === undefined) return;
  const through = summary.coversThrough;
  // `coversThrough` is the last covered message: its id, or its sequence number.
  let anchor = null;
  state.views.forEach((view, index) => {
    const msg = view.msg;
    if (!msg) return;
    if (typeof through === 'string' && msg.id === through) anchor = view;
    else if (typeof through === 'number') {
      const seq = typeof msg.seq === 'number' ? msg.seq : index + 1;
      if (seq <= through) anchor = view;
    }
  });
  if (!anchor) return;
  const marker = document.createElement('div');
  marker.className = 'summary-marker';
  marker.setAttribute('role', 'separator');
  const label = document.createElement('span');
  label.className = 'summary-label';
  label.textContent = t('summarized');
  marker.append(label);
  if (summary.text) {
    const details = document.createElement('details');
    const sum = document.createElement('summary');
    sum.textContent = t('summaryShow');
    const text = document.createElement('p');
    text.textContent = summary.text;
    details.append(sum, text);
    marker.append(details);
  }
  anchor.root.after(marker);
}

async function openConversation(id) {
  const token = ++state.loadToken;
  stopStreaming();
  state.currentId = id;
  clearMessages();
  dom.messages.setAttribute('aria-busy', 'true');
  let body;
  try {
    body = await getJson(`/api/conversations/${encodeURIComponent(id)}`);
  } catch (error) {
    if (token !== state.loadToken) return;
    dom.messages.removeAttribute('aria-busy');
    reportError(error);
    if (error instanceof ApiError && (error.status === 404 || error.code === 'conversation_not_found')) {
      navigate('#/');
    }
    return;
  } finally {
    if (token === state.loadToken) dom.messages.removeAttribute('aria-busy');
  }
  if (token !== state.loadToken) return;
  showConversation(body);
  renderConversationList();
}

function showConversation(body) {
  clearMessages();
  state.conversation = body.conversation ?? null;
  state.summary = body.summary ?? null;
  setTitle(state.conversation?.title);
  if (state.conversation?.model) setModel(state.conversation.model);
  for (const msg of body.messages ?? []) {
    if (msg.role !== 'user' && msg.role !== 'assistant') continue;
    const text = textOf(msg.content);
    if (msg.role === 'assistant' && !text && msg.status !== 'interrupted') continue; // tool-call turns
    appendView(createView(msg.role, text, msg));
  }
  dom.welcome.hidden = state.views.length > 0;
  renderSummaryMarker();
  updateGauge(body.context);
  updateMessageActions();
  scrollToBottom(true);
}

async function reloadCurrent() {
  if (!state.currentId) return;
  try {
    const body = await getJson(`/api/conversations/${encodeURIComponent(state.currentId)}`);
    if (!state.streaming) showConversation(body);
  } catch {
    // The visible state stays; the next navigation reloads.
  }
}

function newChat() {
  stopStreaming();
  state.loadToken += 1;
  state.currentId = null;
  state.conversation = null;
  state.summary = null;
  clearMessages();
  setTitle('');
  updateGauge(null);
  if (state.me?.defaultModel) setModel(state.me.defaultModel);
  renderConversationList();
  dom.input.focus();
}

// ---------------------------------------------------------------- scrolling

function nearBottom() {
  const el = dom.messages;
  return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
}

function scrollToBottom(force) {
  if (force || state.pinned) dom.messages.scrollTop = dom.messages.scrollHeight;
}

// ---------------------------------------------------------------- streaming

function setBusy(busy) {
  dom.send.hidden = busy;
  dom.stop.hidden = !busy;
  dom.messages.setAttribute('aria-busy', busy ? 'true' : 'false');
  updateMessageActions();
}

function stopStreaming() {
  if (state.streaming) state.streaming.controller.abort();
}

/** Streams a reply from `path` into a new assistant message, re-rendering at most once per frame. */
async function streamReply(path, body) {
  const controller = new AbortController();
  const view = createView('assistant', '', null);
  view.root.classList.add('streaming');
  view.root.setAttribute('aria-busy', 'true');
  appendView(view);
  state.streaming = { controller, view };
  state.pinned = true;
  setBusy(true);
  scrollToBottom(true);

  let scheduled = 0;
  const flush = () => {
    scheduled = 0;
    const pinned = nearBottom();
    renderBody(view);
    if (pinned) scrollToBottom(true);
  };
  const schedule = () => {
    if (scheduled) return;
    // Hidden tabs get no animation frames; a timer keeps the text moving there.
    scheduled = document.hidden ? setTimeout(flush, 100) : requestAnimationFrame(flush);
  };

  let done = null;
  let failure = null;
  let aborted = false;
  try {
    await streamEvents(path, body, {
      signal: controller.signal,
      onEvent(event) {
        if (event?.type === 'delta' && typeof event.text === 'string') {
          view.text += event.text;
          schedule();
        } else if (event?.type === 'done') {
          done = event;
        } else if (event?.type === 'error') {
          failure = new ApiError(event.error?.message || 'stream error', {
            code: event.error?.code ?? null,
            status: -1,
          });
        }
      },
    });
  } catch (error) {
    if (error?.name === 'AbortError') aborted = true;
    else failure = error;
  }
  if (scheduled) {
    cancelAnimationFrame(scheduled);
    clearTimeout(scheduled);
  }
  flush();
  state.streaming = null;
  view.root.classList.remove('streaming');
  view.root.removeAttribute('aria-busy');

  if (done) {
    view.msg = done.message ?? null;
    if (typeof done.message?.content === 'string' && done.message.content !== view.text) {
      view.text = done.message.content;
      renderBody(view);
    }
    renderMeta(view, { usage: done.usage, cost: done.cost, currency: done.currency });
    updateGauge(done.context);
    dom.live.textContent = t('answerDone');
  } else if (aborted) {
    view.interrupted = true;
    if (!view.text) view.body.textContent = t('stopped');
    renderMeta(view);
  } else {
    view.interrupted = Boolean(view.text);
    // The gateway's error frame says what happened; a stream that just stops is a cut too.
    view.error = failure ? describeError(failure) : t('streamCut');
    renderMeta(view);
    if (failure instanceof ApiError && failure.status === 401) openSettings();
  }
  setBusy(false);
  if (done?.summarized) await reloadCurrent();
  return { done, aborted, failure };
}

/** A conversation title from its first question: one line, cut at a word, at most 60 characters. */
function titleFrom(text) {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= 60) return line;
  const cut = line.slice(0, 59);
  const space = cut.lastIndexOf(' ');
  return `${space > 30 ? cut.slice(0, space) : cut}…`;
}

async function sendMessage(text) {
  hideBanner();
  const model = dom.modelSelect.value || undefined;
  if (!state.currentId) {
    const title = titleFrom(text);
    let conv;
    try {
      conv = await sendJson('POST', '/api/conversations', model ? { title, model } : { title });
    } catch (error) {
      reportError(error);
      return false;
    }
    state.currentId = conv.id;
    state.conversation = conv;
    state.loadToken += 1;
    history.replaceState(null, '', `#/c/${encodeURIComponent(conv.id)}`);
    setTitle(conv.title || title);
    state.conversations = [conv, ...state.conversations.filter((c) => c.id !== conv.id)];
    renderConversationList();
  }
  const id = state.currentId;
  appendView(createView('user', text, null));
  await streamReply(
    `/api/conversations/${encodeURIComponent(id)}/messages`,
    model ? { content: text, model } : { content: text },
  );
  loadConversations();
  return true;
}

async function regenerate() {
  const last = state.views.at(-1);
  if (!state.currentId || state.streaming || !last || last.role !== 'assistant') return;
  hideBanner();
  removeView(last);
  await streamReply(`/api/conversations/${encodeURIComponent(state.currentId)}/regenerate`, {});
  loadConversations();
}

function startEdit(view) {
  if (state.streaming || view.root.querySelector('.edit-box')) return;
  const box = document.createElement('div');
  box.className = 'edit-box';
  const area = document.createElement('textarea');
  area.value = view.text;
  area.rows = Math.min(10, Math.max(2, view.text.split('\n').length));
  area.setAttribute('aria-label', t('edit'));
  const save = actionButton('edit-save', t('saveAndSend'));
  save.className = 'button primary';
  const cancel = actionButton('edit-cancel', t('cancel'));
  cancel.className = 'button ghost';
  const row = document.createElement('div');
  row.className = 'edit-actions';
  row.append(cancel, save);
  box.append(area, row);
  view.body.hidden = true;
  view.actions.hidden = true;
  view.body.after(box);
  area.focus();
  const close = () => {
    box.remove();
    view.body.hidden = false;
    view.actions.hidden = false;
  };
  const submit = async () => {
    const content = area.value.trim();
    if (!content) return;
    close();
    view.text = content;
    view.msg = null;
    renderBody(view);
    renderMeta(view);
    const index = state.views.indexOf(view);
    for (const later of state.views.slice(index + 1)) removeView(later);
    hideBanner();
    await streamReply(`/api/conversations/${encodeURIComponent(state.currentId)}/edit`, { content });
    loadConversations();
  };
  cancel.addEventListener('click', close);
  save.addEventListener('click', submit);
  area.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
}

async function copyText(text, button) {
  let ok = true;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.append(area);
    area.select();
    ok = document.execCommand('copy');
    area.remove();
  }
  const original = button.textContent;
  button.textContent = ok ? t('copied') : t('copyFailed');
  button.dataset.copied = ok ? 'yes' : 'no';
  setTimeout(() => {
    button.textContent = original;
    delete button.dataset.copied;
  }, 1500);
}

// ---------------------------------------------------------------- usage page

async function loadUsage() {
  const range = dom.usageRange.value || '30d';
  dom.totals.replaceChildren();
  dom.chart.textContent = t('loading');
  let body;
  try {
    body = await getJson(`/api/usage?since=${encodeURIComponent(range)}`);
  } catch (error) {
    dom.chart.textContent = '';
    reportError(error);
    return;
  }
  const totals = body?.totals ?? {};
  const currency = totals.currency ?? 'USD';
  const entries = [
    ['requests', formatNumber(totals.requests)],
    ['promptTokens', formatNumber(totals.promptTokens)],
    ['completionTokens', formatNumber(totals.completionTokens)],
    ['totalCost', formatCost(totals.cost ?? 0, currency)],
  ];
  for (const [key, value] of entries) {
    const item = document.createElement('div');
    item.className = `total total-${key}`;
    const dt = document.createElement('dt');
    dt.textContent = t(key);
    const dd = document.createElement('dd');
    dd.textContent = value;
    item.append(dt, dd);
    dom.totals.append(item);
  }
  const count = Number.parseInt(range, 10) || 30;
  const days = fillDays(Array.isArray(body?.days) ? body.days : [], count);
  drawUsageChart(
    dom.chart,
    days,
    {
      title: t('chartTitle'),
      tokens: t('tokensAxis'),
      cost: t('costAxis'),
      prompt: t('promptTokens'),
      completion: t('completionTokens'),
    },
    (n) => formatCost(n, currency, 2),
    formatCompact,
  );
  if (!(body?.days ?? []).some((d) => (d.promptTokens || 0) + (d.completionTokens || 0) > 0)) {
    const empty = document.createElement('p');
    empty.className = 'chart-empty';
    empty.textContent = t('chartEmpty');
    dom.chart.append(empty);
  }
  renderUsageTable(
    days.filter((d) => d.requests || d.promptTokens || d.completionTokens),
    currency,
  );
}

function renderUsageTable(days, currency) {
  const table = dom.usageTable;
  table.replaceChildren();
  const head = document.createElement('tr');
  for (const key of ['day', 'requests', 'promptTokens', 'completionTokens', 'totalCost']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = t(key);
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  for (const d of days) {
    const tr = document.createElement('tr');
    for (const value of [
      d.day,
      formatNumber(d.requests),
      formatNumber(d.promptTokens),
      formatNumber(d.completionTokens),
      formatCost(d.cost ?? 0, currency),
    ]) {
      const td = document.createElement('td');
      td.textContent = value;
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.append(thead, tbody);
}

// ---------------------------------------------------------------- settings

function describeMe() {
  const me = state.me;
  if (!me) return loadKey() ? t('keyInvalid') : t('keyMissing');
  const lines = [];
  if (me.key)
    lines.push(t('keySignedIn', { name: me.key.name ?? me.key.id, prefix: me.key.prefix ?? 'sc-' }));
  else if (me.open) lines.push(t('keyOpen'));
  const left = me.budget?.left;
  if (left && typeof left === 'object') {
    const parts = [];
    if (typeof left.tokens === 'number') parts.push(t('tokens', { n: formatNumber(left.tokens) }));
    if (left.cost && typeof left.cost.amount === 'number')
      parts.push(formatCost(left.cost.amount, left.cost.currency));
    if (parts.length > 0) lines.push(t('budgetLeft', { left: parts.join(' · ') }));
  } else if (typeof left === 'number') {
    lines.push(t('budgetLeft', { left: formatNumber(left) }));
  }
  return lines.join(' ');
}

function openSettings() {
  dom.keyInput.value = loadKey();
  dom.keyStatus.textContent = describeMe();
  if (!dom.dialog.open) dom.dialog.showModal();
  dom.keyInput.focus();
}

async function applyKey(key) {
  saveKey(key.trim());
  hideBanner();
  await loadMe();
  dom.keyStatus.textContent = describeMe();
  if (state.me) {
    dom.dialog.close();
    await loadConversations();
    await route();
  }
}

// ---------------------------------------------------------------- routing

function navigate(hash) {
  if (location.hash === hash || (hash === '#/' && location.hash === '')) route();
  else location.hash = hash;
}

async function route() {
  const hash = location.hash;
  closeSidebar();
  if (hash === '#/usage') {
    state.route = 'usage';
    dom.app.dataset.view = 'usage';
    dom.chatView.hidden = true;
    dom.usageView.hidden = false;
    dom.title.textContent = t('usageTitle');
    dom.gauge.hidden = true;
    renderConversationList();
    await loadUsage();
    return;
  }
  state.route = 'chat';
  dom.app.dataset.view = 'chat';
  dom.usageView.hidden = true;
  dom.chatView.hidden = false;
  const match = /^#\/c\/(.+)$/.exec(hash);
  if (match) {
    const id = decodeURIComponent(match[1]);
    if (id !== state.currentId || state.views.length === 0) await openConversation(id);
    else {
      setTitle(state.conversation?.title ?? '');
      updateGauge(state.context);
      renderConversationList();
    }
  } else {
    newChat();
  }
}

// ---------------------------------------------------------------- sidebar (narrow screens)

function openSidebar() {
  dom.app.classList.add('sidebar-open');
  dom.scrim.hidden = false;
  dom.sidebarToggle.setAttribute('aria-expanded', 'true');
}

function closeSidebar() {
  dom.app.classList.remove('sidebar-open');
  dom.scrim.hidden = true;
  dom.sidebarToggle.setAttribute('aria-expanded', 'false');
}

// ---------------------------------------------------------------- language

function applyLang(lang) {
  setLang(lang);
  dom.langSelect.value = getLang();
  setCopyLabel(t('copy'));
  translateDocument();
  for (const button of document.querySelectorAll('.copy-code')) button.textContent = t('copy');
  for (const view of state.views) {
    view.root.querySelector('.message-role').textContent =
      view.role === 'user' ? t('you') : view.role === 'assistant' ? t('assistant') : t('system');
    renderMeta(view);
  }
  updateMessageActions();
  renderSummaryMarker();
  renderConversationList();
  if (state.context) updateGauge(state.context);
  setTitle(state.conversation?.title ?? '');
  if (state.route === 'usage') loadUsage();
}

// ---------------------------------------------------------------- events

function autoGrow() {
  dom.input.style.height = 'auto';
  dom.input.style.height = `${Math.min(dom.input.scrollHeight, 240)}px`;
}

function bind() {
  dom.composer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = dom.input.value.trim();
    if (!text || state.streaming || state.sending) return;
    dom.input.value = '';
    autoGrow();
    // Busy from the keypress on, not only once the reply starts (creating the conversation comes first).
    state.sending = true;
    dom.send.hidden = true;
    dom.stop.hidden = false;
    let sent = false;
    try {
      sent = await sendMessage(text);
    } finally {
      state.sending = false;
      if (!state.streaming) {
        dom.send.hidden = false;
        dom.stop.hidden = true;
      }
    }
    if (!sent) dom.input.value = text;
  });
  dom.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      dom.composer.requestSubmit();
    } else if (event.key === 'Escape' && state.streaming) {
      event.preventDefault();
      stopStreaming();
    }
  });
  dom.input.addEventListener('input', autoGrow);
  dom.stop.addEventListener('click', () => {
    stopStreaming();
    dom.input.focus();
  });
  dom.newChat.addEventListener('click', () => navigate('#/'));
  dom.search.addEventListener('input', () => {
    clearTimeout(state.searchTimer);
    state.searchTimer = setTimeout(() => {
      state.query = dom.search.value.trim();
      loadConversations();
    }, 200);
  });
  dom.list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const li = button.closest('li.conversation');
    if (!li) return;
    const action = button.dataset.action;
    if (action === 'rename') startRename(li);
    else if (action === 'delete') deleteConversation(li.dataset.id);
    else if (action === 'export') exportConversation(li.dataset.id);
  });
  dom.messages.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const action = button.dataset.action;
    if (action === 'copy-code') {
      copyText(button.closest('.code-block').querySelector('code').textContent, button);
      return;
    }
    const view = state.views.find((v) => v.root.contains(button));
    if (!view) return;
    if (action === 'copy-message') copyText(view.text, button);
    else if (action === 'edit') startEdit(view);
    else if (action === 'regenerate') regenerate();
  });
  dom.messages.addEventListener('scroll', () => {
    state.pinned = nearBottom();
  });
  dom.modelSelect.addEventListener('change', async () => {
    if (!state.currentId) return;
    try {
      const updated = await sendJson('PATCH', `/api/conversations/${encodeURIComponent(state.currentId)}`, {
        model: dom.modelSelect.value,
      });
      if (updated) state.conversation = updated;
    } catch (error) {
      reportError(error);
    }
  });
  dom.openUsage.addEventListener('click', () => navigate('#/usage'));
  dom.closeUsage.addEventListener('click', () =>
    navigate(state.currentId ? `#/c/${encodeURIComponent(state.currentId)}` : '#/'),
  );
  dom.usageRange.addEventListener('change', loadUsage);
  dom.openSettings.addEventListener('click', openSettings);
  dom.settingsClose.addEventListener('click', () => dom.dialog.close());
  dom.keyClear.addEventListener('click', () => {
    dom.keyInput.value = '';
    applyKey('');
  });
  dom.dialog.querySelector('form').addEventListener('submit', (event) => {
    event.preventDefault();
    applyKey(dom.keyInput.value);
  });
  dom.langSelect.addEventListener('change', () => applyLang(dom.langSelect.value));
  dom.bannerClose.addEventListener('click', hideBanner);
  dom.sidebarToggle.addEventListener('click', () => {
    if (dom.app.classList.contains('sidebar-open')) closeSidebar();
    else openSidebar();
  });
  dom.scrim.addEventListener('click', closeSidebar);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && dom.app.classList.contains('sidebar-open')) closeSidebar();
  });
  window.addEventListener('hashchange', route);
}

async function start() {
  applyLang(initialLang());
  bind();
  await loadMe();
  await loadConversations();
  await route();
  document.body.dataset.ready = 'true';
}

start();
