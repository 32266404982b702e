/**
 * Posts the outbox's Teams items: the queue card and its updates, thread messages, 1:1 notices, the
 * survey, file offers, the requester's card redraws and deferred turn replies. Each is rendered at
 * delivery time, in its reader's language (render/locale.ts), by the one builder of its card. Pacing,
 * retries and leases are the dispatcher's (src/outbox); what an outcome means, the domain's.
 */
import { CardFactory, type Activity } from 'botbuilder';
import type { ApprovalRepository } from '../domain/approvals/model';
import type { IncidentRepository } from '../domain/incidents/model';
import type { AttachmentRepository } from '../domain/attachments';
import type { QueueRepository, RequesterCardRepository, TicketRepository } from '../domain/ports';
import type { Ticket } from '../domain/tickets/model';
import { t } from '../i18n';
import type { OutboxPayload, UserNotice } from '../outbox/items';
import { conversationKey, userKey } from '../outbox/keys';
import { DeliveryError } from '../outbox/retries';
import type { AdaptiveCardJson } from './cards';
import type { ProactivePoster, Reference } from './proactive';
import { approvalCard } from './render/approval-card';
import { confirmationCard } from './render/confirmation-card';
import { fileConsentCard } from './render/file-consent';
import { announcementCard } from './render/incident-announcement';
import { channelLocale, recipientLocale } from './render/locale';
import { noticeCard } from './render/notice-card';
import { queueCard, type QueueCardDeps } from './render/queue-card';
import { surveyCard } from './render/survey-card';
import { threadId, threadNoticeActivity, threadReplyCard } from './render/thread';

export interface TeamsSenderDeps extends QueueCardDeps {
  poster: ProactivePoster;
  tickets: TicketRepository;
  queues: QueueRepository;
  requesterCards: RequesterCardRepository;
  /** How long a survey answer can be changed (shown on the survey card). */
  surveyChangeWindowMs: number;
  /** Files attached to tickets, for file-consent cards. */
  attachments?: Pick<AttachmentRepository, 'get'>;
  /** Requests awaiting approval: the approvers' cards and where they are. */
  approvals?: Pick<ApprovalRepository, 'get' | 'setCard'>;
  /** Major incidents, for their announcements. */
  incidents?: Pick<IncidentRepository, 'get'>;
}

export class TeamsSender {
  constructor(private readonly d: TeamsSenderDeps) {}

  async send(p: OutboxPayload): Promise<void> {
    switch (p.type) {
      case 'queue_post':
        return this.queuePost(p.ticketId);
      case 'queue_update':
        return this.queueUpdate(p.ticketId);
      case 'queue_card_moved':
        return this.queueCardMoved(p);
      case 'thread_message':
        return this.threadMessage(p.ticketId, p.text);
      case 'thread_notice':
        return this.threadNotice(p.ticketId, p.notice, p.mentions);
      case 'user_message':
        return this.userMessage(p.userOid, p.ticketId, p.notice);
      case 'requester_card_update':
        return this.requesterCardUpdate(p.ticketId);
      case 'file_consent':
        return this.fileConsent(p.userOid, p.attachmentId, p.ticketId);
      case 'approval_card':
        return this.approvalCard(p.ticketId, p.approverOid, !!p.reminder);
      case 'approval_cards_update':
        return this.approvalCardsUpdate(p.ticketId);
      case 'incident_announcement':
        return this.incidentAnnouncement(p);
      case 'turn_reply':
        // A direct reply the connector refused during its turn (reply-guard.ts), sent as it was.
        return this.d.poster.run(p.reference as Reference, async (ctx) => {
          await ctx.sendActivity(p.activity as Partial<Activity>);
        });
      default:
        throw new DeliveryError(`not a Teams delivery: ${p.type}`, true);
    }
  }

  private async ticket(id: number): Promise<Ticket> {
    const ticket = await this.d.tickets.get(id);
    if (!ticket) throw new DeliveryError(`ticket ${id} does not exist`, true);
    return ticket;
  }

  private async queuePost(ticketId: number) {
    const ticket = await this.ticket(ticketId);
    if (ticket.queueActivityId) return; // already posted (a retry after a crash mid-delivery)
    const queue = await this.d.queues.forCategory(ticket.queueCategoryId);
    if (!queue) throw new DeliveryError('no support queue registered for this category', true);
    const ref = await this.d.poster.ref(conversationKey(queue.channelId));
    const card = await queueCard(this.d, ticket, channelLocale(ticket));
    await this.d.poster.run(ref, async (ctx) => {
      const res = await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)], summary: ticket.radicado });
      if (!res?.id) throw new DeliveryError('Teams returned no activity id for the queue card', false);
      await this.d.tickets.setQueueMessage(ticket.id, queue.channelId, res.id);
    }, queue.channelId);
  }

  private async queueUpdate(ticketId: number) {
    const ticket = await this.ticket(ticketId);
    if (!ticket.queueConversationId || !ticket.queueActivityId) return;
    const ref = await this.d.poster.ref(conversationKey(ticket.queueConversationId));
    const card = await queueCard(this.d, ticket, channelLocale(ticket));
    await this.d.poster.run(ref, async (ctx) => {
      await ctx.updateActivity({ type: 'message', id: ticket.queueActivityId, attachments: [CardFactory.adaptiveCard(card)] });
    }, ticket.queueConversationId);
  }

  /** The card left in the channel of the queue a ticket moved out of: where it went, no buttons. */
  private async queueCardMoved(p: Extract<OutboxPayload, { type: 'queue_card_moved' }>) {
    const ticket = await this.ticket(p.ticketId);
    const ref = await this.d.poster.ref(conversationKey(p.conversationId));
    const locale = channelLocale(ticket);
    const card = await queueCard(this.d, ticket, locale, {
      viewer: { oid: '', supervisor: false, staff: false },
      notice: t(locale, 'queueMovedCard', { queue: this.d.views.queueName(p.toQueue, locale), name: p.by }),
      noRefresh: true,
    });
    await this.d.poster.run(ref, async (ctx) => {
      await ctx.updateActivity({ type: 'message', id: p.activityId, attachments: [CardFactory.adaptiveCard(card)] });
    }, p.conversationId);
  }

  /** Posts in the ticket's queue thread; nothing while its card is not posted. */
  private async inThread(ticket: Ticket, activity: Partial<Activity>) {
    if (!ticket.queueConversationId || !ticket.queueActivityId) return;
    const ref = await this.d.poster.ref(conversationKey(ticket.queueConversationId));
    await this.d.poster.run(ref, async (ctx) => {
      await ctx.sendActivity(activity);
    }, threadId(ticket));
  }

  private async threadMessage(ticketId: number, text: string) {
    const ticket = await this.ticket(ticketId);
    await this.inThread(ticket, { attachments: [CardFactory.adaptiveCard(threadReplyCard(this.d.cards, ticket, text, channelLocale(ticket)))] });
  }

  /** SLA alerts in the ticket's queue thread, @mentioning the given team members. */
  private async threadNotice(ticketId: number, notice: UserNotice, mentions: { userId: string; name: string }[]) {
    const ticket = await this.ticket(ticketId);
    const activity = threadNoticeActivity(notice, ticket, mentions, channelLocale(ticket));
    if (activity) await this.inThread(ticket, activity);
  }

  private async userMessage(oid: string, ticketId: number | undefined, notice: UserNotice) {
    const ref = await this.d.poster.ref(userKey(oid));
    const ticket = ticketId ? await this.ticket(ticketId) : undefined;
    const locale = recipientLocale(oid, ticket, ref);
    let card: AdaptiveCardJson;
    let summary: string;
    if (notice.kind === 'survey') {
      if (!ticket) return;
      card = surveyCard(this.d.cards, ticket, locale, this.d.surveyChangeWindowMs);
      summary = t(locale, 'surveyTitle', { radicado: ticket.radicado });
    } else {
      ({ card, summary } = noticeCard(this.d.cards, notice, ticket, locale, (id, l) => this.d.views.queueName(id, l)));
    }
    await this.d.poster.run(ref, async (ctx) => {
      await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)], summary });
    });
  }

  /** Re-renders the requester's confirmation card in place: current status, position and estimate. */
  private async requesterCardUpdate(ticketId: number) {
    const ticket = await this.ticket(ticketId);
    const where = await this.d.requesterCards.get(ticketId);
    if (!where) return;
    const ref = await this.d.poster.ref(userKey(ticket.requester.oid));
    const card = await confirmationCard(this.d, ticket, ticket.locale, where.userId);
    await this.d.poster.run(ref, async (ctx) => {
      await ctx.updateActivity({ type: 'message', id: where.activityId, attachments: [CardFactory.adaptiveCard(card)] });
    }, where.conversationId);
  }

  private async approvalRequest(ticketId: number) {
    const request = await this.d.approvals?.get(ticketId);
    if (!request) throw new DeliveryError(`ticket ${ticketId} has no approval request`, true);
    return request;
  }

  /**
   * An approval card in the approver's personal chat, remembered so it can be redrawn once decided.
   * A decided request's card is still delivered (decided, no buttons): the approver learns it is done.
   */
  private async approvalCard(ticketId: number, approverOid: string, reminder: boolean) {
    const ticket = await this.ticket(ticketId);
    const request = await this.approvalRequest(ticketId);
    // A reminder for a request decided meanwhile says nothing new.
    if (reminder && ticket.status !== 'pending_approval') return;
    const ref = await this.d.poster.ref(userKey(approverOid));
    const locale = recipientLocale(approverOid, ticket, ref);
    const card = approvalCard(this.d, ticket, request, approverOid, locale, this.d.clock.now(), { reminder });
    await this.d.poster.run(ref, async (ctx) => {
      const res = await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)], summary: t(locale, 'approvalCardTitle', { radicado: ticket.radicado }) });
      if (res?.id) await this.d.approvals!.setCard(ticketId, approverOid, ctx.activity.conversation.id, res.id);
    });
  }

  /** Redraws every posted approval card of a ticket with its current state (decided: no buttons). */
  private async approvalCardsUpdate(ticketId: number) {
    const ticket = await this.ticket(ticketId);
    const request = await this.approvalRequest(ticketId);
    for (const a of request.approvers) {
      if (!a.card) continue;
      const ref = await this.d.poster.ref(userKey(a.oid));
      const card = approvalCard(this.d, ticket, request, a.oid, recipientLocale(a.oid, ticket, ref), this.d.clock.now());
      await this.d.poster.run(ref, async (ctx) => {
        await ctx.updateActivity({ type: 'message', id: a.card!.activityId, attachments: [CardFactory.adaptiveCard(card)] });
      }, a.card.conversationId);
    }
  }

  /**
   * A major incident's announcement, in a channel (the ticket's language: the institution's) or in a
   * person's chat (their language). An incident resolved meanwhile is not announced any more.
   */
  private async incidentAnnouncement(p: Extract<OutboxPayload, { type: 'incident_announcement' }>) {
    const incident = await this.d.incidents?.get(p.masterId);
    if (!incident) throw new DeliveryError(`major incident ${p.masterId} does not exist`, true);
    if (incident.resolvedAt) return;
    const key = p.userOid ? userKey(p.userOid) : conversationKey(p.conversationId ?? '');
    const ref = await this.d.poster.ref(key);
    const locale = p.userOid ? recipientLocale(p.userOid, undefined, ref) : channelLocale(await this.ticket(p.masterId));
    const { card, summary } = announcementCard(this.d.cards, incident, locale, (id, l) => this.d.views.serviceName(id, l));
    await this.d.poster.run(ref, async (ctx) => {
      await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)], summary });
    }, p.conversationId);
  }

  /** Offers a ticket's file in the user's personal chat: Teams asks them to accept it. */
  private async fileConsent(oid: string, attachmentId: number, ticketId: number) {
    const attachment = await this.d.attachments?.get(attachmentId);
    if (!attachment || attachment.ticketId !== ticketId) throw new DeliveryError(`attachment ${attachmentId} does not exist`, true);
    const ticket = await this.ticket(ticketId);
    const ref = await this.d.poster.ref(userKey(oid));
    const consent = fileConsentCard(attachment, ticket, recipientLocale(oid, ticket, ref));
    await this.d.poster.run(ref, async (ctx) => {
      await ctx.sendActivity({ attachments: [consent] });
    });
  }
}
