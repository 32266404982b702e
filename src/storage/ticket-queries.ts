/**
 * The reads of the ticket repository (both engines): tickets by key, the requester's and the queue's
 * lists, queue positions, takes and a ticket's events. The writes are in tickets.ts.
 */
import { OPEN_COUNT_CAP, type ListOptions, type OpenFilter } from '../domain/ports';
import { RUNNING_STATUSES } from '../domain/sla/ticket-sla';
import type { Ticket, TicketEvent } from '../domain/tickets/model';
import type { QueueScope } from '../domain/queue/position';
import type { HistoryRow } from './history-hash';
import { placeholders, type Sql } from './sql';
import { ACTIVE_SQL, OPEN_SQL, scopeSql, summaryColumns, toSummary, toTicket, WAITING, type Row, type SummaryRow } from './ticket-rows';

/** The columns of a stored event the domain sees. */
type EventRow = Pick<HistoryRow, 'id' | 'ticket_id' | 'at' | 'actor_oid' | 'actor_name' | 'kind' | 'data'>;

const toEvent = (r: EventRow): TicketEvent => ({
  id: r.id,
  ticketId: r.ticket_id,
  at: new Date(r.at),
  actor: r.actor_oid ? { oid: r.actor_oid, name: r.actor_name ?? '' } : undefined,
  kind: r.kind as TicketEvent['kind'],
  data: JSON.parse(r.data),
});

/**
 * SQLite only: the look-up of a ticket's earlier assignments goes along (ticket_id, id). Without
 * statistics SQLite's planner takes the (kind, id) index instead and walks every earlier assignment
 * of every ticket for each row (seconds instead of a fraction of a millisecond with 100,000
 * tickets); PostgreSQL's planner has statistics and no such hint.
 */
const byTicketIndex = (q: Sql) => (q.engine === 'sqlite' ? ' INDEXED BY ticket_events_ticket' : '');

/** SQLite: the partial index of waiting tickets a queue position is counted along (see queuePosition). */
function waitingIndex(scope?: QueueScope): string {
  if (!scope) return ' INDEXED BY tickets_waiting_order';
  return 'include' in scope ? '' : ' INDEXED BY tickets_waiting_route_order';
}

const SUMMARY_SQL = summaryColumns('t');

export class TicketQueries {
  constructor(protected readonly q: Sql) {}

  protected async ticket(sql: string, args: readonly unknown[]): Promise<Ticket | null> {
    const r = await this.q.one<Row>(sql, args);
    return r ? toTicket(r) : null;
  }

  protected async tickets(sql: string, args: readonly unknown[]): Promise<Ticket[]> {
    return (await this.q.all<Row>(sql, args)).map(toTicket);
  }

  private async count(sql: string, args: readonly unknown[]): Promise<number> {
    return (await this.q.one<{ n: number }>(sql, args))!.n;
  }

  get(id: number) {
    return this.ticket('SELECT * FROM tickets WHERE id = ?', [id]);
  }

  findBySubmission(key: string) {
    return this.ticket('SELECT * FROM tickets WHERE submission_key = ?', [key]);
  }

  /** The first ticket with that queue card (ordered, so both engines answer alike). */
  findByQueueActivity(activityId: string) {
    return this.ticket('SELECT * FROM tickets WHERE queue_activity_id = ? ORDER BY id LIMIT 1', [activityId]);
  }

  getByRadicado(radicado: string) {
    return this.ticket('SELECT * FROM tickets WHERE radicado = ?', [radicado]);
  }

  async findAddition(key: string) {
    const r = await this.q.one<{ ticket_id: number }>('SELECT ticket_id FROM ticket_additions WHERE submission_key = ?', [key]);
    return r ? r.ticket_id : null;
  }

  /** Active tickets first (open or awaiting approval; oldest first), then the others (newest first). */
  async listByRequester(oid: string, opts: ListOptions) {
    const items = await this.tickets(
      `SELECT * FROM tickets WHERE requester_oid = ?
       ORDER BY CASE WHEN status IN (${ACTIVE_SQL}) THEN 0 ELSE 1 END,
                CASE WHEN status IN (${ACTIVE_SQL}) THEN id ELSE -id END
       LIMIT ? OFFSET ?`,
      [oid, opts.limit, opts.offset ?? 0],
    );
    return { items, total: await this.count('SELECT count(*) AS n FROM tickets WHERE requester_oid = ?', [oid]) };
  }

  listOpenByRequester(oid: string, limit: number) {
    return this.tickets(`SELECT * FROM tickets WHERE requester_oid = ? AND status IN (${OPEN_SQL}) ORDER BY id DESC LIMIT ?`, [oid, limit]);
  }

  async listOpen(opts: ListOptions & { tenantId: string; categoryIds?: string[] | null; filter?: OpenFilter }) {
    const cats = opts.categoryIds ?? null;
    const narrow = filterSql(opts.filter);
    const where = `tenant_id = ? AND status IN (${OPEN_SQL})` + (cats ? ` AND route_category_id IN (${placeholders(cats)})` : '') + narrow.sql;
    const args = [opts.tenantId, ...(cats ?? []), ...narrow.args];
    // The page is chosen along the index (ids and queue order only), then its rows are read: sorting
    // whole rows to pick a page was 5.6 ms for page 100 of 100,000 open tickets (1.1 ms this way).
    // A list shows a summary of each: its columns only (a page of 15 whole rows was ~130 µs of the
    // queue view at 100,000 open tickets on SQLite, ~70 µs this way).
    const rows = await this.q.all<SummaryRow>(
      `SELECT ${SUMMARY_SQL} FROM (SELECT id, queue_order FROM tickets WHERE ${where} ORDER BY queue_order, id LIMIT ? OFFSET ?) page
       JOIN tickets t ON t.id = page.id ORDER BY page.queue_order, page.id`,
      [...args, opts.limit, opts.offset ?? 0],
    );
    const items = rows.map(toSummary);
    // Counted up to one past the cap: enough to say "more than", without reading the whole backlog.
    const n = await this.count(`SELECT count(*) AS n FROM (SELECT 1 FROM tickets WHERE ${where} LIMIT ?) c`, [...args, OPEN_COUNT_CAP + 1]);
    return { items, total: Math.min(n, OPEN_COUNT_CAP), totalCapped: n > OPEN_COUNT_CAP };
  }

  /**
   * Counted along the partial indexes of waiting tickets in queue order (tickets_waiting_order,
   * tickets_waiting_route_order). Ties of queue order (none today) fall back to the id.
   */
  async queuePosition(ticket: Ticket, scope?: QueueScope) {
    if (ticket.status !== 'new' || ticket.imported) return null;
    const w = scope ? scopeSql(scope) : { sql: '1 = 1', args: [] };
    // Without statistics SQLite's planner prefers tickets_open (status = 'new') and reads every new
    // ticket's row; the partial indexes hold exactly the waiting ones, so the count reads index entries
    // only: in queue order for the whole queue, with the category beside it for a scope (the planner
    // finds that one by itself for a scope that names its categories).
    const along = this.q.engine === 'sqlite' ? waitingIndex(scope) : '';
    return this.count(
      `SELECT count(*) AS n FROM tickets${along}, (SELECT queue_order AS qo FROM tickets WHERE id = ?) me
       WHERE ${WAITING} AND ${w.sql} AND (queue_order < me.qo OR (queue_order = me.qo AND id <= ?))`,
      [ticket.id, ...w.args, ticket.id],
    );
  }

  waitingAfter(ticketId: number, scope: QueueScope, limit: number) {
    const w = scopeSql(scope);
    return this.tickets(
      `SELECT tickets.* FROM tickets, (SELECT queue_order AS qo FROM tickets WHERE id = ?) me
       WHERE ${WAITING} AND ${w.sql} AND (queue_order > me.qo OR (queue_order = me.qo AND id > ?)) ORDER BY queue_order, id LIMIT ?`,
      [ticketId, ...w.args, ticketId, limit],
    );
  }

  async recentTakes(scope: QueueScope, limit: number) {
    const w = scopeSql(scope, 't.');
    // Newest first along the (kind, id) index; only a ticket's first assignment is a take from the
    // queue (a re-assignment is not), checked per row along (ticket_id, id).
    const rows = await this.q.all<{ at: string }>(
      `SELECT e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
       WHERE e.kind = 'assigned' AND t.imported = 0 AND ${w.sql}
         AND NOT EXISTS (SELECT 1 FROM ticket_events p${byTicketIndex(this.q)} WHERE p.ticket_id = e.ticket_id AND p.id < e.id AND p.kind = 'assigned')
       ORDER BY e.id DESC LIMIT ?`,
      [...w.args, limit],
    );
    return rows.map((r) => new Date(r.at));
  }

  oldestUnassigned(tenantId: string, categoryIds: string[] | null) {
    // Imported cases of the previous service desk are never handed out by "siguiente".
    const where = `${WAITING} AND tenant_id = ?` + (categoryIds ? ` AND route_category_id IN (${placeholders(categoryIds)})` : '');
    return this.ticket(`SELECT * FROM tickets WHERE ${where} ORDER BY queue_order, id LIMIT 1`, [tenantId, ...(categoryIds ?? [])]);
  }

  /** The newest `limit` events (of these kinds), oldest first. */
  async events(ticketId: number, opts: { kinds?: string[]; limit?: number } = {}) {
    const kinds = opts.kinds;
    const where = 'ticket_id = ?' + (kinds ? ` AND kind IN (${placeholders(kinds)})` : '');
    const rows = await this.q.all<EventRow>(`SELECT * FROM (SELECT * FROM ticket_events WHERE ${where} ORDER BY id DESC LIMIT ?) e ORDER BY id`, [
      ticketId,
      ...(kinds ?? []),
      opts.limit ?? 1000,
    ]);
    return rows.map(toEvent);
  }

  countCreatedSince(requesterOid: string, since: Date) {
    return this.count('SELECT count(*) AS n FROM tickets WHERE requester_oid = ? AND created_at >= ?', [requesterOid, since]);
  }

  resolvedBefore(before: Date, limit: number) {
    return this.tickets(`SELECT * FROM tickets WHERE status = 'resolved' AND resolved_at < ? ORDER BY id LIMIT ?`, [before, limit]);
  }
}

/** The open list's filters as SQL (` AND …` over `?` placeholders). */
function filterSql(f: OpenFilter | undefined): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  if (f?.statuses?.length) {
    parts.push(`status IN (${placeholders(f.statuses)})`);
    args.push(...f.statuses);
  }
  if (f?.priorities?.length) {
    parts.push(`priority IN (${placeholders(f.priorities)})`);
    args.push(...f.priorities);
  }
  if (f?.assignee === 'none') parts.push('assignee_oid IS NULL');
  else if (f?.assignee) {
    parts.push('assignee_oid = ?');
    args.push(f.assignee.oid);
  }
  if (f?.createdBefore) {
    parts.push('created_at <= ?');
    args.push(f.createdBefore);
  }
  if (f?.sla) {
    const s = slaStateSql(f.sla.state, f.sla.now);
    parts.push(s.sql);
    args.push(...s.args);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), args };
}

/**
 * domain/sla/ticket-sla.ts `slaState()` in SQL, for open tickets at `now`: a missed target
 * (`breached`), else paused, else past a warning point (`warning`), else `ok`; `none` without an SLA.
 */
export function slaStateSql(state: 'ok' | 'warning' | 'breached' | 'paused' | 'none', now: Date): { sql: string; args: unknown[] } {
  const has = 'sla_first_response_minutes IS NOT NULL AND sla_resolution_minutes IS NOT NULL AND first_response_due_at IS NOT NULL AND resolution_due_at IS NOT NULL';
  if (state === 'none') return { sql: `NOT (${has})`, args: [] };
  const running = `(status IN (${RUNNING_STATUSES.map((x) => `'${x}'`).join(',')}) AND sla_paused_at IS NULL)`;
  const late = `(first_response_breached_at IS NOT NULL OR resolution_breached_at IS NOT NULL
    OR (first_response_at IS NOT NULL AND first_response_at > first_response_due_at)
    OR (first_response_at IS NULL AND ${running} AND first_response_due_at < ?)
    OR (${running} AND resolution_due_at < ?))`;
  const warned = `((first_response_at IS NULL AND (first_response_warned_at IS NOT NULL OR (${running} AND COALESCE(first_response_warn_at, first_response_due_at) <= ?)))
    OR resolution_warned_at IS NOT NULL OR (${running} AND COALESCE(resolution_warn_at, resolution_due_at) <= ?))`;
  if (state === 'breached') return { sql: `(${has}) AND ${late}`, args: [now, now] };
  if (state === 'paused') return { sql: `(${has}) AND NOT ${late} AND sla_paused_at IS NOT NULL`, args: [now, now] };
  if (state === 'warning') return { sql: `(${has}) AND NOT ${late} AND sla_paused_at IS NULL AND ${warned}`, args: [now, now, now, now] };
  return { sql: `(${has}) AND NOT ${late} AND sla_paused_at IS NULL AND NOT ${warned}`, args: [now, now, now, now] };
}
