import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { createSqliteDatabase } from './test-databases.js';

const child = fileURLToPath(new URL('./crash-writer-child.ts', import.meta.url));
const database = createSqliteDatabase();
afterAll(() => database.drop());

/** Start the writer, let it write for `ms` after it is ready, then SIGKILL it. */
function writeThenKill(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, database.url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    proc.stdout.once('data', () => setTimeout(() => proc.kill('SIGKILL'), ms));
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited by itself (${code}): ${stderr}`));
    });
  });
}

describe('a kill -9 at any moment', () => {
  it('leaves a SQLite database that opens, passes integrity_check and holds only whole turns', async () => {
    for (let round = 0; round < 3; round++) {
      await writeThenKill(40 + Math.floor(Math.random() * 250));
      const store = await openStore({ url: database.url });
      const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db);
      expect(check.rows).toEqual([{ integrity_check: 'ok' }]);
      const conversations = await store.db.selectFrom('conversations').selectAll().execute();
      const messages = await store.db.selectFrom('messages').selectAll().orderBy('seq').execute();
      expect(messages.length).toBeGreaterThan(0);
      for (const conversation of conversations) {
        const own = messages.filter((m) => m.conversation_id === conversation.id);
        // Whole turns only: user, assistant, user, assistant… each question has its reply.
        expect(own.map((m) => m.role)).toEqual(own.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')));
        const last = own.at(-1);
        if (last) expect(Number(conversation.last_seq)).toBeGreaterThanOrEqual(Number(last.seq));
      }
      await store.close();
    }
  });
});
