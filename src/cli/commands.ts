import type { Command } from 'commander';
import { registerAskCommand } from './ask.js';
import { registerBudgetCommand } from './budget.js';
import { registerChatCommand } from './chat.js';
import { registerConfigCommand } from './config.js';
import { registerDoctorCommand } from './doctor.js';
import { registerEmulatorCommand } from './emulator.js';
import type { CliIo } from './io.js';
import { registerKeysCommand } from './keys.js';
import { registerRedactCommand } from './redact.js';
import { registerServeCommand } from './serve.js';
import { registerUsageCommand } from './usage.js';

/**
 * A command registers itself on the program. It reports its exit code through `setExitCode`
 * (0 by default) and throws SteadyChatError / UsageError for failures the entry point prints.
 */
export type RegisterCommand = (program: Command, io: CliIo, setExitCode: (code: number) => void) => void;

/** One line per command file. */
export const commands: RegisterCommand[] = [
  registerChatCommand,
  registerAskCommand,
  registerConfigCommand,
  registerDoctorCommand,
  registerEmulatorCommand,
  registerRedactCommand,
  registerUsageCommand,
  registerBudgetCommand,
  registerServeCommand,
  registerKeysCommand,
];
