/**
 * Migrations are named for what they do; a database migrated when they had their first names
 * (001-initial, 004-beyond…) opens as it is: its rows are renamed, nothing is applied twice.
 */
import { migrate, openDb } from '../../src/storage/db';
import { migrations } from '../../src/storage/migrations';
import { pgMigrations } from '../../src/storage/pg/migrations';
import { migratePg, openPgPool } from '../../src/storage/pg/pg-db';
import { RENAMED_MIGRATIONS } from '../../src/storage/migration-names';
import { createPgDatabase, ENGINE } from '../helpers/engine';

const OLD = Object.keys(RENAMED_MIGRATIONS);

describe(`migration names (${ENGINE})`, () => {
  it('names every migration for what it does, the same on both engines', () => {
    expect(migrations.map((m) => m.name)).toEqual(pgMigrations.map((m) => m.name));
    for (const m of migrations) expect(OLD).not.toContain(m.name);
    for (const now of Object.values(RENAMED_MIGRATIONS)) expect(migrations.map((m) => m.name)).toContain(now);
  });

  it('opens a database migrated under the old names without applying anything again', async () => {
    const back = (rows: { name: string }[]) => rows.map((r) => r.name).sort();
    if (ENGINE === 'sqlite') {
      const db = openDb(':memory:');
      migrate(db);
      for (const [was, now] of Object.entries(RENAMED_MIGRATIONS)) db.prepare('UPDATE schema_migrations SET name = ? WHERE name = ?').run(was, now);
      expect(back(db.prepare('SELECT name FROM schema_migrations').all() as { name: string }[])).toEqual(expect.arrayContaining(OLD));
      expect(migrate(db).applied).toEqual([]);
      expect(back(db.prepare('SELECT name FROM schema_migrations').all() as { name: string }[])).toEqual(migrations.map((m) => m.name).sort());
      db.close();
    } else {
      const pool = openPgPool((await createPgDatabase()).url, { max: 2 });
      try {
        await migratePg(pool);
        for (const [was, now] of Object.entries(RENAMED_MIGRATIONS)) await pool.query('UPDATE schema_migrations SET name = $1 WHERE name = $2', [was, now]);
        expect((await migratePg(pool)).applied).toEqual([]);
        expect(back((await pool.query('SELECT name FROM schema_migrations')).rows)).toEqual(migrations.map((m) => m.name).sort());
      } finally {
        await pool.end();
      }
    }
  });
});
