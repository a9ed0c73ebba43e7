import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedStatements } from '../../src/store/cached-statements.js';

describe('cachedStatements', () => {
  const opened: SQLite.Database[] = [];
  afterEach(() => {
    for (const db of opened.splice(0)) if (db.open) db.close();
  });

  /** A cache of `limit` over an in-memory database, counting the statements really prepared. */
  function cache(limit: number) {
    const db = new SQLite(':memory:');
    opened.push(db);
    let prepared = 0;
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      prepared++;
      return prepare(sql);
    }) as typeof db.prepare;
    return { statements: cachedStatements(db, limit), prepared: () => prepared };
  }

  it('prepares each text once and runs it again and again', () => {
    const { statements, prepared } = cache(4);
    for (let i = 0; i < 100; i++) expect(statements.prepare('select ? as n').get(i)).toEqual({ n: i });
    expect(prepared()).toBe(1);
  });

  it('keeps at most `limit` texts and, once full, evicts the least recently used', () => {
    const { statements, prepared } = cache(3);
    const text = (n: number) => `select ${n} as n`;
    for (const n of [1, 2, 3]) statements.prepare(text(n));
    expect(prepared()).toBe(3);
    // Full: using 1 makes 2 the least recently used, so a fourth text evicts 2.
    statements.prepare(text(1));
    statements.prepare(text(4));
    expect(prepared()).toBe(4);
    statements.prepare(text(1));
    statements.prepare(text(3));
    statements.prepare(text(4));
    expect(prepared()).toBe(4);
    statements.prepare(text(2));
    expect(prepared()).toBe(5);
    expect(statements.prepare(text(2)).get()).toEqual({ n: 2 });
  });

  it('prepares a fresh statement while the cached one is still being iterated', () => {
    const { statements, prepared } = cache(4);
    const sql = 'select value from json_each(?)';
    const rows = statements.prepare(sql).iterate('[1,2,3]');
    expect(rows.next().value).toEqual({ value: 1 });
    expect(statements.prepare(sql).all('[4]')).toEqual([{ value: 4 }]);
    expect([...rows]).toEqual([{ value: 2 }, { value: 3 }]);
    expect(prepared()).toBe(2);
  });
});
