import type { Migration } from './index';

/**
 * A ticket can be moved to another support queue ("mover a cola …"): `route_category_id` is the
 * category whose queue serves it — its own category until someone moves it; '*' for the general
 * queue. The queue views and FIFO positions filter on it, so the queue indexes move to it.
 */
export const m008QueueMoves: Migration = {
  name: '008-queue-moves',
  up(db) {
    db.exec(`
      ALTER TABLE tickets ADD COLUMN route_category_id TEXT NOT NULL DEFAULT '';
      UPDATE tickets SET route_category_id = category_id;
      DROP INDEX IF EXISTS tickets_category_open;
      DROP INDEX IF EXISTS tickets_waiting_category;
      CREATE INDEX tickets_route_open ON tickets (route_category_id, status, id);
      CREATE INDEX tickets_waiting_route ON tickets (route_category_id, id) WHERE status = 'new' AND imported = 0;
    `);
  },
};
