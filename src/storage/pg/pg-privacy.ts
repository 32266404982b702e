/** Personal-data notice records (Ley 1581 de 2012) and the welcome-once window, on PostgreSQL. */
import type { PrivacyNotices, WelcomeLog } from '../../domain/ports';
import type { PgPool } from './pg-db';

export class PgPrivacyNotices implements PrivacyNotices {
  constructor(private readonly pool: PgPool) {}
  async markShown(oid: string, at: Date) {
    const res = await this.pool.query('INSERT INTO privacy_notices (oid, shown_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [oid, at]);
    return res.rowCount === 1;
  }
  async shownAt(oid: string) {
    const r = (await this.pool.query<{ shown_at: Date }>('SELECT shown_at FROM privacy_notices WHERE oid = $1', [oid])).rows[0];
    return r ? new Date(r.shown_at) : null;
  }
}

export class PgWelcomeLog implements WelcomeLog {
  constructor(private readonly pool: PgPool) {}
  async first(conversationKey: string, at: Date, windowMs: number) {
    // One statement (the row lock of the upsert): two install activities racing cannot both win.
    const res = await this.pool.query(
      `INSERT INTO welcome_sent (conversation_key, sent_at) VALUES ($1, $2)
       ON CONFLICT (conversation_key) DO UPDATE SET sent_at = excluded.sent_at WHERE welcome_sent.sent_at < $3`,
      [conversationKey, at, new Date(at.getTime() - windowMs)],
    );
    return res.rowCount === 1;
  }
}
