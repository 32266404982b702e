/** A 1:1 notice about a ticket (a reply, a change of state or engineer, a reopen, an SLA alert) as a card. */
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import type { UserNotice } from '../../outbox/items';
import { messages, t } from '../../i18n';
import { plainText, type AdaptiveCardJson, type CardRenderer } from '../cards';
import { statusText } from './format';
import { staffNoticeText } from './staff-notice';

/** The notice card and its summary (the chat list's preview line). The survey has its own card. */
export function noticeCard(
  cards: CardRenderer,
  notice: Exclude<UserNotice, { kind: 'survey' }>,
  ticket: Ticket | undefined,
  locale: Locale,
  /** A support queue's name in the reader's language (by the category it serves). */
  queueLabel: (queueCategoryId: string, locale: Locale) => string = (id) => id,
): { card: AdaptiveCardJson; summary: string } {
  const radicado = ticket?.radicado ?? '';
  let title = '';
  let text = '';
  let canReply = false;
  let canConfirm = false;
  switch (notice.kind) {
    case 'agent_reply':
      title = t(locale, 'agentReplyTitle', { name: plainText(notice.authorName, 100), radicado });
      text = notice.text;
      canReply = true;
      break;
    case 'requester_reply':
      title = t(locale, 'requesterReplyTitle', { name: plainText(notice.authorName, 100), radicado });
      text = notice.text;
      break;
    case 'status_changed':
      title =
        notice.status === 'assigned' && notice.assignee
          ? t(locale, 'engineerNowTitle', { radicado, name: plainText(notice.assignee, 100) })
          : t(locale, 'statusChangedTitle', { radicado, status: statusText(notice.status, locale) });
      text = notice.note ?? '';
      canReply = notice.status === 'waiting_user';
      canConfirm = notice.status === 'resolved';
      break;
    case 'assigned_to_you':
      title = t(locale, 'assignedToYouTitle', { radicado });
      break;
    case 'engineer_changed':
      title = t(locale, 'engineerNowTitle', { radicado, name: plainText(notice.name, 100) });
      break;
    case 'unassigned_from_you':
      title = t(locale, 'reassignedAwayTitle', { radicado, name: plainText(notice.to, 100) });
      text = notice.by ? t(locale, 'reassignedBy', { name: plainText(notice.by, 100) }) : '';
      break;
    case 'queue_moved': {
      const queue = plainText(queueLabel(notice.queue, locale), 100);
      title = t(locale, notice.wasYours ? 'queueMovedAwayTitle' : 'queueMovedTitle', { radicado, queue });
      text = notice.wasYours ? t(locale, 'queueMovedAwayText', { name: plainText(notice.by, 100) }) : messages(locale).queueMovedText;
      break;
    }
    case 'reopened':
      title = t(locale, 'reopenedTitle', { radicado, name: plainText(notice.by, 100) });
      text = notice.reason;
      break;
    case 'approved': {
      const v = { radicado, name: plainText(notice.by, 100), approver: plainText(notice.onBehalfOf ?? '', 100) };
      title = t(locale, notice.onBehalfOf ? 'approvedOnBehalfTitle' : 'approvedTitle', v);
      break;
    }
    case 'rejected': {
      const v = { radicado, name: plainText(notice.by, 100), approver: plainText(notice.onBehalfOf ?? '', 100) };
      title = t(locale, notice.onBehalfOf ? 'rejectedOnBehalfTitle' : 'rejectedTitle', v);
      text = t(locale, 'rejectedReason', { reason: notice.reason });
      break;
    }
    case 'approval_escalated':
      title = t(locale, 'approvalEscalatedTitle', { radicado, names: plainText(notice.to, 300) });
      break;
    case 'incident_linked':
      title = t(locale, 'noticeIncidentLinked', { radicado, title: plainText(notice.title, 200) });
      break;
    case 'incident_update':
      title = t(locale, 'noticeIncidentUpdate', { radicado, title: plainText(notice.title, 200) });
      text = notice.text;
      break;
    case 'sla_warning':
    case 'sla_breached':
    case 'low_score': {
      const s = ticket ? staffNoticeText(notice, ticket, locale) : null;
      title = s?.title ?? '';
      text = s?.text ?? '';
      break;
    }
  }
  const card = cards.render('notice', { t: messages(locale), title, text: plainText(text, 4000), ticketId: ticket?.id ?? 0, canReply, canConfirm });
  return { card, summary: title };
}
