/** Where each requester's confirmation card is, on either engine, so the outbox can update it in place. */
import type { RequesterCard, RequesterCardRepository } from '../domain/ports';
import { placeholders, type Sql } from './sql';

export class SqlRequesterCards implements RequesterCardRepository {
  constructor(private readonly q: Sql) {}

  async save(card: RequesterCard, at: Date) {
    await this.q.run(
      `INSERT INTO requester_cards (ticket_id, conversation_id, activity_id, user_id, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (ticket_id) DO UPDATE SET conversation_id = excluded.conversation_id, activity_id = excluded.activity_id,
         user_id = excluded.user_id, updated_at = excluded.updated_at`,
      [card.ticketId, card.conversationId, card.activityId, card.userId, at],
    );
  }

  async get(ticketId: number) {
    const r = await this.q.one<{ ticket_id: number; conversation_id: string; activity_id: string; user_id: string }>(
      'SELECT ticket_id, conversation_id, activity_id, user_id FROM requester_cards WHERE ticket_id = ?',
      [ticketId],
    );
    return r ? { ticketId: r.ticket_id, conversationId: r.conversation_id, activityId: r.activity_id, userId: r.user_id } : null;
  }

  async withCards(ticketIds: number[]) {
    if (!ticketIds.length) return [];
    const rows = await this.q.all<{ ticket_id: number }>(`SELECT ticket_id FROM requester_cards WHERE ticket_id IN (${placeholders(ticketIds)})`, ticketIds);
    return rows.map((r) => r.ticket_id);
  }
}
