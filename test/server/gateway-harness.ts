import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadSettings, type Settings } from '../../src/config/index.js';
import { type EmulatorHandle, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import {
  type GatewayHandle,
  type StartGatewayOptions,
  startGateway,
  type UpstreamConfig,
} from '../../src/server/index.js';
import { openStore, type Store } from '../../src/store/index.js';

/** A gateway in front of a fresh emulator, on a fresh SQLite file. */
export interface TestGateway {
  url: string;
  /** `${url}/v1` for SDKs. */
  baseURL: string;
  emulator: EmulatorHandle;
  gateway: GatewayHandle;
  store: Store;
  settings: Settings;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  emulator?: EmulatorOptions;
  /** Settings from this environment (STEADYCHAT_HOME is set to a temp dir). */
  env?: Record<string, string | undefined>;
  gateway?: Partial<StartGatewayOptions>;
  /** Upstreams; `{emulator}` in a baseUrl is replaced by the emulator's URL. */
  upstreams?: UpstreamConfig[];
  /** A store to use (e.g. PostgreSQL); default a fresh SQLite file. */
  storeUrl?: string;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const home = mkdtempSync(join(tmpdir(), 'steadychat-gw-'));
  const emulator = await startEmulator({ acceptUnknownModels: true, ...options.emulator });
  const settings = loadSettings({
    env: { STEADYCHAT_HOME: home, ...options.env },
    dotenv: false,
    defaults: { redact: 'on' },
  });
  const store = await openStore({ url: options.storeUrl ?? join(home, 'gateway.db') });
  const upstreams = (
    options.upstreams ?? [
      { name: 'emulator', baseUrl: '{emulator}', apiKeys: ['sk-upstream-secret-key-1234567890'] },
    ]
  ).map((u) => ({ ...u, baseUrl: u.baseUrl.replace('{emulator}', emulator.url) }));
  const gateway = await startGateway({
    settings,
    store,
    upstreams,
    logger: createLogger({ level: process.env.GATEWAY_TEST_LOG === 'error' ? 'error' : 'silent' }),
    port: 0,
    host: '127.0.0.1',
    webRoot: false,
    forwardHeaders: [
      'x-emulator-fault',
      'x-emulator-reply',
      'x-emulator-reply-tokens',
      'x-emulator-tool-call',
    ],
    ...options.gateway,
  });
  return {
    url: gateway.url,
    baseURL: `${gateway.url}/v1`,
    emulator,
    gateway,
    store,
    settings,
    async close() {
      await gateway.close();
      await store.close();
      await emulator.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
