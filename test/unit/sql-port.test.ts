/**
 * The SQL port the repositories are written against, on this run's engine: one result shape,
 * transactions that commit or roll back as a whole, statements from elsewhere that wait for an open
 * transaction instead of slipping into it, and storage failures as StorageUnavailableError.
 */

import { openDb, openReadConnection } from '../../src/storage/db';
import { SqliteSql } from '../../src/storage/engines/sqlite';
import { PgSql } from '../../src/storage/engines/postgres';
import { numberPlaceholders, placeholders, type Sql } from '../../src/storage/sql';
import { openPgPool } from '../../src/storage/pg/pg-db';
import { StorageUnavailableError } from '../../src/domain/errors';
import { createPgDatabase, ENGINE, itPg, itSqlite } from '../helpers/engine';

let q: Sql;
let closeAll: () => Promise<void>;

beforeAll(async () => {
  if (ENGINE === 'sqlite') {
    const db = openDb(':memory:');
    q = new SqliteSql(db);
    closeAll = async () => void db.close();
  } else {
    const pool = openPgPool((await createPgDatabase()).url, { max: 4 });
    q = new PgSql(pool);
    closeAll = () => pool.end();
  }
  const time = ENGINE === 'sqlite' ? 'TEXT' : 'TIMESTAMPTZ';
  await q.run(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at ${time}, n BIGINT, flag INTEGER, data BYTEA)`.replace('BYTEA', ENGINE === 'sqlite' ? 'BLOB' : 'BYTEA'));
});
afterAll(() => closeAll());
beforeEach(() => q.run('DELETE FROM t'));

describe(`SQL port (${ENGINE})`, () => {
  it('pages with LIMIT and OFFSET as placeholders, beside question marks in quoted text (SQLite writes the LIMIT into the statement)', async () => {
    for (let i = 1; i <= 9; i++) await q.run('INSERT INTO t (id, name) VALUES (?, ?)', [i, i % 2 ? 'odd?' : 'even']);
    const page = (limit: unknown, offset: number) => q.all<{ id: number }>("SELECT id FROM t WHERE name = 'odd?' AND id >= ? ORDER BY id LIMIT ? OFFSET ?", [1, limit, offset]);
    expect((await page(2, 0)).map((r) => r.id)).toEqual([1, 3]);
    expect((await page(2, 2)).map((r) => r.id)).toEqual([5, 7]);
    expect((await page(3, 3)).map((r) => r.id)).toEqual([7, 9]);
    expect(await page(0, 0)).toEqual([]);
    const counted = (cap: number) => q.one<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM t WHERE id > ? LIMIT ?) c', [2, cap]);
    expect((await counted(3))!.n).toBe(3);
    expect((await counted(100))!.n).toBe(7);
  });

  it('gives one result shape: ISO times, numeric counts, 1/0 for booleans, Buffers, undefined as NULL', async () => {
    const at = new Date('2026-12-02T04:15:00.123Z');
    await q.run('INSERT INTO t (id, name, at, n, flag, data) VALUES (?, ?, ?, ?, ?, ?)', [1, "it's ? here", at, 2 ** 40, true, Buffer.from([1, 2])]);
    await q.run('INSERT INTO t (id, name, at, n, flag) VALUES (?, ?, ?, ?, ?)', [2, 'b', undefined, 1, false]);
    const rows = await q.all<any>('SELECT id, name, at, n, flag, data FROM t ORDER BY id');
    expect(rows[0]).toEqual({ id: 1, name: "it's ? here", at: '2026-12-02T04:15:00.123Z', n: 2 ** 40, flag: 1, data: Buffer.from([1, 2]) });
    expect(rows[1]).toMatchObject({ at: null, flag: 0, data: null });
    expect(await q.one<any>(`SELECT count(*) AS c, sum(n) AS s FROM t WHERE name <> '?' AND id IN (${placeholders([1, 2])})`, [1, 2])).toEqual({ c: 2, s: 2 ** 40 + 1 });
    expect(await q.one('SELECT id FROM t WHERE id = ?', [99])).toBeUndefined();
    expect((await q.run('UPDATE t SET n = n + 1 WHERE id IN (NULL)')).changes).toBe(0);
    expect((await q.run('UPDATE t SET n = n + 1')).changes).toBe(2);
    expect(await q.all('INSERT INTO t (id, name) VALUES (?, ?) RETURNING id, name', [3, 'c'])).toEqual([{ id: 3, name: 'c' }]);
  });

  it('names row fields by column, whatever the names: a repeated name keeps the last, odd names stay plain fields, SELECT * follows an added column', async () => {
    await q.run('INSERT INTO t (id, name, n) VALUES (?, ?, ?)', [1, 'a', 5]);
    expect(await q.one<any>(`SELECT id, name AS "x y", n AS "__proto__", 'quote"d' AS "it's", 7 AS "a""b" FROM t`)).toEqual({ id: 1, 'x y': 'a', ['__proto__']: 5, "it's": 'quote"d', 'a"b': 7 });
    const odd = await q.one<any>('SELECT n AS "__proto__" FROM t');
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
    expect(Object.keys(odd)).toEqual(['__proto__']);
    expect(await q.one<any>('SELECT id AS v, n AS v FROM t')).toEqual({ v: 5 });
    expect(await q.all<any>('SELECT * FROM t')).toEqual([expect.objectContaining({ id: 1, name: 'a', n: 5 })]);
    await q.run('ALTER TABLE t ADD COLUMN extra TEXT');
    try {
      await q.run("UPDATE t SET extra = 'more'");
      expect(await q.all<any>('SELECT * FROM t')).toEqual([expect.objectContaining({ id: 1, n: 5, extra: 'more' })]);
      expect(await q.one<any>('SELECT * FROM t')).toEqual(expect.objectContaining({ id: 1, extra: 'more' }));
    } finally {
      await q.run('ALTER TABLE t DROP COLUMN extra');
    }
  });

  it('commits a transaction as a whole, or rolls it back as a whole and rethrows', async () => {
    await q.tx(async (t) => {
      await t.run('INSERT INTO t (id, name) VALUES (?, ?)', [1, 'a']);
      await t.run('INSERT INTO t (id, name) VALUES (?, ?)', [2, 'b']);
    });
    await expect(
      q.tx(async (t) => {
        await t.run('INSERT INTO t (id, name) VALUES (?, ?)', [3, 'c']);
        await t.lock('k');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // (A property, not toThrow: better-sqlite3's error class may come from another test file's realm.)
    await expect(q.tx(async (t) => t.run('INSERT INTO t (id, name) VALUES (?, ?)', [1, 'again']))).rejects.toHaveProperty(
      'code',
      ENGINE === 'sqlite' ? 'SQLITE_CONSTRAINT_PRIMARYKEY' : '23505',
    );
    expect((await q.all<{ id: number }>('SELECT id FROM t ORDER BY id')).map((r) => r.id)).toEqual([1, 2]);
  });

  it('lets nothing slip into an open transaction: statements from elsewhere wait, calls from within join', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const first = q.tx(async (t) => {
      await t.run('INSERT INTO t (id, name) VALUES (?, ?)', [1, 'inside']);
      // The outer object, called from within the callback, is the same transaction.
      expect((await q.one<{ c: number }>('SELECT count(*) AS c FROM t'))!.c).toBe(1);
      await gate;
      order.push('first commits');
      throw new Error('rolled back');
    });
    const second = (async () => {
      await new Promise((r) => setTimeout(r, 10));
      await q.tx(async (t) => {
        order.push('second starts');
        await t.run('INSERT INTO t (id, name) VALUES (?, ?)', [2, 'second']);
      });
    })();
    // A statement from elsewhere: on SQLite issued while the first is open (it waits, behind the
    // second); on PostgreSQL once the second has committed, however slow the machine.
    const outside = (async () => {
      await (ENGINE === 'sqlite' ? new Promise((r) => setTimeout(r, 20)) : second);
      const names = (await q.all<{ name: string }>('SELECT name FROM t')).map((r) => r.name);
      order.push(`outside sees ${names.join(',') || 'nothing'}`);
    })();
    // SQLite: the first still holds the connection after a while; PostgreSQL: the others are done
    // (however slow the machine), then the first ends.
    await (ENGINE === 'sqlite' ? new Promise((r) => setTimeout(r, 60)) : outside);
    release();
    await expect(first).rejects.toThrow('rolled back');
    await Promise.all([outside, second]);
    // Never the uncommitted row of another transaction.
    expect(order.join(' | ')).not.toMatch(/inside/);
    // SQLite: one transaction at a time, in arrival order; PostgreSQL: side by side (MVCC).
    if (ENGINE === 'sqlite') expect(order).toEqual(['first commits', 'second starts', 'outside sees second']);
    else expect(order).toEqual(['second starts', 'outside sees second', 'first commits']);
    expect((await q.all<{ name: string }>('SELECT name FROM t')).map((r) => r.name)).toEqual(['second']);
  });

  it('tells a transaction from the rest in each one after another (the context is switched off between them), and a continuation of an ended one from the one running', async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const order: string[] = [];
    let late: Promise<void> | undefined;
    for (let i = 1; i <= 3; i++) {
      await q.tx(async (t) => {
        await t.run('INSERT INTO t (id, name) VALUES (?, ?)', [i, `tx${i}`]);
        // From within, the outer object is this transaction: it sees its own row, not yet committed.
        expect((await q.one<{ c: number }>('SELECT count(*) AS c FROM t WHERE id = ?', [i]))!.c).toBe(1);
        await expect(q.lock(`k${i}`)).resolves.toBeUndefined();
        if (i === 1) {
          // Started inside the first, run while the third is open: it belongs to neither.
          late = (async () => {
            await gate;
            const n = (await q.one<{ c: number }>('SELECT count(*) AS c FROM t'))!.c;
            order.push(`late sees ${n}`);
          })();
        }
        if (i === 3) {
          openGate();
          await new Promise((r) => setTimeout(r, 40));
          order.push('third commits');
        }
      });
    }
    await late;
    await expect(q.lock('after')).rejects.toThrow(/outside a transaction/);
    // SQLite: it waits for the third to end; PostgreSQL: it reads beside it, only what is committed.
    expect(order).toEqual(ENGINE === 'sqlite' ? ['third commits', 'late sees 3'] : ['late sees 2', 'third commits']);
  });

  it('refuses a lock outside a transaction', async () => {
    await expect(q.lock('x')).rejects.toThrow(/outside a transaction/);
  });

  it('writes a relaxed statement like any other, and inside a transaction as part of it', async () => {
    expect((await q.runRelaxed('INSERT INTO t (id, name) VALUES (?, ?)', [1, 'cache'])).changes).toBe(1);
    await expect(
      q.tx(async (t) => {
        await t.runRelaxed('INSERT INTO t (id, name) VALUES (?, ?)', [2, 'in tx']);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await q.all('SELECT id, name FROM t ORDER BY id')).toEqual([{ id: 1, name: 'cache' }]);
  });

  itSqlite('commits a relaxed statement with synchronous NORMAL and puts FULL back, also when it fails', async () => {
    const file = require('node:path').join(require('node:os').tmpdir(), `sql-relaxed-${process.pid}-${Date.now()}.db`);
    const db = openDb(file);
    const lite = new SqliteSql(db);
    await lite.run('CREATE TABLE IF NOT EXISTS c (k TEXT PRIMARY KEY, v INTEGER)');
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => (prepared.push(sql), prepare(sql))) as typeof db.prepare;
    await lite.runRelaxed('INSERT INTO c (k, v) VALUES (?, 1)', ['a']);
    expect(prepared).toEqual(['PRAGMA main.synchronous = NORMAL', 'INSERT INTO c (k, v) VALUES (?, 1)', 'PRAGMA main.synchronous = 2']);
    expect(db.pragma('main.synchronous', { simple: true })).toBe(2);
    // better-sqlite3's error comes from outside Jest's realm: its message is what is compared.
    const second = await lite.runRelaxed('INSERT INTO c (k, v) VALUES (?, 1)', ['a']).then(() => 'written twice', (e: Error) => e.message);
    expect(second).toMatch(/UNIQUE/);
    expect(db.pragma('main.synchronous', { simple: true })).toBe(2);
    expect(await lite.all('SELECT k FROM c')).toEqual([{ k: 'a' }]);
    db.close();
  });

  itSqlite('commits transactions that queue up together once (group commit), answering each only after it; a failing one, first or not, leaves the others', async () => {
    const file = require('node:path').join(require('node:os').tmpdir(), `sql-group-${process.pid}-${Date.now()}.db`);
    const db = openDb(file);
    const lite = new SqliteSql(db);
    await lite.run('CREATE TABLE g (n INTEGER PRIMARY KEY)');
    const reader = openDb(file);
    const committedRows = () => (reader.prepare('SELECT count(*) AS n FROM g').get() as { n: number }).n;
    const seenByOthers: number[] = [];
    const answered: number[] = [];
    const all = [1, 2, 3, 4, 5].map((n) =>
      lite
        .tx(async (t) => {
          seenByOthers.push(committedRows());
          await t.run('INSERT INTO g (n) VALUES (?)', [n]);
          if (n === 1 || n === 3) throw new Error(`member ${n} fails`);
          return n;
        })
        .then((v) => (answered.push(committedRows()), v), (e: Error) => e.message),
    );
    expect(await Promise.all(all)).toEqual(['member 1 fails', 2, 'member 3 fails', 4, 5]);
    // One commit for the rest: no member saw another's row committed, each was answered once all were.
    expect(seenByOthers).toEqual([0, 0, 0, 0, 0]);
    expect(answered).toEqual([3, 3, 3]);
    expect(await lite.all('SELECT n FROM g ORDER BY n')).toEqual([{ n: 2 }, { n: 4 }, { n: 5 }]);
    // A statement from elsewhere does not join an open group: the group commits first.
    const late = lite.tx(async (t) => t.run('INSERT INTO g (n) VALUES (6)'));
    const count = lite.one<{ n: number }>('SELECT count(*) AS n FROM g');
    const after = lite.tx(async (t) => t.run('INSERT INTO g (n) VALUES (7)'));
    await Promise.all([late, after]);
    expect(await count).toEqual({ n: 4 });
    reader.close();
    db.close();
  });

  itSqlite('with a read connection: transactions begun in one turn of the event loop share one commit, reads from outside see only what is committed and wait for nothing, writes from outside join the group', async () => {
    const file = require('node:path').join(require('node:os').tmpdir(), `sql-turn-${process.pid}-${Date.now()}.db`);
    const db = openDb(file);
    db.exec('CREATE TABLE g (n INTEGER PRIMARY KEY)');
    const lite = new SqliteSql(db, openReadConnection(file));
    const other = openDb(file);
    const committedRows = () => (other.prepare('SELECT count(*) AS n FROM g').get() as { n: number }).n;
    const answered: [number, number][] = [];
    const file1 = (n: number) => lite.tx(async (t) => t.run('INSERT INTO g (n) VALUES (?)', [n])).then(() => void answered.push([n, committedRows()]));
    // Two requests of the same turn: the second begins after the first's transaction has ended.
    const a = file1(1);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    const b = file1(2);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    // A read from outside meanwhile: committed rows only, answered at once, the group still open.
    expect(await lite.one('SELECT count(*) AS n FROM g')).toEqual({ n: 0 });
    expect(committedRows()).toBe(0);
    expect(answered).toEqual([]);
    await Promise.all([a, b]);
    // One commit for both: each was answered with both rows on disk.
    expect(answered).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(await lite.all('SELECT n FROM g ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
    // A write from outside a transaction (durable or relaxed) joins a group waiting for its commit and
    // is answered after it; a section that needs the connection alone commits the group first.
    const c = file1(3);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    const written = Promise.all([lite.run('INSERT INTO g (n) VALUES (4)'), lite.runRelaxed('INSERT INTO g (n) VALUES (7)')]).then((r) => (answered.push([0, committedRows()]), r));
    expect(committedRows()).toBe(2);
    expect(await written).toEqual([{ changes: 1 }, { changes: 1 }]);
    await c;
    expect(answered.slice(2)).toEqual([
      [3, 5],
      [0, 5],
    ]);
    const d0 = file1(8);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(await lite.exclusive((raw) => (raw.prepare('SELECT count(*) AS n FROM g').get() as { n: number }).n)).toBe(6);
    expect(committedRows()).toBe(6);
    await d0;
    await lite.run('DELETE FROM g WHERE n IN (7, 8)');
    // A failing member leaves the other; closing the storage commits a group still open.
    const d = lite.tx(async (t) => {
      await t.run('INSERT INTO g (n) VALUES (5)');
      throw new Error('member fails');
    });
    await expect(d).rejects.toThrow('member fails');
    // A failing statement from outside undoes only itself.
    const dup = file1(9);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    // (SqliteError comes from the realm of the first test file that loaded the addon: matched by code.)
    await expect(lite.run('INSERT INTO g (n) VALUES (1)')).rejects.toHaveProperty('code', 'SQLITE_CONSTRAINT_PRIMARYKEY');
    await dup;
    await lite.run('DELETE FROM g WHERE n = 9');
    const e = lite.tx(async (t) => t.run('INSERT INTO g (n) VALUES (6)'));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    lite.settle();
    await e;
    expect(committedRows()).toBe(5);
    expect((await lite.all<{ n: number }>('SELECT n FROM g ORDER BY n')).map((r) => r.n)).toEqual([1, 2, 3, 4, 6]);
    other.close();
    db.close();
  });

  itSqlite('turns a busy database into StorageUnavailableError and keeps serving', async () => {
    const file = require('node:path').join(require('node:os').tmpdir(), `sql-port-${process.pid}.db`);
    const a = openDb(file, { busyTimeoutMs: 50 });
    const b = openDb(file, { busyTimeoutMs: 50 });
    const qa = new SqliteSql(a);
    await qa.run('CREATE TABLE IF NOT EXISTS x (id INTEGER)');
    b.exec('BEGIN IMMEDIATE');
    await expect(qa.tx(async (t) => t.run('INSERT INTO x VALUES (1)'))).rejects.toBeInstanceOf(StorageUnavailableError);
    b.exec('ROLLBACK');
    await qa.tx(async (t) => t.run('INSERT INTO x VALUES (2)'));
    expect(await qa.all('SELECT id FROM x')).toEqual([{ id: 2 }]);
    a.close();
    b.close();
  });
});

describe(`transactions of a group (${ENGINE})`, () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const txid = async (t: Sql) => (ENGINE === 'postgres' ? (await t.one<{ x: number }>('SELECT txid_current() AS x'))!.x : 0);

  it('answers each after the commit it shares; one that fails is undone alone and the others keep their writes', async () => {
    const members = Array.from({ length: 8 }, (_, i) =>
      q.tx(
        async (t) => {
          await t.lock(`member-${i}`, 'shared');
          await t.run('INSERT INTO t (id, name) VALUES (?, ?)', [i + 1, `m${i}`]);
          if (i === 3) throw new Error('member 3 fails after its write');
          return txid(t);
        },
        { group: 'filing' },
      ),
    );
    const outcomes = await Promise.allSettled(members);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(((outcomes[3] as PromiseRejectedResult).reason as Error).message).toBe('member 3 fails after its write');
    // Committed (read from outside), all but the failed one's.
    expect((await q.all<{ id: number }>('SELECT id FROM t ORDER BY id')).map((r) => r.id)).toEqual([1, 2, 3, 5, 6, 7, 8]);
    if (ENGINE === 'postgres') {
      // They queued up together: fewer transactions than members.
      const txids = new Set(outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<number>).value));
      expect(txids.size).toBeLessThan(7);
    }
  });

  itPg('lets a member whose lock is held elsewhere wait for the next group, holding nothing: the members before it are not held up', async () => {
    const other = await (q as PgSql).pool.connect();
    await other.query("BEGIN; SELECT pg_advisory_xact_lock(hashtext('busy'))");
    const settled: string[] = [];
    const member = (name: string, key: string, pause = 0) =>
      q.tx(
        async (t) => {
          await t.lock(key);
          if (pause) await wait(pause);
          await t.run('INSERT INTO t (id, name) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM t), ?)', [name]);
          return txid(t);
        },
        { group: 'filing' },
      ).then((x) => (settled.push(name), x));
    // The first holds the group open a moment, so the others join it.
    const first = member('first', 'free-1', 100);
    await wait(20);
    const blocked = member('blocked', 'busy');
    const after = member('after', 'free-2');
    const [a, c] = await Promise.all([first, after]);
    expect(settled).toEqual(['first', 'after']);
    expect(a).toBe(c);
    await wait(100);
    expect(settled).toEqual(['first', 'after']);
    await other.query('COMMIT');
    other.release();
    const b = await blocked;
    expect(b).not.toBe(a);
    expect(settled).toEqual(['first', 'after', 'blocked']);
    expect((await q.all<{ name: string }>('SELECT name FROM t ORDER BY id')).map((r) => r.name)).toEqual(['first', 'after', 'blocked']);
  });
});

describe('placeholders', () => {
  it("numbers ? outside quotes and comments", () => {
    expect(numberPlaceholders(`SELECT '?', "a?" FROM t WHERE a = ? AND b IN (?, ?) -- ?\nAND c = ?`)).toBe(
      `SELECT '?', "a?" FROM t WHERE a = $1 AND b IN ($2, $3) -- ?\nAND c = $4`,
    );
  });
});

