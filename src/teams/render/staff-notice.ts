/** The words of a notice to support staff (SLA alerts, low score, an engineer's notice repeated in the thread). */
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import type { UserNotice } from '../../outbox/items';
import { formatDateTime, messages, t } from '../../i18n';
import { plainText } from '../cards';

/** Title and text of a notice to support staff, in a language; null for a notice that is not for staff. */
export function staffNoticeText(notice: UserNotice, ticket: Ticket, locale: Locale): { title: string; text: string } | null {
  const m = messages(locale);
  const radicado = ticket.radicado;
  switch (notice.kind) {
    case 'sla_warning':
      return {
        title: t(locale, 'slaWarningTitle', { radicado, target: m[`slaTarget_${notice.target}`], due: formatDateTime(new Date(notice.dueAt), locale) }),
        text: m.slaWarningText,
      };
    case 'sla_breached':
      return {
        title: t(locale, 'slaBreachedTitle', { radicado, target: m[`slaTarget_${notice.target}`], due: formatDateTime(new Date(notice.dueAt), locale) }),
        text: ticket.assignee ? t(locale, 'slaBreachedText', { assignee: plainText(ticket.assignee.name, 100) }) : m.slaBreachedUnassigned,
      };
    // Engineers' notices that could not reach their chat, repeated in the queue thread.
    case 'requester_reply':
      return { title: t(locale, 'requesterReplyTitle', { name: plainText(notice.authorName, 100), radicado }), text: plainText(notice.text, 2000) };
    case 'assigned_to_you':
      return { title: t(locale, 'assignedToYouTitle', { radicado }), text: '' };
    case 'reopened':
      return { title: t(locale, 'reopenedTitle', { radicado, name: plainText(notice.by, 100) }), text: plainText(notice.reason, 2000) };
    case 'unassigned_from_you':
      return { title: t(locale, 'reassignedAwayTitle', { radicado, name: plainText(notice.to, 100) }), text: '' };
    case 'low_score':
      return {
        title: t(locale, 'lowScoreTitle', { radicado, score: notice.score }),
        text: notice.comment ? t(locale, 'lowScoreText', { comment: plainText(notice.comment, 1000) }) : '',
      };
    default:
      return null;
  }
}
