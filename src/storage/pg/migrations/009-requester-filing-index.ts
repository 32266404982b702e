import type { PgMigration } from './index';

/** Mirrors SQLite's 009-requester-filing-index: a requester's tickets by creation time (the hourly limit). */
export const pg009RequesterFilingIndex: PgMigration = {
  name: '009-requester-filing-index',
  async up(c) {
    await c.query(`CREATE INDEX tickets_requester_created ON tickets (requester_oid, created_at)`);
  },
};
