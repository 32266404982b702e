/** PostgreSQL adapters for SLAs (#12): alert candidates and state, satisfaction surveys, supervisors, report data; requesters' cards. */
import type { OutboxItem, RequesterCard, RequesterCardRepository, SlaRepository, StaffDirectory } from '../../domain/ports';
import type { SlaAlertKind } from '../../domain/sla/ticket-sla';
import type { SurveyRepository, SurveySaveResult } from '../../domain/survey';
import type { NewEvent, Ticket } from '../../domain/tickets/model';
import { toTicket, type Row } from '../ticket-rows';
import { pgTx, type PgPool } from './pg-db';
import { insertOutboxPg } from './pg-outbox';
import { insertEvents } from './pg-tickets';
import { toAnswer, type SurveyRow } from '../rows';

const ALERT_COLUMN: Record<SlaAlertKind, string> = {
  first_response_warning: 'first_response_warned_at',
  first_response_breach: 'first_response_breached_at',
  resolution_warning: 'resolution_warned_at',
  resolution_breach: 'resolution_breached_at',
};

export class PgSlaRepository implements SlaRepository {
  constructor(private readonly pool: PgPool) {}

  async alertCandidates(now: Date, limit: number, afterId: number): Promise<Ticket[]> {
    const rows = (
      await this.pool.query<Row>(
        `SELECT * FROM tickets
         WHERE status IN ('new', 'assigned', 'in_progress') AND sla_paused_at IS NULL AND id > $3
           AND ((first_response_at IS NULL AND first_response_breached_at IS NULL
                 AND ((first_response_warned_at IS NULL AND first_response_warn_at <= $1) OR first_response_due_at <= $1))
             OR (resolution_breached_at IS NULL
                 AND ((resolution_warned_at IS NULL AND resolution_warn_at <= $1) OR resolution_due_at <= $1)))
         ORDER BY id LIMIT $2`,
        [now, limit, afterId],
      )
    ).rows;
    return rows.map(toTicket);
  }

  /** The conditional UPDATE row-locks the ticket: of two instances recording the same alert, one wins. */
  async recordAlert(ticketId: number, alert: SlaAlertKind, at: Date, events: NewEvent[], effects: OutboxItem[]): Promise<boolean> {
    const col = ALERT_COLUMN[alert];
    // A breach also closes its warning: no warning after the fact.
    const warned =
      alert === 'first_response_breach' ? ', first_response_warned_at = coalesce(first_response_warned_at, $1)' : alert === 'resolution_breach' ? ', resolution_warned_at = coalesce(resolution_warned_at, $1)' : '';
    return pgTx(this.pool, async (c) => {
      const res = await c.query(`UPDATE tickets SET ${col} = $1${warned} WHERE id = $2 AND ${col} IS NULL`, [at, ticketId]);
      if (res.rowCount === 0) return false;
      await insertEvents(c, ticketId, events);
      await insertOutboxPg(c, effects, at);
      return true;
    });
  }
}

export class PgSurveyRepository implements SurveyRepository {
  constructor(private readonly pool: PgPool) {}

  async get(ticketId: number) {
    const r = (await this.pool.query<SurveyRow>('SELECT * FROM satisfaction_surveys WHERE ticket_id = $1', [ticketId])).rows[0];
    return r ? toAnswer(r) : null;
  }

  async save(
    input: { ticketId: number; requesterOid: string; score: number; comment?: string; at: Date },
    opts: { windowMs: number; lowScore: boolean },
    events: NewEvent[],
    lowScoreEffects: OutboxItem[],
  ): Promise<SurveySaveResult> {
    return pgTx(this.pool, async (c) => {
      // The ticket's row lock serializes answers to one survey (and its history chain).
      await c.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [input.ticketId]);
      const existing = (await c.query<SurveyRow>('SELECT * FROM satisfaction_surveys WHERE ticket_id = $1', [input.ticketId])).rows[0];
      if (existing && input.at.getTime() - new Date(existing.answered_at).getTime() > opts.windowMs) {
        return { outcome: 'locked' as const, answer: toAnswer(existing) };
      }
      const notify = opts.lowScore && !existing?.low_score_notified_at;
      if (existing) {
        await c.query(
          'UPDATE satisfaction_surveys SET score = $1, comment = $2, updated_at = $3, low_score_notified_at = coalesce(low_score_notified_at, $4) WHERE ticket_id = $5',
          [input.score, input.comment ?? null, input.at, notify ? input.at : null, input.ticketId],
        );
      } else {
        await c.query(
          'INSERT INTO satisfaction_surveys (ticket_id, requester_oid, score, comment, answered_at, updated_at, low_score_notified_at) VALUES ($1, $2, $3, $4, $5, $5, $6)',
          [input.ticketId, input.requesterOid, input.score, input.comment ?? null, input.at, notify ? input.at : null],
        );
      }
      await insertEvents(c, input.ticketId, events.map((e) => ({ ...e, data: { ...e.data, changed: !!existing } })));
      if (notify) await insertOutboxPg(c, lowScoreEffects, input.at);
      const row = (await c.query<SurveyRow>('SELECT * FROM satisfaction_surveys WHERE ticket_id = $1', [input.ticketId])).rows[0];
      return { outcome: existing ? ('changed' as const) : ('saved' as const), answer: toAnswer(row) };
    });
  }
}

/** Supervisors: the directory file's plus cached profiles with the supervisor role; reachable with a 1:1 reference. */
export class PgStaffDirectory implements StaffDirectory {
  constructor(private readonly pool: PgPool, private readonly fromDirectory: () => { oid?: string; name?: string }[]) {}

  async supervisors(tenantId: string) {
    const byOid = new Map<string, { oid: string; name: string }>();
    for (const u of this.fromDirectory()) if (u.oid) byOid.set(u.oid, { oid: u.oid, name: u.name ?? '' });
    const rows = (await this.pool.query<{ oid: string; tenant_id: string; data: string }>(`SELECT oid, tenant_id, data FROM profiles WHERE data LIKE '%supervisor%'`)).rows;
    for (const r of rows) {
      try {
        const p = JSON.parse(r.data) as { name?: string; roles?: string[] };
        if (r.tenant_id === tenantId && p.roles?.includes('supervisor')) byOid.set(r.oid, { oid: r.oid, name: p.name ?? byOid.get(r.oid)?.name ?? '' });
      } catch {
        /* a corrupt cached profile is not a supervisor */
      }
    }
    return [...byOid.values()];
  }

  async reachable(oid: string) {
    return (await this.pool.query('SELECT 1 FROM conversation_refs WHERE key = $1', [`user:${oid}`])).rowCount === 1;
  }
}

/** Tickets and their survey scores for the reports (metrics and CSV export). */
export class PgReportData {
  constructor(private readonly pool: PgPool) {}

  async forMetrics(since: Date): Promise<{ ticket: Ticket; survey?: { score: number } }[]> {
    const rows = (
      await this.pool.query<Row & { survey_score: number | null }>(
        `SELECT t.*, s.score AS survey_score FROM tickets t LEFT JOIN satisfaction_surveys s ON s.ticket_id = t.id
         WHERE t.id IN (SELECT id FROM tickets WHERE status IN ('new', 'assigned', 'in_progress', 'waiting_user')
                        UNION SELECT id FROM tickets WHERE created_at >= $1
                        UNION SELECT id FROM tickets WHERE resolved_at >= $1)
         ORDER BY t.id`,
        [since],
      )
    ).rows;
    return rows.map((r) => ({ ticket: toTicket(r), survey: r.survey_score == null ? undefined : { score: r.survey_score } }));
  }

  async createdBetween(from: Date, to: Date): Promise<{ ticket: Ticket; survey?: { score: number; comment?: string } }[]> {
    const rows = (
      await this.pool.query<Row & { survey_score: number | null; survey_comment: string | null }>(
        `SELECT t.*, s.score AS survey_score, s.comment AS survey_comment FROM tickets t
         LEFT JOIN satisfaction_surveys s ON s.ticket_id = t.id
         WHERE t.created_at >= $1 AND t.created_at < $2 ORDER BY t.id`,
        [from, to],
      )
    ).rows;
    return rows.map((r) => ({ ticket: toTicket(r), survey: r.survey_score == null ? undefined : { score: r.survey_score, comment: r.survey_comment ?? undefined } }));
  }
}

/** Where each requester's confirmation card is, so the outbox can update it in place. */
export class PgRequesterCards implements RequesterCardRepository {
  constructor(private readonly pool: PgPool) {}

  async save(card: RequesterCard, at: Date) {
    await this.pool.query(
      `INSERT INTO requester_cards (ticket_id, conversation_id, activity_id, user_id, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (ticket_id) DO UPDATE SET conversation_id = excluded.conversation_id, activity_id = excluded.activity_id,
         user_id = excluded.user_id, updated_at = excluded.updated_at`,
      [card.ticketId, card.conversationId, card.activityId, card.userId, at],
    );
  }

  async get(ticketId: number) {
    const r = (await this.pool.query<{ ticket_id: number; conversation_id: string; activity_id: string; user_id: string }>('SELECT * FROM requester_cards WHERE ticket_id = $1', [ticketId])).rows[0];
    return r ? { ticketId: r.ticket_id, conversationId: r.conversation_id, activityId: r.activity_id, userId: r.user_id } : null;
  }

  async withCards(ticketIds: number[]) {
    if (!ticketIds.length) return [];
    return (await this.pool.query<{ ticket_id: number }>('SELECT ticket_id FROM requester_cards WHERE ticket_id = ANY($1::bigint[])', [ticketIds])).rows.map((r) => r.ticket_id);
  }
}
