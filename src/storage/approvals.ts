/**
 * Requests awaiting approval, on either engine: filed with their ticket in one transaction, decided
 * once (the ticket's optimistic version and the undecided row both checked in the deciding
 * transaction), reminded and escalated once, and who may decide them.
 */
import type { ApprovalDecisionRecord, ApprovalRepository, ApprovalRequest, Approver, NewApproval } from '../domain/approvals/model';
import type { ApprovalPolicy } from '../domain/approvals/policy';
import type { CreateOptions, OutboxItem, TicketPatch, TicketRepository } from '../domain/ports';
import type { NewEvent, NewTicket, Ticket } from '../domain/tickets/model';
import { insertOutbox } from './outbox-insert';
import { placeholders, type Sql } from './sql';
import { appendEvents } from './ticket-events';

interface RequestRow {
  ticket_id: number;
  tenant_id: string;
  policy: string;
  step: number;
  requested_at: string;
  remind_at: string | null;
  reminded_at: string | null;
  escalate_at: string | null;
  escalated_at: string | null;
  decided_at: string | null;
  decision: string | null;
  decided_by_oid: string | null;
  decided_by_name: string | null;
  on_behalf_of_oid: string | null;
  on_behalf_of_name: string | null;
  reason: string | null;
}

interface ApproverRow {
  ticket_id: number;
  oid: string;
  name: string;
  step: number;
  for_oid: string | null;
  for_name: string | null;
  conversation_id: string | null;
  activity_id: string | null;
}

/** The ticket still awaits approval (a request its requester cancelled is left undecided, and out of every list). */
const STILL_PENDING = `EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_approvals.ticket_id AND t.status = 'pending_approval')`;

const date = (s: string | null) => (s ? new Date(s) : undefined);
const person = (oid: string | null, name: string | null) => (oid ? { oid, name: name ?? '' } : undefined);

function toApprover(r: ApproverRow): Approver {
  return {
    oid: r.oid,
    name: r.name,
    step: r.step,
    onBehalfOf: person(r.for_oid, r.for_name),
    card: r.conversation_id && r.activity_id ? { conversationId: r.conversation_id, activityId: r.activity_id } : undefined,
  };
}

function toRequest(r: RequestRow, approvers: ApproverRow[]): ApprovalRequest {
  return {
    ticketId: r.ticket_id,
    tenantId: r.tenant_id,
    policy: JSON.parse(r.policy) as ApprovalPolicy,
    step: r.step,
    requestedAt: new Date(r.requested_at),
    remindAt: date(r.remind_at),
    remindedAt: date(r.reminded_at),
    escalateAt: date(r.escalate_at),
    escalatedAt: date(r.escalated_at),
    decidedAt: date(r.decided_at),
    decision: (r.decision ?? undefined) as ApprovalRequest['decision'],
    decidedBy: person(r.decided_by_oid, r.decided_by_name),
    onBehalfOf: person(r.on_behalf_of_oid, r.on_behalf_of_name),
    reason: r.reason ?? undefined,
    approvers: approvers.filter((a) => a.ticket_id === r.ticket_id).map(toApprover),
  };
}

export class SqlApprovalRepository implements ApprovalRepository {
  constructor(
    private readonly q: Sql,
    private readonly tickets: Pick<TicketRepository, 'create' | 'update'>,
  ) {}

  async file(input: NewTicket, prefix: string, year: number, approval: NewApproval, events: NewEvent[], effects: (t: Ticket) => OutboxItem[], opts?: CreateOptions) {
    return this.q.tx(async (q) => {
      const filed = await this.tickets.create({ ...input, awaitingApproval: true }, prefix, year, effects, opts);
      if (!filed.created) return filed;
      await q.run(
        `INSERT INTO ticket_approvals (ticket_id, tenant_id, policy, step, requested_at, remind_at, escalate_at) VALUES (?, ?, ?, 1, ?, ?, ?)`,
        [filed.ticket.id, filed.ticket.tenantId, JSON.stringify(approval.policy), input.createdAt, approval.remindAt, approval.escalateAt],
      );
      await this.addApprovers(q, filed.ticket.id, approval.approvers);
      if (events.length) await appendEvents(q, filed.ticket.id, events);
      return filed;
    });
  }

  async get(ticketId: number) {
    return (await this.load('WHERE ticket_id = ?', [ticketId]))[0] ?? null;
  }

  async decide(ticketId: number, expectedVersion: number, patch: TicketPatch, d: ApprovalDecisionRecord, events: NewEvent[], effects: OutboxItem[]) {
    return this.q.tx(async (q) => {
      // Row-locked on PostgreSQL: a second decider waits here, then finds it decided.
      const open = await q.one<{ decided_at: string | null }>(`SELECT decided_at FROM ticket_approvals WHERE ticket_id = ?${q.forUpdate}`, [ticketId]);
      if (!open || open.decided_at) return null;
      const ticket = await this.tickets.update(ticketId, expectedVersion, patch, events, effects);
      if (!ticket) return null;
      await q.run(
        `UPDATE ticket_approvals SET decided_at = ?, decision = ?, decided_by_oid = ?, decided_by_name = ?, on_behalf_of_oid = ?, on_behalf_of_name = ?, reason = ?
         WHERE ticket_id = ?`,
        [d.at, d.decision, d.by?.oid, d.by?.name, d.onBehalfOf?.oid, d.onBehalfOf?.name, d.reason, ticketId],
      );
      return ticket;
    });
  }

  dueReminders(now: Date, limit: number) {
    return this.load(`WHERE decided_at IS NULL AND reminded_at IS NULL AND remind_at <= ? AND ${STILL_PENDING} ORDER BY remind_at, ticket_id LIMIT ?`, [now, limit]);
  }

  dueEscalations(now: Date, limit: number) {
    return this.load(`WHERE decided_at IS NULL AND escalated_at IS NULL AND escalate_at <= ? AND ${STILL_PENDING} ORDER BY escalate_at, ticket_id LIMIT ?`, [now, limit]);
  }

  async markReminded(ticketId: number, at: Date, events: NewEvent[], effects: OutboxItem[]) {
    return this.q.tx(async (q) => {
      const done = await q.run('UPDATE ticket_approvals SET reminded_at = ? WHERE ticket_id = ? AND reminded_at IS NULL AND decided_at IS NULL', [at, ticketId]);
      if (done.changes === 0) return false;
      await this.record(q, ticketId, at, events, effects);
      return true;
    });
  }

  async escalate(ticketId: number, at: Date, approvers: Omit<Approver, 'card'>[], remindAt: Date | undefined, events: NewEvent[], effects: OutboxItem[]) {
    return this.q.tx(async (q) => {
      // The next step gets its own reminder.
      const done = await q.run(
        'UPDATE ticket_approvals SET escalated_at = ?, step = step + 1, remind_at = ?, reminded_at = NULL WHERE ticket_id = ? AND escalated_at IS NULL AND decided_at IS NULL',
        [at, remindAt, ticketId],
      );
      if (done.changes === 0) return false;
      await this.addApprovers(q, ticketId, approvers);
      await this.record(q, ticketId, at, events, effects);
      return true;
    });
  }

  async setCard(ticketId: number, oid: string, conversationId: string, activityId: string) {
    await this.q.run('UPDATE approval_approvers SET conversation_id = ?, activity_id = ? WHERE ticket_id = ? AND oid = ?', [conversationId, activityId, ticketId, oid]);
  }

  pendingFor(oid: string, tenantId: string, limit: number) {
    return this.load(
      `WHERE decided_at IS NULL AND tenant_id = ? AND ticket_id IN (SELECT ticket_id FROM approval_approvers WHERE oid = ?) AND ${STILL_PENDING}
       ORDER BY requested_at, ticket_id LIMIT ?`,
      [tenantId, oid, limit],
    );
  }

  decidedBetween(from: Date, to: Date) {
    return this.load(`WHERE decided_at >= ? AND decided_at < ? AND decision IN ('approved', 'rejected') ORDER BY ticket_id`, [from, to]);
  }

  private async load(where: string, args: unknown[]): Promise<ApprovalRequest[]> {
    const rows = await this.q.all<RequestRow>(`SELECT * FROM ticket_approvals ${where}`, args);
    if (!rows.length) return [];
    const ids = rows.map((r) => r.ticket_id);
    const approvers = await this.q.all<ApproverRow>(
      `SELECT * FROM approval_approvers WHERE ticket_id IN (${placeholders(ids)}) ORDER BY ticket_id, step, for_oid IS NOT NULL, name, oid`,
      ids,
    );
    return rows.map((r) => toRequest(r, approvers));
  }

  private async addApprovers(q: Sql, ticketId: number, approvers: Omit<Approver, 'card'>[]) {
    for (const a of approvers) {
      await q.run(
        `INSERT INTO approval_approvers (ticket_id, oid, name, step, for_oid, for_name) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (ticket_id, oid) DO NOTHING`,
        [ticketId, a.oid, a.name, a.step, a.onBehalfOf?.oid, a.onBehalfOf?.name],
      );
    }
  }

  private async record(q: Sql, ticketId: number, at: Date, events: NewEvent[], effects: OutboxItem[]) {
    // Lock the ticket (PostgreSQL) so the history appends chain one after another.
    await q.one(`SELECT 1 FROM tickets WHERE id = ?${q.forUpdate}`, [ticketId]);
    if (events.length) await appendEvents(q, ticketId, events);
    await insertOutbox(q, effects, at);
  }
}
