import { SteadyChatError } from '../errors/index.js';

/** The emulator could not start listening (port in use, address not available, permission). */
export class EmulatorListenError extends SteadyChatError {
  constructor(host: string, port: number, cause: unknown) {
    const code = (cause as { code?: string } | undefined)?.code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${port} is already in use`
        : code === 'EADDRNOTAVAIL'
          ? `address ${host} is not available on this machine`
          : code === 'EACCES'
            ? `permission denied for port ${port}`
            : String((cause as Error | undefined)?.message ?? cause);
    super('emulator_listen_failed', `The emulator could not listen on ${host}:${port}: ${reason}.`, {
      cause,
      hint:
        code === 'EADDRINUSE'
          ? 'Pick another port with --port (0 picks a free one) or stop the process using it.'
          : 'Check --host and --port.',
    });
  }
}
