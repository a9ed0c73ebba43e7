import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { loadSettings } from '../../src/config/index.js';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import type { MemoryOptions } from '../../src/memory/index.js';
import { createKeyStore, type GatewayHandle, startGateway } from '../../src/server/index.js';
import { openStore, type Store } from '../../src/store/index.js';

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots of every run, kept as artefacts (git-ignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'e2e');

/** Whether the browser tests can run; in CI a missing Chromium is a failure, locally a printed skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const reason = `${CHROMIUM} is missing (apt-get install chromium)`;
  if (process.env.CI) throw new Error(`${reason}; CI must have it for the web page tests.`);
  console.warn(`Skipping the web page browser tests: ${reason}.`);
  return false;
}

export interface Stack {
  emulator: EmulatorHandle;
  gateway: GatewayHandle;
  home: string;
  /** The gateway's origin, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Secrets of the gateway keys asked for with `keys`, in the same order. */
  secrets: string[];
  close(): Promise<void>;
}

/** The real gateway on SQLite in a temporary home, with the emulator (echo replies) as its upstream. */
export async function startStack(
  options: {
    emulator?: EmulatorOptions;
    memory?: MemoryOptions;
    env?: Record<string, string>;
    shared?: EmulatorHandle;
    /** Names of gateway keys created before the gateway starts (then it is not in open mode). */
    keys?: string[];
    /** Start the gateway in demo mode (the page shows a demo badge). */
    demo?: boolean;
    /** Headers the gateway adds to every upstream request (e.g. `x-emulator-fault`). */
    upstreamHeaders?: Record<string, string>;
  } = {},
): Promise<Stack> {
  const emulator =
    options.shared ?? (await startEmulator({ reply: 'echo', interChunkDelayMs: 20, ...options.emulator }));
  const home = mkdtempSync(join(tmpdir(), 'steadychat-e2e-'));
  const env = {
    STEADYCHAT_HOME: home,
    OPENAI_API_KEY: 'sk-emulator-e2e-0000',
    OPENAI_BASE_URL: emulator.url,
    STEADYCHAT_LOG_LEVEL: 'silent',
    ...options.env,
  };
  const settings = loadSettings({ env, cwd: home, dotenv: false, defaults: { redact: 'on' } });
  const store: Store = await openStore({ home });
  const secrets: string[] = [];
  const keyStore = createKeyStore(store.db);
  for (const name of options.keys ?? []) secrets.push((await keyStore.create({ name })).secret);
  const gateway = await startGateway({
    settings,
    store,
    env,
    port: 0,
    host: '127.0.0.1',
    keepAliveMs: 0,
    shutdownGraceMs: 200,
    upstreams: [
      {
        name: 'emulator',
        baseUrl: emulator.url,
        apiKeys: ['sk-emulator-e2e-0000'],
        ...(options.upstreamHeaders ? { headers: options.upstreamHeaders } : {}),
      },
    ],
    ...(options.memory ? { memory: options.memory } : {}),
    ...(options.demo ? { demo: true } : {}),
  });
  return {
    emulator,
    gateway,
    home,
    url: gateway.url,
    secrets,
    async close() {
      await gateway.close();
      await store.close();
      if (!options.shared) await emulator.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors seen so far (a broken page must fail the test). */
  errors: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh user-data dir; `locale` drives navigator.language. */
export async function openBrowser(locale = 'en-US'): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'steadychat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    locale,
    viewport: { width: 1200, height: 820 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => void dialog.accept());
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Opens the page and waits until it has loaded its first data. */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
}

/** Types a message and sends it with Enter. */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

/** Waits until no answer is streaming (the Send button is back). */
export async function answered(page: Page): Promise<void> {
  await page.waitForSelector('#send:not([hidden])', { timeout: 20_000 });
}

/** The text of the last assistant message. */
export async function lastAnswer(page: Page): Promise<string> {
  return (await page.locator('.message-assistant .message-body').last().textContent()) ?? '';
}

/** The conversation id in the page's address (#/c/ID). */
export function conversationId(page: Page): string {
  const match = /#\/c\/(.+)$/.exec(page.url());
  if (!match?.[1]) throw new Error(`no conversation in ${page.url()}`);
  return decodeURIComponent(match[1]);
}
