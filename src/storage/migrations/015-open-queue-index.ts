import type { Migration } from './index';

/**
 * The queue view ("cola", the tab) pages open tickets in queue order. Along tickets_open_order
 * (tenant, status, queue order) the page needed one range per open status merged by a sort of every
 * open ticket's entry (page 100 of 100,000 open: 0.94 ms). This partial index holds only open tickets,
 * already in queue order (the status beside them, so the page and its count read the index alone):
 * a page reads its own entries and stops (page 100: 0.20 ms, row reads included). It replaces
 * tickets_open_order: as many index entries per filing as before.
 */
/** The same statements on both engines (PostgreSQL's 015 runs them too). */
export const OPEN_QUEUE_INDEX = `
  DROP INDEX tickets_open_order;
  CREATE INDEX tickets_open_queue ON tickets (tenant_id, queue_order, id, status) WHERE status IN ('new','assigned','in_progress','waiting_user');
`;

export const m015OpenQueueIndex: Migration = {
  name: '015-open-queue-index',
  up(db) {
    db.exec(OPEN_QUEUE_INDEX);
  },
};
