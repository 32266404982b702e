import type { Db } from '../storage/db';

/** Records when the personal-data notice (Ley 1581 de 2012) was shown to each person. */
export interface PrivacyNotices {
  /** True the first time for this person; records the moment. */
  markShown(oid: string, at: Date): Promise<boolean>;
}

export class SqlitePrivacyNotices implements PrivacyNotices {
  constructor(private readonly db: Db) {}
  async markShown(oid: string, at: Date) {
    const res = this.db.prepare('INSERT OR IGNORE INTO privacy_notices (oid, shown_at) VALUES (?, ?)').run(oid, at.toISOString());
    return res.changes === 1;
  }
}
