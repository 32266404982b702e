/** Where each requester's confirmation card is, so the outbox can update it in place. */
import type { Db } from './db';
import type { RequesterCard, RequesterCardRepository } from '../domain/ports';

export class SqliteRequesterCards implements RequesterCardRepository {
  constructor(private readonly db: Db) {}

  async save(card: RequesterCard, at: Date) {
    this.db
      .prepare(
        `INSERT INTO requester_cards (ticket_id, conversation_id, activity_id, user_id, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (ticket_id) DO UPDATE SET conversation_id = excluded.conversation_id, activity_id = excluded.activity_id,
           user_id = excluded.user_id, updated_at = excluded.updated_at`,
      )
      .run(card.ticketId, card.conversationId, card.activityId, card.userId, at.toISOString());
  }

  async get(ticketId: number) {
    const r = this.db.prepare('SELECT * FROM requester_cards WHERE ticket_id = ?').get(ticketId) as
      | { ticket_id: number; conversation_id: string; activity_id: string; user_id: string }
      | undefined;
    return r ? { ticketId: r.ticket_id, conversationId: r.conversation_id, activityId: r.activity_id, userId: r.user_id } : null;
  }

  async withCards(ticketIds: number[]) {
    if (!ticketIds.length) return [];
    const rows = this.db
      .prepare(`SELECT ticket_id FROM requester_cards WHERE ticket_id IN (${ticketIds.map(() => '?').join(',')})`)
      .all(...ticketIds) as { ticket_id: number }[];
    return rows.map((r) => r.ticket_id);
  }
}
