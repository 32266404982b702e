/** Satisfaction surveys, on either engine: one answer per ticket, changeable within a window. */
import type { OutboxItem } from '../domain/ports';
import type { SurveyRepository, SurveySaveResult } from '../domain/survey';
import type { NewEvent } from '../domain/tickets/model';
import { insertOutbox } from './outbox-insert';
import { toAnswer, type SurveyRow } from './rows';
import type { Sql } from './sql';
import { appendEvents } from './ticket-events';

const BY_TICKET = 'SELECT * FROM satisfaction_surveys WHERE ticket_id = ?';

export class SqlSurveyRepository implements SurveyRepository {
  constructor(private readonly q: Sql) {}

  async get(ticketId: number) {
    const r = await this.q.one<SurveyRow>(BY_TICKET, [ticketId]);
    return r ? toAnswer(r) : null;
  }

  async save(
    input: { ticketId: number; requesterOid: string; score: number; comment?: string; at: Date },
    opts: { windowMs: number; lowScore: boolean },
    events: NewEvent[],
    lowScoreEffects: OutboxItem[],
  ): Promise<SurveySaveResult> {
    return this.q.tx(async (q) => {
      // The ticket's row lock (PostgreSQL) serializes answers to one survey and its history chain.
      await q.one(`SELECT 1 FROM tickets WHERE id = ?${q.forUpdate}`, [input.ticketId]);
      const existing = await q.one<SurveyRow>(BY_TICKET, [input.ticketId]);
      if (existing && input.at.getTime() - new Date(existing.answered_at).getTime() > opts.windowMs) {
        return { outcome: 'locked' as const, answer: toAnswer(existing) };
      }
      const notify = opts.lowScore && !existing?.low_score_notified_at;
      const notifiedAt = notify ? input.at : null;
      if (existing) {
        await q.run(
          'UPDATE satisfaction_surveys SET score = ?, comment = ?, updated_at = ?, low_score_notified_at = coalesce(low_score_notified_at, ?) WHERE ticket_id = ?',
          [input.score, input.comment ?? null, input.at, notifiedAt, input.ticketId],
        );
      } else {
        await q.run(
          'INSERT INTO satisfaction_surveys (ticket_id, requester_oid, score, comment, answered_at, updated_at, low_score_notified_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [input.ticketId, input.requesterOid, input.score, input.comment ?? null, input.at, input.at, notifiedAt],
        );
      }
      await appendEvents(q, input.ticketId, events.map((e) => ({ ...e, data: { ...e.data, changed: !!existing } })));
      if (notify) await insertOutbox(q, lowScoreEffects, input.at);
      const row = (await q.one<SurveyRow>(BY_TICKET, [input.ticketId]))!;
      return { outcome: existing ? ('changed' as const) : ('saved' as const), answer: toAnswer(row) };
    });
  }
}
