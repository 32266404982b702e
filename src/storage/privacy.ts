/** Personal-data notice records (Ley 1581 de 2012) and the welcome-once window, on either engine. */
import type { PrivacyNotices, WelcomeLog } from '../domain/ports';
import type { Sql } from './sql';

export class SqlPrivacyNotices implements PrivacyNotices {
  constructor(private readonly q: Sql) {}

  async markShown(oid: string, at: Date) {
    const res = await this.q.run('INSERT INTO privacy_notices (oid, shown_at) VALUES (?, ?) ON CONFLICT DO NOTHING', [oid, at]);
    return res.changes === 1;
  }

  async shownAt(oid: string) {
    const r = await this.q.one<{ shown_at: string }>('SELECT shown_at FROM privacy_notices WHERE oid = ?', [oid]);
    return r ? new Date(r.shown_at) : null;
  }
}

export class SqlWelcomeLog implements WelcomeLog {
  constructor(private readonly q: Sql) {}

  async first(conversationKey: string, at: Date, windowMs: number) {
    // One statement (the upsert's row lock on PostgreSQL): two install activities racing for the
    // same conversation cannot both win.
    const res = await this.q.run(
      `INSERT INTO welcome_sent (conversation_key, sent_at) VALUES (?, ?)
       ON CONFLICT (conversation_key) DO UPDATE SET sent_at = excluded.sent_at WHERE welcome_sent.sent_at < ?`,
      [conversationKey, at, new Date(at.getTime() - windowMs)],
    );
    return res.changes === 1;
  }
}
