import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/config/index.js';
import { turnBatchedDestination } from '../../src/config/turn-batched-destination.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('turnBatchedDestination', () => {
  it('writes the lines of one event-loop turn together, in order, at the end of that turn', async () => {
    const writes: string[] = [];
    const destination = turnBatchedDestination({ write: (chunk) => writes.push(chunk) });
    destination.write('a\n');
    destination.write('b\n');
    await Promise.resolve();
    destination.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    destination.write('d\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes at once on flush, and without waiting once much is gathered', () => {
    const writes: string[] = [];
    const destination = turnBatchedDestination({ write: (chunk) => writes.push(chunk) });
    destination.write('first\n');
    destination.flush();
    expect(writes).toEqual(['first\n']);
    const big = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) destination.write(big);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe(big.repeat(64));
  });

  it("keeps a batched logger's lines whole and masked, one write per turn", async () => {
    const writes: string[] = [];
    const logger = createLogger({
      destination: { write: (chunk: string) => writes.push(chunk) },
      secrets: ['sk-upstream-0123456789abcdef'],
      batch: true,
    });
    for (let i = 0; i < 5; i++) logger.info({ i, apiKey: 'x' }, 'request with sk-upstream-0123456789abcdef');
    await nextTurn();
    expect(writes).toHaveLength(1);
    const lines = writes[0]!
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2, 3, 4]);
    expect(writes[0]).not.toContain('sk-upstream-0123456789abcdef');
    expect(lines[0].apiKey).toBe('[redacted]');
  });

  it('writes what is gathered when the process exits', async () => {
    const source = new URL('../../src/config/index.ts', import.meta.url).href;
    const script = `import { createLogger } from '${source}';
      const logger = createLogger({ batch: true });
      logger.info('last words');
      process.exit(0);`;
    const stderr = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        (error, _stdout, err) => (error ? reject(error) : resolve(err)),
      );
    });
    expect(stderr).toContain('"msg":"last words"');
  });
});
