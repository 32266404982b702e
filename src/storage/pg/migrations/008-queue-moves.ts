import type { PgMigration } from './index';

/** Mirrors SQLite's 008-queue-moves: the category whose queue serves a ticket, and its indexes. */
export const pg008QueueMoves: PgMigration = {
  name: '008-queue-moves',
  async up(c) {
    await c.query(`
      ALTER TABLE tickets ADD COLUMN route_category_id TEXT NOT NULL DEFAULT '';
      UPDATE tickets SET route_category_id = category_id;
      DROP INDEX IF EXISTS tickets_category_open;
      DROP INDEX IF EXISTS tickets_waiting_category;
      CREATE INDEX tickets_route_open ON tickets (route_category_id, status, id);
      CREATE INDEX tickets_waiting_route ON tickets (route_category_id, id) WHERE status = 'new' AND imported = 0;
    `);
  },
};
