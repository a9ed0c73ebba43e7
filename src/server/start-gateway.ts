import { createGateway, type Gateway } from './create-gateway.js';
import type { GatewayOptions } from './gateway-options.js';

/** Options of {@link startGateway}: the gateway's, plus where to listen. */
export interface StartGatewayOptions extends GatewayOptions {
  /** @default settings `gateway.port` (8787); 0 picks a free port */
  port?: number;
  /** @default settings `gateway.host` (127.0.0.1) */
  host?: string;
}

/** A listening gateway. */
export interface GatewayHandle {
  /** Base URL, e.g. `http://127.0.0.1:8787` (the OpenAI base URL is `${url}/v1`). */
  url: string;
  gateway: Gateway;
  close(): Promise<void>;
}

/** Builds the gateway and starts listening. */
export async function startGateway(options: StartGatewayOptions = {}): Promise<GatewayHandle> {
  const { port, host, ...rest } = options;
  const gateway = await createGateway(rest);
  try {
    const url = await gateway.listen({
      ...(port === undefined ? {} : { port }),
      ...(host === undefined ? {} : { host }),
    });
    return { url, gateway, close: () => gateway.close() };
  } catch (error) {
    await gateway.close();
    throw error;
  }
}
