/**
 * Approvals: a request whose template declares `approval` is filed at once with its radicado, in
 * state 'pending_approval', outside every support queue and with no SLA clock; its approvers get a
 * card in their personal chat. The first decision wins: approved, it enters its support queue at the
 * end of the FIFO order (its SLA starts then); rejected, it is closed as rejected with the reason.
 * Undecided requests are reminded and escalated after working hours of the SLA calendar.
 *
 * Who may decide: the approvers stored with the request (designated ones and their delegates) — never
 * its requester, never anybody else, whatever a card claims. Plain TypeScript, no framework imports.
 */
import { channelKey, userKey } from '../../outbox/keys';
import type { Clock, OutboxItem, QueueRepository, TicketRepository } from '../ports';
import type { SlaClock } from '../sla/ticket-sla';
import { addWorkingMinutes, type CalendarConfig } from '../sla/working-calendar';
import { filedMail, notify, requesterCardUpdate } from '../tickets/effects';
import type { NewEvent, NewTicket, Ticket } from '../tickets/model';
import { bogotaYear } from '../tickets/radicado';
import { decide, type Actor } from '../tickets/state-machine';
import type { ApprovalRepository, ApprovalRequest, Approver } from './model';
import type { ApprovalPolicy, ApprovalRequester, ApproverDirectory, ApproverRule, Person } from './policy';

/** The longest rejection reason kept. */
export const MAX_REASON_LENGTH = 1000;

export type ApprovalOutcome =
  | { ok: true; ticket: Ticket; request: ApprovalRequest }
  /** Someone decided first (or the requester cancelled): the request as it stands. */
  | { ok: false; reason: 'decided'; ticket: Ticket; request: ApprovalRequest | null }
  | { ok: false; reason: 'reason_required'; ticket: Ticket }
  /** Not theirs to decide: the caller answers as for a ticket that does not exist. */
  | { ok: false; reason: 'not_approver'; ticket: Ticket };

export interface ApprovalServiceOptions {
  radicadoPrefix: string;
  ticketsPerHour: number;
  mailEnabled: boolean;
  calendar: CalendarConfig;
  sla?: SlaClock;
}

/** Effects that redraw every posted approval card of a ticket (decided, cancelled: no buttons). */
export function approvalCardsUpdate(ticketId: number): OutboxItem {
  return { channel: 'teams', paceKey: `approval:${ticketId}`, ticketId, payload: { type: 'approval_cards_update', ticketId } };
}

function approvalCard(ticketId: number, approverOid: string, reminder = false): OutboxItem {
  return { channel: 'teams', paceKey: userKey(approverOid), ticketId, payload: { type: 'approval_card', ticketId, approverOid, reminder } };
}

export class ApprovalService {
  constructor(
    private readonly approvals: ApprovalRepository,
    private readonly tickets: Pick<TicketRepository, 'get'>,
    private readonly queues: Pick<QueueRepository, 'forCategory'>,
    private readonly directory: ApproverDirectory,
    private readonly clock: Clock,
    private readonly opts: ApprovalServiceOptions,
  ) {}

  /**
   * Who decides a request under `rule` for this requester: the designated approvers (step), then the
   * delegates of each one (on their behalf), never the requester and nobody twice.
   */
  approversOf(rule: ApproverRule, requester: ApprovalRequester, step: number, already: readonly Approver[] = []): Omit<Approver, 'card'>[] {
    const seen = new Set([requester.oid, ...already.map((a) => a.oid)]);
    const out: Omit<Approver, 'card'>[] = [];
    const designated = this.directory.approversFor(rule, requester).filter((p) => !seen.has(p.oid));
    for (const p of designated) {
      seen.add(p.oid);
      out.push({ oid: p.oid, name: p.name, step });
    }
    for (const p of designated) {
      for (const d of this.directory.delegatesOf(p.oid)) {
        if (seen.has(d.oid)) continue;
        seen.add(d.oid);
        out.push({ oid: d.oid, name: d.name, step, onBehalfOf: { oid: p.oid, name: p.name } });
      }
    }
    return out;
  }

  /**
   * Who gets a card: the designated approvers, and the delegates of those marked away. (Delegates of
   * present approvers may still decide from "mis aprobaciones".)
   */
  private cardRecipients(approvers: Omit<Approver, 'card'>[], now: Date): string[] {
    const away = new Set(approvers.filter((a) => !a.onBehalfOf && this.directory.isAway(a.oid, now)).map((a) => a.oid));
    return approvers.filter((a) => (!a.onBehalfOf && !away.has(a.oid)) || (a.onBehalfOf && away.has(a.onBehalfOf.oid))).map((a) => a.oid);
  }

  /**
   * Files a request that needs approval. Null when nobody can approve it for this requester (no
   * approver under the policy, nor under its escalation): nothing is filed.
   */
  async file(input: Omit<NewTicket, 'createdAt'>, policy: ApprovalPolicy, requester: ApprovalRequester): Promise<{ ticket: Ticket; created: boolean } | null> {
    const now = this.clock.now();
    let approvers = this.approversOf(policy.by, requester, 1);
    let escalated = false;
    if (!approvers.length && policy.escalateTo) {
      // Nobody under the first rule (e.g. no head of area in the department): straight to the next one.
      approvers = this.approversOf(policy.escalateTo, requester, 1);
      escalated = true;
    }
    if (!approvers.length) return null;
    const hours = (h: number) => addWorkingMinutes(now, h * 60, this.opts.calendar);
    const approval = {
      policy,
      remindAt: hours(policy.remindAfterHours),
      escalateAt: policy.escalateTo && !escalated ? hours(policy.escalateAfterHours) : undefined,
      approvers,
    };
    const recipients = this.cardRecipients(approvers, now);
    const events: NewEvent[] = [
      { at: now, kind: 'approval_requested', data: { approvers: approvers.map((a) => ({ oid: a.oid, name: a.name, onBehalfOf: a.onBehalfOf?.oid })), rule: escalated ? policy.escalateTo : policy.by } },
    ];
    return this.approvals.file({ ...input, createdAt: now }, this.opts.radicadoPrefix, bogotaYear(now), approval, events, (t) => {
      const effects: OutboxItem[] = recipients.map((oid) => approvalCard(t.id, oid));
      if (this.opts.mailEnabled) effects.push(...filedMail(t));
      return effects;
    }, { maxPerHour: this.opts.ticketsPerHour });
  }

  get(ticketId: number): Promise<ApprovalRequest | null> {
    return this.approvals.get(ticketId);
  }

  /** The approver entry through which `oid` may decide this request (null: they may not). */
  static approverIn(request: ApprovalRequest | null, oid: string, requesterOid: string): Approver | null {
    if (!request || oid === requesterOid) return null;
    return request.approvers.find((a) => a.oid === oid) ?? null;
  }

  /** Whether `oid` may decide (or see as approver) this ticket's request: for the access gate. */
  async mayDecide(ticket: Ticket, oid: string): Promise<boolean> {
    return !!ApprovalService.approverIn(await this.approvals.get(ticket.id), oid, ticket.requester.oid);
  }

  /** "Aprobar" / "Rechazar": the first decision wins; the second gets the one that was taken. */
  async decide(ticket: Ticket, actor: Actor, decision: 'approve' | 'reject', reasonInput?: unknown): Promise<ApprovalOutcome> {
    const request = await this.approvals.get(ticket.id);
    const approver = ApprovalService.approverIn(request, actor.oid, ticket.requester.oid);
    if (!request || !approver) return { ok: false, reason: 'not_approver', ticket };
    const reason = typeof reasonInput === 'string' ? reasonInput.trim().slice(0, MAX_REASON_LENGTH) : '';
    let current = ticket;
    for (let attempt = 0; attempt < 3; attempt++) {
      const d = decide(current, decision, actor);
      if (!d.ok) return { ok: false, reason: 'decided', ticket: current, request: await this.approvals.get(ticket.id) };
      if (decision === 'reject' && !reason) return { ok: false, reason: 'reason_required', ticket: current };
      const now = this.clock.now();
      const by: Person = { oid: actor.oid, name: actor.name };
      const onBehalfOf = approver.onBehalfOf;
      const events: NewEvent[] = [
        { at: now, actor: by, kind: decision === 'approve' ? 'approved' : 'rejected', data: { onBehalfOf: onBehalfOf ?? null, reason: reason || undefined } },
        { at: now, actor: by, kind: 'status_changed', data: { from: current.status, to: d.to } },
      ];
      const effects: OutboxItem[] = [];
      const requesterNotice =
        decision === 'approve'
          ? notify(current.requester.oid, current.id, { kind: 'approved', by: actor.name, onBehalfOf: onBehalfOf?.name })
          : notify(current.requester.oid, current.id, { kind: 'rejected', by: actor.name, onBehalfOf: onBehalfOf?.name, reason });
      effects.push(requesterNotice);
      effects.push(requesterCardUpdate(current));
      if (decision === 'approve') {
        const queue = await this.queues.forCategory(current.queueCategoryId);
        if (queue) effects.push({ channel: 'teams', paceKey: channelKey(queue.channelId), ticketId: current.id, payload: { type: 'queue_post', ticketId: current.id } });
      }
      effects.push(approvalCardsUpdate(current.id));
      const patch =
        decision === 'approve'
          ? { updatedAt: now, status: d.to, enterQueue: true, slaStart: this.opts.sla?.start(current, now) }
          : { updatedAt: now, status: d.to, closedAt: now };
      const updated = await this.approvals.decide(current.id, current.version, patch, { decision: decision === 'approve' ? 'approved' : 'rejected', at: now, by, onBehalfOf, reason: reason || undefined }, events, effects);
      if (updated) return { ok: true, ticket: updated, request: (await this.approvals.get(ticket.id))! };
      const fresh = await this.tickets.get(current.id);
      if (!fresh) break;
      current = fresh;
    }
    return { ok: false, reason: 'decided', ticket: current, request: await this.approvals.get(ticket.id) };
  }

  /** What waits for this person's decision, oldest first (requests still awaiting approval). */
  async pendingFor(oid: string, tenantId: string, limit = 20): Promise<{ ticket: Ticket; request: ApprovalRequest }[]> {
    const out: { ticket: Ticket; request: ApprovalRequest }[] = [];
    for (const request of await this.approvals.pendingFor(oid, tenantId, limit)) {
      const ticket = await this.tickets.get(request.ticketId);
      if (ticket && ticket.status === 'pending_approval' && ticket.requester.oid !== oid) out.push({ ticket, request });
    }
    return out;
  }

  /**
   * The periodic check: reminds the current approvers of requests undecided after
   * `remindAfterHours`, and escalates those undecided after `escalateAfterHours` to the next
   * approvers (who get their own reminder later). Each is recorded once, even with several instances.
   */
  async tick(limit = 50): Promise<{ reminded: number; escalated: number }> {
    const now = this.clock.now();
    let reminded = 0;
    let escalated = 0;
    for (const r of await this.approvals.dueEscalations(now, limit)) {
      if (await this.escalate(r, now)) escalated++;
    }
    for (const r of await this.approvals.dueReminders(now, limit)) {
      const current = r.approvers.filter((a) => a.step === r.step);
      const recipients = this.cardRecipients(current, now);
      const events: NewEvent[] = [{ at: now, kind: 'approval_reminded', data: { approvers: recipients } }];
      if (await this.approvals.markReminded(r.ticketId, now, events, recipients.map((oid) => approvalCard(r.ticketId, oid, true)))) reminded++;
    }
    return { reminded, escalated };
  }

  private async escalate(r: ApprovalRequest, now: Date): Promise<boolean> {
    const ticket = await this.tickets.get(r.ticketId);
    if (!ticket || !r.policy.escalateTo) return false;
    // The manager rule then reads the directory's `manager` (Graph's answer is not kept with the request).
    const requester: ApprovalRequester = { oid: ticket.requester.oid, email: ticket.requester.email, department: ticket.requester.department };
    const added = this.approversOf(r.policy.escalateTo, requester, r.step + 1, r.approvers);
    const remindAt = added.length ? addWorkingMinutes(now, r.policy.remindAfterHours * 60, this.opts.calendar) : undefined;
    const recipients = this.cardRecipients(added, now);
    const events: NewEvent[] = [{ at: now, kind: 'approval_escalated', data: { rule: r.policy.escalateTo, approvers: added.map((a) => ({ oid: a.oid, name: a.name, onBehalfOf: a.onBehalfOf?.oid })) } }];
    const effects = recipients.map((oid) => approvalCard(r.ticketId, oid));
    const names = added.filter((a) => !a.onBehalfOf).map((a) => a.name);
    if (names.length) effects.push(notify(ticket.requester.oid, ticket.id, { kind: 'approval_escalated', to: names.join(', ') }));
    return this.approvals.escalate(r.ticketId, now, added, remindAt, events, effects);
  }
}
