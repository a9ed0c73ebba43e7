import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): the current millisecond in its first 48 bits, random after. Rows keyed
 * by it are inserted at the end of their primary-key index instead of at a random place in it, so a
 * commit writes fewer pages, and the index stays compact as the table grows.
 */
export function timeOrderedId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // The random part of a version 4 UUID, whose variant bits sit where version 7 wants them too.
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
