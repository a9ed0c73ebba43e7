import { Command, CommanderError } from 'commander';
import { SteadyChatError, UsageError } from '../errors/index.js';
import { commands } from './commands.js';
import { type CliIo, detectLang } from './io.js';

/**
 * The single entry point of the CLI: builds the program, runs one command, prints any error once
 * and returns the exit code (0 ok, 1 failure, 2 usage error). Never calls process.exit itself.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = new Command('steadychat')
    .description('Production-grade ChatGPT calls: client, memory, PII guard, budgets, gateway, emulator.')
    .option('--lang <lang>', 'interface language: en or zh (default: from LANG)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError();
  let exitCode = 0;
  for (const register of commands) {
    register(program, io, (code) => {
      exitCode = code;
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      return error.exitCode === 0 ? 0 : 2;
    }
    const lang = detectLang(io.env, program.opts<{ lang?: string }>().lang);
    io.stderr.write(`${formatError(error, lang)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function formatError(error: unknown, lang: 'en' | 'zh'): string {
  if (error instanceof SteadyChatError) {
    const localized = (error as SteadyChatError & { localized?: (l: string) => string }).localized;
    return `✗ ${typeof localized === 'function' ? localized.call(error, lang) : error.message}`;
  }
  return `✗ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}
