export { EmulatorListenError } from './emulator-error.js';
export type { EmulatorHandle, EmulatorOptions } from './emulator-options.js';
export type { ReplyMode } from './generate-reply.js';
export { goDuration } from './go-duration.js';
export type { EmulatorJournal, JournalEntry } from './journal.js';
export { startEmulator } from './start-emulator.js';
