/** SQLite adapters for SLAs (#12): alert candidates and state, satisfaction surveys, supervisors, report data. */
import type { Db } from './db';
import { immediate } from './db';
import type { OutboxItem, SlaRepository, StaffDirectory } from '../domain/ports';
import type { SlaAlertKind } from '../domain/sla/ticket-sla';
import type { SurveyRepository, SurveySaveResult } from '../domain/survey';
import type { NewEvent, Ticket } from '../domain/tickets/model';
import { insertOutbox } from './sqlite-outbox';
import { appendEvents } from './sqlite-tickets';
import { toTicket, type Row } from './ticket-rows';
import { toAnswer, type SurveyRow } from './rows';

const ALERT_COLUMN: Record<SlaAlertKind, string> = {
  first_response_warning: 'first_response_warned_at',
  first_response_breach: 'first_response_breached_at',
  resolution_warning: 'resolution_warned_at',
  resolution_breach: 'resolution_breached_at',
};

export class SqliteSlaRepository implements SlaRepository {
  private readonly candidates;
  constructor(private readonly db: Db) {
    // Running tickets (clock not paused) with a warn/due time passed and its alert not recorded.
    this.candidates = db.prepare(`
      SELECT * FROM tickets
      WHERE status IN ('new', 'assigned', 'in_progress') AND sla_paused_at IS NULL AND id > @afterId
        AND ((first_response_at IS NULL AND first_response_breached_at IS NULL
              AND ((first_response_warned_at IS NULL AND first_response_warn_at <= @now) OR first_response_due_at <= @now))
          OR (resolution_breached_at IS NULL
              AND ((resolution_warned_at IS NULL AND resolution_warn_at <= @now) OR resolution_due_at <= @now)))
      ORDER BY id LIMIT @limit`);
  }

  async alertCandidates(now: Date, limit: number, afterId: number): Promise<Ticket[]> {
    return (this.candidates.all({ now: now.toISOString(), limit, afterId }) as Row[]).map(toTicket);
  }

  async recordAlert(ticketId: number, alert: SlaAlertKind, at: Date, events: NewEvent[], effects: OutboxItem[]): Promise<boolean> {
    const col = ALERT_COLUMN[alert];
    // A breach also closes its warning: no warning after the fact.
    const warned = alert === 'first_response_breach' ? ', first_response_warned_at = coalesce(first_response_warned_at, @at)' : alert === 'resolution_breach' ? ', resolution_warned_at = coalesce(resolution_warned_at, @at)' : '';
    return immediate(this.db, () => {
      const res = this.db.prepare(`UPDATE tickets SET ${col} = @at${warned} WHERE id = @id AND ${col} IS NULL`).run({ at: at.toISOString(), id: ticketId });
      if (res.changes === 0) return false;
      appendEvents(this.db, ticketId, events);
      insertOutbox(this.db, effects, at);
      return true;
    });
  }
}

export class SqliteSurveyRepository implements SurveyRepository {
  constructor(private readonly db: Db) {}

  async get(ticketId: number) {
    const r = this.db.prepare('SELECT * FROM satisfaction_surveys WHERE ticket_id = ?').get(ticketId) as SurveyRow | undefined;
    return r ? toAnswer(r) : null;
  }

  async save(
    input: { ticketId: number; requesterOid: string; score: number; comment?: string; at: Date },
    opts: { windowMs: number; lowScore: boolean },
    events: NewEvent[],
    lowScoreEffects: OutboxItem[],
  ): Promise<SurveySaveResult> {
    return immediate(this.db, () => {
      const at = input.at.toISOString();
      const existing = this.db.prepare('SELECT * FROM satisfaction_surveys WHERE ticket_id = ?').get(input.ticketId) as SurveyRow | undefined;
      if (existing && input.at.getTime() - new Date(existing.answered_at).getTime() > opts.windowMs) {
        return { outcome: 'locked' as const, answer: toAnswer(existing) };
      }
      const notify = opts.lowScore && !existing?.low_score_notified_at;
      if (existing) {
        this.db
          .prepare('UPDATE satisfaction_surveys SET score = ?, comment = ?, updated_at = ?, low_score_notified_at = coalesce(low_score_notified_at, ?) WHERE ticket_id = ?')
          .run(input.score, input.comment ?? null, at, notify ? at : null, input.ticketId);
      } else {
        this.db
          .prepare('INSERT INTO satisfaction_surveys (ticket_id, requester_oid, score, comment, answered_at, updated_at, low_score_notified_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(input.ticketId, input.requesterOid, input.score, input.comment ?? null, at, at, notify ? at : null);
      }
      appendEvents(this.db, input.ticketId, events.map((e) => ({ ...e, data: { ...e.data, changed: !!existing } })));
      if (notify) insertOutbox(this.db, lowScoreEffects, input.at);
      const row = this.db.prepare('SELECT * FROM satisfaction_surveys WHERE ticket_id = ?').get(input.ticketId) as SurveyRow;
      return { outcome: existing ? ('changed' as const) : ('saved' as const), answer: toAnswer(row) };
    });
  }
}

/**
 * Supervisors: the directory file's users with the supervisor role plus every cached profile
 * (Graph groups, job titles) that carries it; reachable when a 1:1 conversation reference exists.
 */
export class SqliteStaffDirectory implements StaffDirectory {
  constructor(private readonly db: Db, private readonly fromDirectory: () => { oid?: string; name?: string }[]) {}

  async supervisors(tenantId: string) {
    const byOid = new Map<string, { oid: string; name: string }>();
    for (const u of this.fromDirectory()) if (u.oid) byOid.set(u.oid, { oid: u.oid, name: u.name ?? '' });
    const rows = this.db.prepare(`SELECT oid, tenant_id, data FROM profiles WHERE data LIKE '%supervisor%'`).all() as { oid: string; tenant_id: string; data: string }[];
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
    return !!this.db.prepare('SELECT 1 FROM conversation_refs WHERE key = ?').get(`user:${oid}`);
  }
}

/** Tickets and their survey scores for the reports: what the metrics and the CSV export read. */
export class SqliteReportData {
  constructor(private readonly db: Db) {}

  /**
   * Open tickets and tickets created or resolved since `since`, with their survey. (A closed ticket
   * was resolved first; a cancelled one never counts as finished.) Each branch uses an index.
   */
  async forMetrics(since: Date): Promise<{ ticket: Ticket; survey?: { score: number } }[]> {
    const s = since.toISOString();
    const rows = this.db
      .prepare(
        `SELECT t.*, s.score AS survey_score FROM tickets t LEFT JOIN satisfaction_surveys s ON s.ticket_id = t.id
         WHERE t.id IN (SELECT id FROM tickets WHERE status IN ('new', 'assigned', 'in_progress', 'waiting_user')
                        UNION SELECT id FROM tickets WHERE created_at >= ?
                        UNION SELECT id FROM tickets WHERE resolved_at >= ?)`,
      )
      .all(s, s) as (Row & { survey_score: number | null })[];
    return rows.map((r) => ({ ticket: toTicket(r), survey: r.survey_score == null ? undefined : { score: r.survey_score } }));
  }

  /** Tickets created in [from, to), oldest first, with their survey answer. */
  async createdBetween(from: Date, to: Date): Promise<{ ticket: Ticket; survey?: { score: number; comment?: string } }[]> {
    const rows = this.db
      .prepare(
        `SELECT t.*, s.score AS survey_score, s.comment AS survey_comment FROM tickets t
         LEFT JOIN satisfaction_surveys s ON s.ticket_id = t.id
         WHERE t.created_at >= ? AND t.created_at < ? ORDER BY t.id`,
      )
      .all(from.toISOString(), to.toISOString()) as (Row & { survey_score: number | null; survey_comment: string | null })[];
    return rows.map((r) => ({
      ticket: toTicket(r),
      survey: r.survey_score == null ? undefined : { score: r.survey_score, comment: r.survey_comment ?? undefined },
    }));
  }
}
