// Interface strings in English and Chinese. Keys are stable; both languages must have every key.

const STRINGS = {
  en: {
    appName: 'steadychat',
    newChat: 'New chat',
    search: 'Search conversations',
    conversations: 'Conversations',
    noConversations: 'No conversations yet.',
    noMatches: 'No conversation matches.',
    rename: 'Rename',
    renameTitle: 'New title',
    delete: 'Delete',
    confirmDelete: 'Delete “{title}”? This cannot be undone.',
    exportMd: 'Export as Markdown',
    untitled: 'New chat',
    chat: 'Chat',
    usage: 'Usage',
    settings: 'Settings',
    language: 'Language',
    toggleSidebar: 'Show or hide the conversation list',
    messagePlaceholder: 'Message… (Enter to send, Shift+Enter for a new line)',
    messageLabel: 'Message',
    send: 'Send',
    stop: 'Stop',
    regenerate: 'Regenerate',
    edit: 'Edit',
    saveAndSend: 'Save and send',
    cancel: 'Cancel',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'Copy failed',
    you: 'You',
    assistant: 'Assistant',
    system: 'System',
    interrupted: 'interrupted',
    stopped: 'Stopped.',
    tokens: '{n} tokens',
    tokenOne: '1 token',
    tokensDetail: 'prompt {p} + completion {c} tokens',
    cost: 'cost',
    model: 'Model',
    context: 'Context',
    contextTitle: '{used} of {limit} tokens of the context window in use',
    summarized: 'Older turns above this line were summarised to fit the context window.',
    summaryShow: 'Show the summary',
    welcomeTitle: 'Start a conversation',
    welcomeBody: 'Answers stream in as they are written. Your conversations are kept by the gateway.',
    keyTitle: 'Gateway key',
    keyLabel: 'Gateway key (sc-…)',
    keyHelp:
      'The key is kept in this browser only (localStorage) and sent to this gateway as a Bearer token. Leave it empty when the gateway runs in open mode.',
    save: 'Save',
    clear: 'Clear',
    close: 'Close',
    keyOpen: 'Open mode: this gateway accepts requests without a key.',
    keySignedIn: 'Signed in with key “{name}” ({prefix}…).',
    keyMissing: 'This gateway needs a key. Enter your gateway key in Settings.',
    keyInvalid: 'The gateway refused the key. Check it in Settings.',
    budgetLeft: 'Budget left: {left}',
    usageTitle: 'Usage',
    usageRange: 'Period',
    days7: 'Last 7 days',
    days30: 'Last 30 days',
    days90: 'Last 90 days',
    requests: 'Requests',
    promptTokens: 'Prompt tokens',
    completionTokens: 'Completion tokens',
    totalCost: 'Cost',
    chartTitle: 'Tokens and cost per day',
    chartEmpty: 'No usage in this period.',
    day: 'Day',
    tokensAxis: 'tokens',
    costAxis: 'cost',
    loading: 'Loading…',
    networkError: 'Cannot reach the gateway: {message}',
    streamCut:
      'The answer was cut off: the stream ended before the answer was complete. Ask again or Regenerate.',
    conversationGone: 'This conversation no longer exists.',
    answerDone: 'Answer complete.',
    notFound: 'Not found.',
    demo: 'demo',
    demoTitle: 'Demo mode: answers come from the built-in offline emulator, not from a real model.',
  },
  zh: {
    appName: 'steadychat',
    newChat: '新对话',
    search: '搜索对话',
    conversations: '对话',
    noConversations: '还没有对话。',
    noMatches: '没有匹配的对话。',
    rename: '重命名',
    renameTitle: '新标题',
    delete: '删除',
    confirmDelete: '删除“{title}”？删除后无法恢复。',
    exportMd: '导出为 Markdown',
    untitled: '新对话',
    chat: '聊天',
    usage: '用量',
    settings: '设置',
    language: '语言',
    toggleSidebar: '显示或隐藏对话列表',
    messagePlaceholder: '输入消息…（Enter 发送，Shift+Enter 换行）',
    messageLabel: '消息',
    send: '发送',
    stop: '停止',
    regenerate: '重新生成',
    edit: '编辑',
    saveAndSend: '保存并发送',
    cancel: '取消',
    copy: '复制',
    copied: '已复制',
    copyFailed: '复制失败',
    you: '你',
    assistant: '助手',
    system: '系统',
    interrupted: '已中断',
    stopped: '已停止。',
    tokens: '{n} 个 token',
    tokenOne: '1 个 token',
    tokensDetail: '提示 {p} + 回答 {c} 个 token',
    cost: '费用',
    model: '模型',
    context: '上下文',
    contextTitle: '上下文窗口已用 {used} / {limit} 个 token',
    summarized: '此线以上较早的轮次已被摘要，以放入上下文窗口。',
    summaryShow: '查看摘要',
    welcomeTitle: '开始对话',
    welcomeBody: '回答边生成边显示。对话由网关保存。',
    keyTitle: '网关密钥',
    keyLabel: '网关密钥（sc-…）',
    keyHelp:
      '密钥只保存在本浏览器（localStorage）中，并作为 Bearer 令牌发送给本网关。网关处于开放模式时可留空。',
    save: '保存',
    clear: '清除',
    close: '关闭',
    keyOpen: '开放模式：本网关无需密钥即可访问。',
    keySignedIn: '已使用密钥“{name}”（{prefix}…）。',
    keyMissing: '本网关需要密钥。请在“设置”中填写网关密钥。',
    keyInvalid: '网关拒绝了该密钥。请在“设置”中检查。',
    budgetLeft: '剩余预算：{left}',
    usageTitle: '用量',
    usageRange: '时间范围',
    days7: '最近 7 天',
    days30: '最近 30 天',
    days90: '最近 90 天',
    requests: '请求数',
    promptTokens: '提示 token',
    completionTokens: '回答 token',
    totalCost: '费用',
    chartTitle: '每日 token 与费用',
    chartEmpty: '此时间段内没有用量。',
    day: '日期',
    tokensAxis: 'token',
    costAxis: '费用',
    loading: '加载中…',
    networkError: '无法连接网关：{message}',
    streamCut: '回答被中断：数据流在回答完成前就结束了。请重新提问或点击“重新生成”。',
    conversationGone: '该对话已不存在。',
    answerDone: '回答完成。',
    notFound: '未找到。',
    demo: '演示',
    demoTitle: '演示模式：回答来自内置的离线模拟器，而不是真实的模型。',
  },
};

const LANG_KEY = 'steadychat.lang';

/** The saved language, else the browser's ('zh…' → Chinese), else English. */
export function initialLang() {
  let saved = null;
  try {
    saved = localStorage.getItem(LANG_KEY);
  } catch {
    // Storage can be disabled; the browser language still works.
  }
  if (saved === 'en' || saved === 'zh') return saved;
  const nav = navigator.languages?.[0] || navigator.language || 'en';
  return nav.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current = 'en';

export function setLang(lang) {
  current = lang === 'zh' ? 'zh' : 'en';
  try {
    localStorage.setItem(LANG_KEY, current);
  } catch {
    // Not persisted; the choice still applies to this page.
  }
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}

export function getLang() {
  return current;
}

/** The string `key` in the current language with `{name}` placeholders filled. */
export function t(key, vars) {
  const table = STRINGS[current] ?? STRINGS.en;
  let text = table[key] ?? STRINGS.en[key] ?? key;
  if (vars) {
    for (const [name, value] of Object.entries(vars)) text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

/** Fills elements marked with data-i18n, data-i18n-placeholder, data-i18n-label and data-i18n-title. */
export function translateDocument(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
  }
  for (const el of root.querySelectorAll('[data-i18n-label]'))
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]'))
    el.setAttribute('title', t(el.dataset.i18nTitle));
}

export const LANGS = Object.freeze(Object.keys(STRINGS));
export const STRINGS_FOR_TESTS = STRINGS;
