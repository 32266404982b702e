/** Tickets and their survey answers for the reports, on either engine: what the metrics and the CSV export read. */
import type { ApprovalFacts, IncidentFacts, ReportDataSource } from '../domain/reports/metrics';
import type { Ticket } from '../domain/tickets/model';
import type { Sql } from './sql';
import { ACTIVE_SQL, toTicket, type Row } from './ticket-rows';

type WithSurvey = Row & {
  survey_score: number | null;
  survey_comment: string | null;
  approval_requested_at: string | null;
  approval_decided_at: string | null;
  approval_decision: string | null;
  approval_by: string | null;
  approval_for: string | null;
  incident_radicado?: string | null;
  is_master?: number | null;
};

/** The request's approval, joined to each ticket row. */
const APPROVAL_COLUMNS = `a.requested_at AS approval_requested_at, a.decided_at AS approval_decided_at, a.decision AS approval_decision,
  a.decided_by_name AS approval_by, a.on_behalf_of_name AS approval_for`;
const APPROVAL_JOIN = 'LEFT JOIN ticket_approvals a ON a.ticket_id = t.id';

function approvalOf(r: WithSurvey): ApprovalFacts | undefined {
  if (!r.approval_requested_at) return undefined;
  return {
    requestedAt: new Date(r.approval_requested_at),
    decidedAt: r.approval_decided_at ? new Date(r.approval_decided_at) : undefined,
    decision: (r.approval_decision ?? undefined) as ApprovalFacts['decision'],
    decidedBy: r.approval_by ? (r.approval_for ? `${r.approval_by} (${r.approval_for})` : r.approval_by) : undefined,
  };
}

export class SqlReportData implements ReportDataSource {
  constructor(private readonly q: Sql) {}

  /**
   * Open tickets and tickets created or resolved since `since`, with their survey, by id. (A closed
   * ticket was resolved first; a cancelled one never counts as finished.) Each branch uses an index.
   */
  async forMetrics(since: Date): Promise<{ ticket: Ticket; survey?: { score: number }; approval?: ApprovalFacts }[]> {
    const rows = await this.q.all<WithSurvey>(
      `SELECT t.*, s.score AS survey_score, ${APPROVAL_COLUMNS} FROM tickets t LEFT JOIN satisfaction_surveys s ON s.ticket_id = t.id ${APPROVAL_JOIN}
       WHERE t.id IN (SELECT id FROM tickets WHERE status IN (${ACTIVE_SQL})
                      UNION SELECT id FROM tickets WHERE created_at >= ?
                      UNION SELECT id FROM tickets WHERE resolved_at >= ?)
       ORDER BY t.id`,
      [since, since],
    );
    return rows.map((r) => ({ ticket: toTicket(r), survey: r.survey_score == null ? undefined : { score: r.survey_score }, approval: approvalOf(r) }));
  }

  /** Tickets created in [from, to), oldest first, with their survey answer. */
  async createdBetween(from: Date, to: Date): Promise<{ ticket: Ticket; survey?: { score: number; comment?: string }; approval?: ApprovalFacts; incident?: IncidentFacts }[]> {
    const rows = await this.q.all<WithSurvey>(
      `SELECT t.*, s.score AS survey_score, s.comment AS survey_comment, ${APPROVAL_COLUMNS},
         (SELECT mt.radicado FROM tickets mt WHERE mt.id = t.major_incident_id) AS incident_radicado,
         (SELECT count(*) FROM major_incidents m WHERE m.master_ticket_id = t.id) AS is_master
       FROM tickets t
       LEFT JOIN satisfaction_surveys s ON s.ticket_id = t.id ${APPROVAL_JOIN}
       WHERE t.created_at >= ? AND t.created_at < ? ORDER BY t.id`,
      [from, to],
    );
    return rows.map((r) => ({
      ticket: toTicket(r),
      survey: r.survey_score == null ? undefined : { score: r.survey_score, comment: r.survey_comment ?? undefined },
      approval: approvalOf(r),
      incident: Number(r.is_master) > 0 ? { master: true } : r.incident_radicado ? { master: false, linkedTo: r.incident_radicado } : undefined,
    }));
  }
}
