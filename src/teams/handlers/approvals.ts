/**
 * The approver's side: "Aprobar" / "Rechazar" on an approval card, the card again ("Revisar y
 * decidir"), and "mis aprobaciones". The gate (route audience `approver`) already checked that the
 * caller is one of the request's approvers; the service decides again on the fresh request.
 */
import type { ApprovalRequest } from '../../domain/approvals/model';
import type { Ticket } from '../../domain/tickets/model';
import { approvalCard, myApprovalsCard, type ApprovalCardOptions } from '../render/approval-card';
import { escapeMarkdown } from '../cards';
import { notFound } from '../gate';
import type { Turn } from '../turn';

async function showCard(turn: Turn, ticket: Ticket, request: ApprovalRequest, opts: ApprovalCardOptions = {}): Promise<void> {
  await turn.show(approvalCard(turn.services, ticket, request, turn.oid, turn.locale, turn.services.clock.now(), opts));
}

/** "Revisar y decidir": the request's approval card for this approver. */
export async function showApproval(turn: Turn, ticket: Ticket): Promise<void> {
  const request = await turn.services.approvals.get(ticket.id);
  if (!request) return notFound(turn, { id: ticket.id });
  await showCard(turn, ticket, request);
}

/** "Aprobar" / "Rechazar": the first decision wins; the card shows what was decided, never a dead end. */
export async function decide(turn: Turn, ticket: Ticket, decision: 'approve' | 'reject', data: Record<string, unknown>): Promise<void> {
  const out = await turn.services.approvals.decide(ticket, await turn.actor(), decision, data.reason);
  if (out.ok) {
    const text = turn.text(decision === 'approve' ? 'approvalDoneApproved' : 'approvalDoneRejected', { name: escapeMarkdown(ticket.requester.name, 100) });
    return showCard(turn, out.ticket, out.request, { notice: { text } });
  }
  switch (out.reason) {
    case 'reason_required': {
      const request = await turn.services.approvals.get(ticket.id);
      if (!request) return notFound(turn, { id: ticket.id });
      return showCard(turn, out.ticket, request, { notice: { text: turn.messages.approvalReasonRequired, error: true } });
    }
    case 'decided':
      if (!out.request) return notFound(turn, { id: ticket.id });
      return showCard(turn, out.ticket, out.request, { notice: { text: turn.messages.approvalAlreadyDecided, error: true } });
    case 'not_approver':
      return notFound(turn, { id: ticket.id });
  }
}

/** "Mis aprobaciones" / "my approvals": what waits for the caller's decision, oldest first. */
export async function showMine(turn: Turn): Promise<void> {
  const items = await turn.services.approvals.pendingFor(turn.oid, turn.tenantId, 20);
  await turn.show(myApprovalsCard(turn.services, items, turn.oid, turn.locale, turn.services.clock.now()));
}
