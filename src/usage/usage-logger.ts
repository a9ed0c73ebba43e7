/** The log lines the usage folder writes; a pino logger fits as is. */
export interface UsageLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Logs nothing. */
export const silentLogger: UsageLogger = { info() {}, warn() {} };
