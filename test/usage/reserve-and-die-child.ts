// Reserves a budget and exits without settling: a process that crashed mid-call.
import { openStore } from '../../src/store/index.js';
import { createBudgetBook } from '../../src/usage/index.js';

const [url, now] = process.argv.slice(2);
const store = await openStore({ url: url! });
const book = createBudgetBook({
  store,
  timeZone: 'UTC',
  clock: () => Number(now),
  leaseMs: 60_000,
  limits: [{ scope: 'global', scopeId: '*', period: 'day', tokens: 1000 }],
});
const reservation = await book.reserve({ scopes: {}, model: 'gpt-4o-mini', tokens: 900, cost: null });
process.stdout.write(`${reservation.id}\n`);
process.exit(0);
