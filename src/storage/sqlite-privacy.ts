/** Personal-data notice records (Ley 1581 de 2012) and the welcome-once window, on SQLite. */
import type { Db } from './db';
import type { PrivacyNotices, WelcomeLog } from '../domain/ports';

export class SqlitePrivacyNotices implements PrivacyNotices {
  constructor(private readonly db: Db) {}
  async markShown(oid: string, at: Date) {
    const res = this.db.prepare('INSERT OR IGNORE INTO privacy_notices (oid, shown_at) VALUES (?, ?)').run(oid, at.toISOString());
    return res.changes === 1;
  }
  async shownAt(oid: string) {
    const r = this.db.prepare('SELECT shown_at FROM privacy_notices WHERE oid = ?').get(oid) as { shown_at: string } | undefined;
    return r ? new Date(r.shown_at) : null;
  }
}

export class SqliteWelcomeLog implements WelcomeLog {
  constructor(private readonly db: Db) {}
  async first(conversationKey: string, at: Date, windowMs: number) {
    // One statement, so two install activities racing for the same conversation cannot both win.
    const res = this.db
      .prepare(
        `INSERT INTO welcome_sent (conversation_key, sent_at) VALUES (?, ?)
         ON CONFLICT (conversation_key) DO UPDATE SET sent_at = excluded.sent_at WHERE welcome_sent.sent_at < ?`,
      )
      .run(conversationKey, at.toISOString(), new Date(at.getTime() - windowMs).toISOString());
    return res.changes === 1;
  }
}
