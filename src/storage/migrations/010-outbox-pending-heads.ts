import type { Migration } from './index';

/**
 * The outbox's due items are the heads of their pace keys (the oldest pending item of each
 * conversation): the pending items in id order, and by pace key and id, each in a partial index
 * that holds only what is still to deliver (the sent history stays out of them).
 */
export const m010OutboxPendingHeads: Migration = {
  name: '010-outbox-pending-heads',
  up(db) {
    db.exec(`
      CREATE INDEX outbox_pending_id ON outbox (id) WHERE status = 'pending';
      CREATE INDEX outbox_pending_pace ON outbox (pace_key, id) WHERE status = 'pending';
    `);
  },
};
