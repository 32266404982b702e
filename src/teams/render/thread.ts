/** What the bot posts in a ticket's queue thread: the requester's replies, and staff notices with @mentions. */
import type { Activity } from 'botbuilder';
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import type { UserNotice } from '../../outbox/items';
import { messages, t } from '../../i18n';
import { escapeMarkdown, plainText, type AdaptiveCardJson, type CardRenderer } from '../cards';
import { staffNoticeText } from './staff-notice';

/** The requester's reply, relayed into the thread for the engineers. */
export function threadReplyCard(cards: CardRenderer, ticket: Ticket, text: string, locale: Locale): AdaptiveCardJson {
  return cards.render('notice', {
    t: messages(locale),
    title: t(locale, 'requesterReplyTitle', { name: plainText(ticket.requester.name, 100), radicado: ticket.radicado }),
    text: plainText(text, 4000),
    ticketId: ticket.id,
    canReply: false,
    canConfirm: false,
  });
}

/** A staff notice as a thread message @mentioning the given team members; null for a notice not for staff. */
export function threadNoticeActivity(notice: UserNotice, ticket: Ticket, mentions: { userId: string; name: string }[], locale: Locale): Partial<Activity> | null {
  const text = staffNoticeText(notice, ticket, locale);
  if (!text) return null;
  const tags = mentions.map((m) => `<at>${escapeHtml(m.name)}</at>`);
  const body = [tags.join(' '), `**${escapeMarkdown(text.title, 500)}**`, escapeMarkdown(text.text, 2000)].filter(Boolean).join('\n\n');
  return {
    type: 'message',
    text: body,
    textFormat: 'markdown',
    entities: mentions.map((m, i) => ({ type: 'mention', text: tags[i], mentioned: { id: m.userId, name: m.name } })),
  };
}

/** The thread of a channel message: replies go under the ticket's card. */
export function threadId(ticket: Pick<Ticket, 'queueConversationId' | 'queueActivityId'>): string {
  return `${ticket.queueConversationId};messageid=${ticket.queueActivityId}`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
