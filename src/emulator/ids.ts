import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

let pool = randomBytes(4096);
let offset = 0;

function nextByte(): number {
  if (offset >= pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  return pool[offset++] ?? 0;
}

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[nextByte() % alphabet.length];
  return out;
}

/** `chatcmpl-` + 29 alphanumerics, as OpenAI formats completion ids. */
export const completionId = (): string => `chatcmpl-${pick(ALNUM, 29)}`;
/** `call_` + 24 alphanumerics. */
export const toolCallId = (): string => `call_${pick(ALNUM, 24)}`;
/** `req_` + 32 lowercase hex. */
export const requestId = (): string => `req_${pick(HEX, 32)}`;
/** `fp_` + 10 hex. */
export const systemFingerprint = (): string => `fp_${pick(HEX, 10)}`;
