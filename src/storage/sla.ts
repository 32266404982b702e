/** SLA alerts, on either engine: the tickets whose warning or due time has passed, and recording each alert once. */
import type { OutboxItem, SlaRepository } from '../domain/ports';
import type { SlaAlertKind } from '../domain/sla/ticket-sla';
import type { NewEvent, Ticket } from '../domain/tickets/model';
import { insertOutbox } from './outbox-insert';
import type { Sql } from './sql';
import { appendEvents } from './ticket-events';
import { toTicket, type Row } from './ticket-rows';

const ALERT_COLUMN: Record<SlaAlertKind, string> = {
  first_response_warning: 'first_response_warned_at',
  first_response_breach: 'first_response_breached_at',
  resolution_warning: 'resolution_warned_at',
  resolution_breach: 'resolution_breached_at',
};

/** A breach also closes its warning: no warning after the fact. */
const WARNING_OF_BREACH: Partial<Record<SlaAlertKind, string>> = {
  first_response_breach: 'first_response_warned_at',
  resolution_breach: 'resolution_warned_at',
};

export class SqlSlaRepository implements SlaRepository {
  constructor(private readonly q: Sql) {}

  /**
   * Running tickets (clock not paused) with a warn/due time passed and its alert not recorded, in a
   * range of ids: the times are compared on each running ticket's row of the range (along
   * tickets_open), so the range bounds the work of one statement.
   */
  async alertCandidates(now: Date, limit: number, afterId: number, throughId: number): Promise<Ticket[]> {
    const rows = await this.q.all<Row>(
      `SELECT * FROM tickets
       WHERE status IN ('new', 'assigned', 'in_progress') AND sla_paused_at IS NULL AND id > ? AND id <= ?
         AND ((first_response_at IS NULL AND first_response_breached_at IS NULL
               AND ((first_response_warned_at IS NULL AND first_response_warn_at <= ?) OR first_response_due_at <= ?))
           OR (resolution_breached_at IS NULL
               AND ((resolution_warned_at IS NULL AND resolution_warn_at <= ?) OR resolution_due_at <= ?)))
       ORDER BY id LIMIT ?`,
      [afterId, throughId, now, now, now, now, limit],
    );
    return rows.map(toTicket);
  }

  async lastTicketId(): Promise<number> {
    return (await this.q.one<{ id: number | null }>('SELECT max(id) AS id FROM tickets'))?.id ?? 0;
  }

  /**
   * Records the alert once, with its history and deliveries. The conditional UPDATE decides: on
   * PostgreSQL it row-locks the ticket, so of two instances recording the same alert one wins.
   */
  async recordAlert(ticketId: number, alert: SlaAlertKind, at: Date, events: NewEvent[], effects: OutboxItem[]): Promise<boolean> {
    const col = ALERT_COLUMN[alert];
    const warning = WARNING_OF_BREACH[alert];
    const also = warning ? `, ${warning} = coalesce(${warning}, ?)` : '';
    return this.q.tx(async (q) => {
      const res = await q.run(`UPDATE tickets SET ${col} = ?${also} WHERE id = ? AND ${col} IS NULL`, warning ? [at, at, ticketId] : [at, ticketId]);
      if (res.changes === 0) return false;
      await appendEvents(q, ticketId, events);
      await insertOutbox(q, effects, at);
      return true;
    });
  }
}
