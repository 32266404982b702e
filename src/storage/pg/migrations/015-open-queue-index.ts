import { OPEN_QUEUE_INDEX } from '../../migrations/015-open-queue-index';
import type { PgMigration } from './index';

/** Mirrors SQLite's 015-open-queue-index with the same statements: open tickets in queue order. */
export const pg015OpenQueueIndex: PgMigration = {
  name: '015-open-queue-index',
  async up(c) {
    await c.query(OPEN_QUEUE_INDEX);
  },
};
