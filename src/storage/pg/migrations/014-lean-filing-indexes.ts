import { LEAN_FILING_INDEXES } from '../../migrations/014-lean-filing-indexes';
import type { PgMigration } from './index';

/**
 * Mirrors SQLite's 014-lean-filing-indexes with the same statements: fewer index entries per filed
 * ticket (partial indexes on columns empty at filing, the requester's open tickets by id, the queue's
 * takes by id). PostgreSQL's outbox never had outbox_pace.
 */
export const pg014LeanFilingIndexes: PgMigration = {
  name: '014-lean-filing-indexes',
  async up(c) {
    await c.query(LEAN_FILING_INDEXES);
  },
};
