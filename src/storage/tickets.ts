/**
 * The ticket repository, written once for both engines: filing (gap-free radicados, idempotent by
 * submission, a per-requester hourly limit), optimistic updates, history appends with their outbox
 * effects in the same transaction. The reads are in ticket-queries.ts.
 *
 * The radicado counter row is bumped in the same transaction as the ticket insert: concurrent
 * creations queue on it (SQLite's write lock; PostgreSQL's row lock), and a rolled-back creation gives
 * its number back, so numbers have no duplicate and no gap.
 */
import { RateLimitedError } from '../domain/errors';
import type { CreateOptions, OutboxItem, TicketPatch, TicketRepository } from '../domain/ports';
import type { NewEvent, NewTicket, Ticket } from '../domain/tickets/model';
import { formatRadicado } from '../domain/tickets/radicado';
import { verifyHistory } from './history-check';
import type { AuditRow } from './history-evidence';
import type { HistoryBreak } from './history-hash';
import { insertOutbox } from './outbox-insert';
import type { Sql } from './sql';
import { appendEvents, lockHistoryChain } from './ticket-events';
import { TicketQueries } from './ticket-queries';
import { toTicket, type Row } from './ticket-rows';

/**
 * The next place in the support queues' FIFO order, taken when a ticket enters a queue (filed, or
 * approved later). Writers that take it hold the history chain's lock (lockHistoryChain), so two never
 * read the same maximum.
 */
const NEXT_QUEUE_ORDER = '(SELECT coalesce(max(queue_order), 0) + 1 FROM tickets)';

const INSERT_TICKET = `INSERT INTO tickets (
    radicado, submission_key, tenant_id, requester_oid, requester_name, requester_email, requester_upn,
    requester_department, locale, phone, contact_channel, category_id, route_category_id, service_id, template_id,
    field_values, description, priority, status, queue_order, created_at, updated_at,
    sla_first_response_minutes, sla_resolution_minutes, first_response_due_at, first_response_warn_at, resolution_due_at, resolution_warn_at,
    major_incident_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${NEXT_QUEUE_ORDER}, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  RETURNING *`;

/** The SLA clock columns a patch may set. */
const SLA_COLUMNS = {
  pausedAt: 'sla_paused_at',
  pausedMinutes: 'sla_paused_minutes',
  firstResponseDueAt: 'first_response_due_at',
  firstResponseWarnAt: 'first_response_warn_at',
  resolutionDueAt: 'resolution_due_at',
  resolutionWarnAt: 'resolution_warn_at',
} as const;

/** The SET list of an update and its arguments, in order. */
function patchSql(patch: TicketPatch): { sets: string; args: unknown[] } {
  const sets = ['version = version + 1', 'updated_at = ?'];
  const args: unknown[] = [patch.updatedAt];
  const set = (sql: string, ...values: unknown[]) => {
    sets.push(sql);
    args.push(...values);
  };
  if (patch.status !== undefined) set('status = ?', patch.status);
  if (patch.assignee !== undefined) set('assignee_oid = ?, assignee_name = ?', patch.assignee?.oid ?? null, patch.assignee?.name ?? null);
  if (patch.resolutionNote !== undefined) set('resolution_note = ?', patch.resolutionNote);
  if (patch.firstResponseAt) set('first_response_at = coalesce(first_response_at, ?)', patch.firstResponseAt);
  if (patch.resolvedAt !== undefined) set('resolved_at = ?', patch.resolvedAt);
  if (patch.closedAt !== undefined) set('closed_at = ?', patch.closedAt);
  // Moved to another queue: its card is posted anew there.
  if (patch.queueCategoryId !== undefined) set('route_category_id = ?, queue_conversation_id = NULL, queue_activity_id = NULL', patch.queueCategoryId);
  if (patch.mailError !== undefined) set('mail_error = ?', patch.mailError);
  if (patch.majorIncidentId !== undefined) set('major_incident_id = ?', patch.majorIncidentId);
  if (patch.enterQueue) sets.push(`queue_order = ${NEXT_QUEUE_ORDER}`);
  if (patch.slaStart) {
    const st = patch.slaStart;
    set(
      'sla_first_response_minutes = ?, sla_resolution_minutes = ?, first_response_due_at = ?, first_response_warn_at = ?, resolution_due_at = ?, resolution_warn_at = ?',
      st.firstResponseMinutes,
      st.resolutionMinutes,
      st.firstResponseDueAt,
      st.firstResponseWarnAt,
      st.resolutionDueAt,
      st.resolutionWarnAt,
    );
  }
  for (const [key, col] of Object.entries(SLA_COLUMNS) as [keyof typeof SLA_COLUMNS, string][]) {
    const v = patch.sla?.[key];
    if (v !== undefined) set(`${col} = ?`, v);
  }
  return { sets: sets.join(', '), args };
}

export class SqlTicketRepository extends TicketQueries implements TicketRepository {
  constructor(q: Sql) {
    super(q);
  }

  async create(input: NewTicket, prefix: string, year: number, effects: (t: Ticket) => OutboxItem[], opts: CreateOptions = {}) {
    return this.q.tx(async (q) => {
      // On PostgreSQL one requester's creations (with a limit), and those of one submission, queue on
      // these locks (taken in one statement), so the check and the count below see every earlier
      // creation committed (SQLite's write transaction runs alone already). The order is fixed:
      // requester, submission, then the chain of tickets and the counter.
      const limited = opts.maxPerHour !== undefined;
      await q.lock(...(limited ? [`ticket-limit:${input.requester.oid}`] : []), `ticket-submission:${input.submissionKey}`);
      // The ticket of this submission if it was filed already, and (with a limit) how many the
      // requester filed in the last hour: one statement (one round trip on PostgreSQL).
      const since = new Date(input.createdAt.getTime() - 3600_000);
      const found = limited
        ? await q.one<Partial<Row> & { recent: number }>(
            `SELECT t.*, (SELECT count(*) FROM tickets WHERE requester_oid = ? AND created_at >= ?) AS recent
             FROM (SELECT 1 AS one) here LEFT JOIN tickets t ON t.submission_key = ?`,
            [input.requester.oid, since, input.submissionKey],
          )
        : await q.one<Partial<Row> & { recent?: number }>('SELECT * FROM tickets WHERE submission_key = ?', [input.submissionKey]);
      if (found?.id != null) return { ticket: toTicket(found as Row), created: false };
      if (limited && (found?.recent ?? 0) >= opts.maxPerHour!) throw new RateLimitedError('tickets', 3600);
      // The chain of tickets before the counter: every transaction that files tickets (the legacy
      // import too) takes the two in this order, so none waits for the other's lock while holding its own.
      const chain = await lockHistoryChain(q);
      const { last } = (await q.one<{ last: number }>(
        `INSERT INTO radicado_counters (prefix, year, last) VALUES (?, ?, 1)
         ON CONFLICT (prefix, year) DO UPDATE SET last = radicado_counters.last + 1 RETURNING last`,
        [prefix, year],
      ))!;
      const radicado = formatRadicado(prefix, year, last);
      const r = input.requester;
      const sla = input.sla;
      const row = (await q.one<Row>(INSERT_TICKET, [
        radicado,
        input.submissionKey,
        r.tenantId,
        r.oid,
        r.name,
        r.email,
        r.upn,
        r.department,
        input.locale,
        input.phone,
        input.contactChannel,
        input.categoryId,
        // A new ticket waits in its category's queue.
        input.categoryId,
        input.serviceId,
        input.templateId,
        JSON.stringify(input.fieldValues),
        input.description,
        input.priority,
        input.awaitingApproval ? 'pending_approval' : input.majorIncidentId ? 'linked' : 'new',
        input.createdAt,
        input.createdAt,
        sla?.firstResponseMinutes,
        sla?.resolutionMinutes,
        sla?.firstResponseDueAt,
        sla?.firstResponseWarnAt,
        sla?.resolutionDueAt,
        sla?.resolutionWarnAt,
        input.majorIncidentId,
      ]))!;
      const ticket = toTicket(row);
      await appendEvents(q, ticket.id, [
        {
          at: input.createdAt,
          actor: { oid: r.oid, name: r.name },
          kind: 'created',
          data: { radicado, templateId: input.templateId, priority: input.priority },
        },
      ], { row: row as unknown as AuditRow, chain }); // RETURNING *: every column, the audited ones too
      await insertOutbox(q, effects(ticket), input.createdAt);
      return { ticket, created: true };
      // Filings queue on the chain's and the counter's locks: on PostgreSQL those of this process
      // share a commit (one wait for the disk while the locks are held, instead of one each).
    }, { group: 'filing' });
  }

  async update(id: number, expectedVersion: number, patch: TicketPatch, events: NewEvent[], effects: OutboxItem[], claimKey?: string) {
    return this.q.tx(async (q) => {
      if (claimKey !== undefined) {
        // On PostgreSQL another instance claiming the same key waits here for our commit (or rollback).
        const claimed = await q.run('INSERT INTO ticket_additions (submission_key, ticket_id, at) VALUES (?, ?, ?) ON CONFLICT (submission_key) DO NOTHING', [
          claimKey,
          id,
          patch.updatedAt,
        ]);
        if (claimed.changes === 0) return null;
      }
      // Entering the queue takes the next place in its order under the chain's lock (see NEXT_QUEUE_ORDER).
      if (patch.enterQueue) await lockHistoryChain(q);
      const { sets, args } = patchSql(patch);
      // On PostgreSQL the UPDATE row-locks the ticket until commit: history appends for it are serialized.
      const row = await q.one<Row>(`UPDATE tickets SET ${sets} WHERE id = ? AND version = ? RETURNING *`, [...args, id, expectedVersion]);
      if (!row) {
        // The version moved: the claim is given back and nothing is written; the caller retries with the fresh ticket.
        if (claimKey !== undefined) await q.run('DELETE FROM ticket_additions WHERE submission_key = ?', [claimKey]);
        return null;
      }
      await appendEvents(q, id, events);
      await insertOutbox(q, effects, patch.updatedAt);
      return toTicket(row);
    });
  }

  async append(id: number, events: NewEvent[], effects: OutboxItem[]) {
    await this.q.tx(async (q) => {
      // Lock the ticket (PostgreSQL) so two appends cannot chain onto the same previous hash.
      await q.one(`SELECT 1 FROM tickets WHERE id = ?${q.forUpdate}`, [id]);
      await appendEvents(q, id, events);
      await insertOutbox(q, effects, events[0]?.at ?? new Date());
    });
  }

  async setQueueMessage(id: number, conversationId: string, activityId: string) {
    await this.q.run('UPDATE tickets SET queue_conversation_id = ?, queue_activity_id = ? WHERE id = ?', [conversationId, activityId, id]);
  }

  /** Checks every ticket's history; returns the events where it breaks (details: verifyHistory). */
  async verifyHistory(): Promise<HistoryBreak[]> {
    return (await verifyHistory(this.q)).breaks;
  }
}
