/** Where to reach a conversation proactively (botbuilder conversation references), on either engine. */
import { RecentMemory } from '../domain/bounded-memo';
import type { ConversationRefRepository } from '../domain/ports';
import type { Sql } from './sql';

export class SqlConversationRefs implements ConversationRefRepository {
  /**
   * The reference JSON this process last read or wrote per key, trusted for a minute: within it an
   * unchanged reference costs no statement at all. Another instance may store a different one
   * meanwhile (the same person writing through both with another language); that is corrected by the
   * first message after the minute.
   */
  private readonly known = new RecentMemory<string>();

  constructor(private readonly q: Sql) {}

  async save(key: string, reference: unknown, at: Date) {
    // Saved on every personal message: an unchanged reference is only read (a write statement that
    // changes nothing still takes the write lock and commits: ~30 µs on SQLite against ~3 µs), and
    // not even read while this process's last look is recent; a changed one is what the next message
    // says again, so it does not wait for the disk either.
    const json = JSON.stringify(reference);
    if (this.known.recall(key)?.value === json) return;
    const stored = await this.q.one<{ reference: string }>('SELECT reference FROM conversation_refs WHERE key = ?', [key]);
    if (stored?.reference !== json) {
      await this.q.runRelaxed(
        `INSERT INTO conversation_refs (key, reference, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, updated_at = excluded.updated_at
         WHERE conversation_refs.reference IS DISTINCT FROM excluded.reference`,
        [key, json, at],
      );
    }
    this.known.remember(key, json);
  }

  async get(key: string) {
    const r = await this.q.one<{ reference: string }>('SELECT reference FROM conversation_refs WHERE key = ?', [key]);
    return r ? JSON.parse(r.reference) : null;
  }

  async people(tenantId: string) {
    // The personal chats' keys are 'user:<oid>' (read once per announcement); the tenant is in each reference.
    const rows = await this.q.all<{ key: string; reference: string }>("SELECT key, reference FROM conversation_refs WHERE key LIKE 'user:%' ORDER BY key", []);
    return rows.filter((r) => (JSON.parse(r.reference) as { conversation?: { tenantId?: string } }).conversation?.tenantId === tenantId).map((r) => r.key.slice('user:'.length));
  }
}
