import type { Migration } from './index';

/**
 * The hourly filing limit counts a requester's tickets created in the last hour, inside the filing
 * transaction: along (requester_oid, created_at) it reads those rows only, not every ticket the
 * requester ever filed.
 */
export const m009RequesterFilingIndex: Migration = {
  name: '009-requester-filing-index',
  up(db) {
    db.exec(`CREATE INDEX tickets_requester_created ON tickets (requester_oid, created_at);`);
  },
};
