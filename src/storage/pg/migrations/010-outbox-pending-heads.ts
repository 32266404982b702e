import type { PgMigration } from './index';

/**
 * Mirrors SQLite's 010-outbox-pending-heads: pending outbox items by id. (Their index by pace key and
 * id, outbox_pending_pace, has been there since the first PostgreSQL migration, for DISTINCT ON.)
 */
export const pg010OutboxPendingHeads: PgMigration = {
  name: '010-outbox-pending-heads',
  async up(c) {
    await c.query(`CREATE INDEX outbox_pending_id ON outbox (id) WHERE status = 'pending'`);
  },
};
