/** Tickets and their survey answers for the reports, on either engine: what the metrics and the CSV export read. */
import type { ReportDataSource } from '../domain/reports/metrics';
import type { Ticket } from '../domain/tickets/model';
import type { Sql } from './sql';
import { toTicket, type Row } from './ticket-rows';

type WithSurvey = Row & { survey_score: number | null; survey_comment: string | null };

export class SqlReportData implements ReportDataSource {
  constructor(private readonly q: Sql) {}

  /**
   * Open tickets and tickets created or resolved since `since`, with their survey, by id. (A closed
   * ticket was resolved first; a cancelled one never counts as finished.) Each branch uses an index.
   */
  async forMetrics(since: Date): Promise<{ ticket: Ticket; survey?: { score: number } }[]> {
    const rows = await this.q.all<WithSurvey>(
      `SELECT t.*, s.score AS survey_score FROM tickets t LEFT JOIN satisfaction_surveys s ON s.ticket_id = t.id
       WHERE t.id IN (SELECT id FROM tickets WHERE status IN ('new', 'assigned', 'in_progress', 'waiting_user')
                      UNION SELECT id FROM tickets WHERE created_at >= ?
                      UNION SELECT id FROM tickets WHERE resolved_at >= ?)
       ORDER BY t.id`,
      [since, since],
    );
    return rows.map((r) => ({ ticket: toTicket(r), survey: r.survey_score == null ? undefined : { score: r.survey_score } }));
  }

  /** Tickets created in [from, to), oldest first, with their survey answer. */
  async createdBetween(from: Date, to: Date): Promise<{ ticket: Ticket; survey?: { score: number; comment?: string } }[]> {
    const rows = await this.q.all<WithSurvey>(
      `SELECT t.*, s.score AS survey_score, s.comment AS survey_comment FROM tickets t
       LEFT JOIN satisfaction_surveys s ON s.ticket_id = t.id
       WHERE t.created_at >= ? AND t.created_at < ? ORDER BY t.id`,
      [from, to],
    );
    return rows.map((r) => ({
      ticket: toTicket(r),
      survey: r.survey_score == null ? undefined : { score: r.survey_score, comment: r.survey_comment ?? undefined },
    }));
  }
}
