/**
 * The approver's card of a request (who asks, what, the fields and description, "Aprobar" /
 * "Rechazar" while undecided; the decision once taken) and the "mis aprobaciones" list.
 */
import type { ApprovalRequest } from '../../domain/approvals/model';
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import { formatDateTime, messages, t } from '../../i18n';
import { escapeMarkdown, plainText, type AdaptiveCardJson, type CardRenderer } from '../cards';
import type { TicketViews } from '../views';
import { age, STATUS_COLOR, statusText } from './format';

export interface ApprovalCardOptions {
  /** The reminder's copy: a banner on top. */
  reminder?: boolean;
  /** A line after an action: what happened, or (error) why nothing was done. */
  notice?: { text: string; error?: boolean };
  /** What the approver had typed as the reason (kept after an error). */
  typedReason?: string;
}

/** What the request's decision says on the card; empty while undecided. */
function decisionText(ticket: Ticket, request: ApprovalRequest, locale: Locale): string {
  if (ticket.status === 'cancelled' && !request.decision) return messages(locale).approvalDecidedCancelled;
  if (!request.decision || !request.decidedBy) return '';
  const v = {
    name: escapeMarkdown(request.decidedBy.name, 100),
    approver: escapeMarkdown(request.onBehalfOf?.name ?? '', 100),
    at: formatDateTime(request.decidedAt ?? ticket.updatedAt, locale),
    reason: escapeMarkdown(request.reason ?? '', 1000),
  };
  if (request.decision === 'approved') return t(locale, request.onBehalfOf ? 'approvalDecidedApprovedOnBehalf' : 'approvalDecidedApproved', v);
  if (request.decision === 'rejected') return t(locale, request.onBehalfOf ? 'approvalDecidedRejectedOnBehalf' : 'approvalDecidedRejected', v);
  return messages(locale).approvalDecidedCancelled;
}

export function approvalCard(
  d: { cards: CardRenderer; views: TicketViews },
  ticket: Ticket,
  request: ApprovalRequest,
  viewerOid: string,
  locale: Locale,
  now: Date,
  opts: ApprovalCardOptions = {},
): AdaptiveCardJson {
  const n = d.views.names(ticket, locale);
  const m = messages(locale);
  const me = request.approvers.find((a) => a.oid === viewerOid);
  const requester = escapeMarkdown(ticket.requester.name, 100);
  const undecided = ticket.status === 'pending_approval' && !request.decision;
  // The decider's card is drawn twice: by the answer to their click and by the outbox's redraw of
  // every posted card, in either order. Both say what they did, so the line never flickers away.
  const done = request.decidedBy?.oid === viewerOid && request.decision === 'approved' ? 'approvalDoneApproved'
    : request.decidedBy?.oid === viewerOid && request.decision === 'rejected' ? 'approvalDoneRejected' : undefined;
  const notice = opts.notice ?? (done ? { text: t(locale, done, { name: requester }) } : undefined);
  return d.cards.render('approval-request', {
    t: m,
    ticketId: ticket.id,
    title: t(locale, 'approvalCardTitle', { radicado: ticket.radicado }),
    reminder: !!opts.reminder && undecided,
    intro: me?.onBehalfOf
      ? t(locale, 'approvalCardIntroOnBehalf', { name: requester, approver: escapeMarkdown(me.onBehalfOf.name, 100) })
      : t(locale, 'approvalCardIntro', { name: requester }),
    statusText: statusText(ticket.status, locale),
    statusColor: STATUS_COLOR[ticket.status],
    requester: escapeMarkdown([ticket.requester.name, ticket.requester.email].filter(Boolean).join(' · '), 300),
    department: escapeMarkdown(ticket.requester.department ?? '', 100),
    service: escapeMarkdown(n.service),
    template: escapeMarkdown(n.template),
    priority: m[`priority_${ticket.priority}`],
    created: `${formatDateTime(ticket.createdAt, locale)} (${age(ticket.createdAt, now, locale)})`,
    fieldFacts: d.views.fieldFacts(ticket, locale),
    description: plainText(ticket.description, 1500),
    decision: decisionText(ticket, request, locale),
    decisionColor: request.decision === 'approved' ? 'Good' : request.decision === 'rejected' ? 'Attention' : 'Default',
    notice: notice?.text ?? '',
    noticeColor: notice?.error ? 'Attention' : 'Good',
    typedReason: plainText(opts.typedReason ?? '', 1000),
    canDecide: undecided && !!me,
  });
}

/** "Mis aprobaciones": what waits for the person's decision, oldest first. */
export function myApprovalsCard(
  d: { cards: CardRenderer; views: TicketViews },
  items: { ticket: Ticket; request: ApprovalRequest }[],
  viewerOid: string,
  locale: Locale,
  now: Date,
): AdaptiveCardJson {
  const m = messages(locale);
  return d.cards.render('my-approvals', {
    t: m,
    countText: items.length === 0 ? m.myApprovalsEmpty : items.length === 1 ? m.myApprovalsOne : t(locale, 'myApprovalsCount', { n: items.length }),
    items: items.map(({ ticket, request }) => {
      const me = request.approvers.find((a) => a.oid === viewerOid);
      return {
        ticketId: ticket.id,
        radicado: ticket.radicado,
        template: escapeMarkdown(d.views.names(ticket, locale).template),
        requester: escapeMarkdown(ticket.requester.name, 100),
        age: age(ticket.createdAt, now, locale),
        onBehalf: me?.onBehalfOf ? t(locale, 'myApprovalsOnBehalf', { name: escapeMarkdown(me.onBehalfOf.name, 100) }) : '',
      };
    }),
  });
}
