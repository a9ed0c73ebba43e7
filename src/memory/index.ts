export {
  type FitWindowInput,
  type FitWindowResult,
  fitWindow,
  groupTurns,
  truncateMessage,
  truncationMarker,
  type WindowMessage,
} from './fit-window.js';
export { MemoryError, type MemoryErrorCode } from './memory-error.js';
