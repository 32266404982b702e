/**
 * Delivers the outbox: queue cards, card updates, thread messages, 1:1 notifications and e-mails.
 * Paced per conversation (Teams allows about 7 messages per second per conversation), in order per
 * conversation, retried with backoff on 429/412/5xx (honouring Retry-After), final on 403/404.
 */
import { CardFactory, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import type { Config } from '../config';
import type { AttachmentRepository } from '../domain/attachments';
import { classifyHttpStatus, DeliveryError, nextAttemptDelay } from '../domain/delivery';
import { causeOf, clearedBy, encodeWarning, type DeliveryWarning } from '../domain/delivery-warning';
import { composeTicketCreatedMail, composeTicketResolvedMail, MailDeliveryError, type MailTransport } from '../domain/mail';
import type {
  Clock,
  ConversationRefRepository,
  OutboxItem,
  OutboxPayload,
  OutboxRecord,
  OutboxRepository,
  QueueRepository,
  RequesterCardRepository,
  TeamMemberRepository,
  TicketRepository,
  UserNotice,
} from '../domain/ports';
import type { Ticket } from '../domain/tickets/model';
import { POSITION_UPDATE_LIMIT, queueScope } from '../domain/queue/position';
import type { Locale } from '../domain/types';
import { formatDateTime, messages, t } from '../i18n';
import type { Logger } from '../logger';
import type { BotAdapter } from './adapter';
import type { CardRenderer } from './cards';
import { escapeMarkdown, plainText } from './cards';
import { statusText, type TicketViews } from './views';

export interface OutboxSenderDeps {
  cfg: Config;
  log: Logger;
  clock: Clock;
  adapter: BotAdapter;
  outbox: OutboxRepository;
  tickets: TicketRepository;
  queues: QueueRepository;
  members: TeamMemberRepository;
  refs: ConversationRefRepository;
  requesterCards: RequesterCardRepository;
  cards: CardRenderer;
  views: TicketViews;
  mail: MailTransport;
  contactText: (locale: Locale) => string;
  /** Files attached to tickets (#13), for file-consent cards. */
  attachments?: AttachmentRepository;
}

export interface DispatcherOptions {
  pollMs: number;
  /** Minimum spacing between deliveries to one conversation. */
  perKeyIntervalMs: number;
  maxAttempts: number;
  batch: number;
}

export class OutboxDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private readonly lastSent = new Map<string, number>();
  private readonly inFlight = new Set<number>();
  private quietTicks = 0;
  /** Renews the leases of the deliveries in flight while there are any (see renewLeases). */
  private heartbeat: NodeJS.Timeout | null = null;
  private renewing = false;

  constructor(private readonly d: OutboxSenderDeps, private readonly opts: DispatcherOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.stopHeartbeat();
  }

  /** Wakes the dispatcher now (after a change that enqueued something). */
  kick(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.tick()
        .then((n) => n)
        .catch((err) => {
          this.d.log.error({ err }, 'outbox dispatcher tick failed');
          return 0;
        })
        .then((n) => {
          this.running = null;
          // Right after deliveries, look again soon: the next item of a paced conversation becomes due
          // within perKeyIntervalMs (on PostgreSQL due() leaves paced conversations out altogether).
          this.quietTicks = n > 0 ? 0 : this.quietTicks + 1;
          this.schedule(n > 0 ? 0 : this.quietTicks <= 4 ? Math.min(this.opts.pollMs, this.opts.perKeyIntervalMs / 2) : this.opts.pollMs);
        });
    }, ms);
  }

  /** Delivers what is due now; returns how many deliveries were attempted. */
  async tick(): Promise<number> {
    const now = this.d.clock.now();
    const due = (await this.d.outbox.due(now, this.opts.batch)).filter((r) => !this.inFlight.has(r.id));
    const ready = due.filter((r) => now.getTime() - (this.lastSent.get(r.paceKey) ?? 0) >= this.opts.perKeyIntervalMs);
    // Claimed but paced: give them back so they stay due (for this or another instance).
    if (ready.length < due.length) await this.d.outbox.release(due.filter((r) => !ready.includes(r)).map((r) => r.id));
    if (!ready.length) {
      if (due.length) await sleep(this.opts.perKeyIntervalMs / 2);
      return due.length ? 1 : 0;
    }
    await Promise.all(ready.map((r) => this.deliverOne(r)));
    return ready.length;
  }

  private async deliverOne(rec: OutboxRecord): Promise<void> {
    this.inFlight.add(rec.id);
    this.startHeartbeat();
    this.lastSent.set(rec.paceKey, this.d.clock.now().getTime());
    try {
      await this.deliver(rec.payload);
      await this.d.outbox.markSent(rec.id, this.d.clock.now());
    } catch (err) {
      const e = toDeliveryError(err);
      const now = this.d.clock.now();
      if (e.permanent || rec.attempts + 1 >= this.opts.maxAttempts) {
        this.d.log.warn({ outboxId: rec.id, type: rec.payload.type, reason: e.message }, 'delivery failed for good');
        // The ticket's history first: once the item shows as failed, the failure is on the ticket.
        await this.recordFailure(rec, e.message).catch((err2) => this.d.log.error({ err: err2 }, 'could not record a delivery failure'));
        await this.d.outbox.markFailed(rec.id, e.message, now);
      } else {
        const delay = nextAttemptDelay(rec.attempts, e.retryAfterMs);
        this.d.log.info({ outboxId: rec.id, type: rec.payload.type, reason: e.message, delay }, 'delivery will be retried');
        // A 429 slows the whole conversation, not just this item.
        if (e.retryAfterMs) this.lastSent.set(rec.paceKey, now.getTime() + e.retryAfterMs);
        await this.d.outbox.markRetry(rec.id, new Date(now.getTime() + delay), e.message);
      }
    } finally {
      this.inFlight.delete(rec.id);
      if (!this.inFlight.size) this.stopHeartbeat();
    }
  }

  /**
   * While deliveries run, their claims are renewed every quarter of the lease: a delivery slower than
   * the lease (a slow connector, a long Retry-After wait inside the SDK) is not taken over by another
   * instance while this one lives, and the lease can stay short, so the claims of an instance that
   * died are taken over within one lease.
   */
  private startHeartbeat() {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.renewLeases(), Math.max(10, Math.floor(this.d.outbox.leaseMs / 4)));
    this.heartbeat.unref();
  }

  private stopHeartbeat() {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async renewLeases() {
    if (this.renewing || !this.inFlight.size) return;
    this.renewing = true;
    try {
      await this.d.outbox.renew([...this.inFlight], this.d.clock.now());
    } catch (err) {
      // The next beat tries again; the lease lasts four beats.
      this.d.log.warn({ err, inFlight: this.inFlight.size }, 'could not renew the outbox leases');
    } finally {
      this.renewing = false;
    }
  }

  /** A final failure is written on the ticket and shown to the engineers on its card. */
  private async recordFailure(rec: OutboxRecord, reason: string) {
    // Alerts to staff (SLA, low score) are not messages to the requester: logged above, not shown on the card.
    const p = rec.payload;
    if (!rec.ticketId || ['queue_update', 'queue_post', 'positions_changed', 'requester_card_update'].includes(p.type)) return;
    if (p.type === 'thread_notice' || (p.type === 'user_message' && ['sla_warning', 'sla_breached', 'low_score'].includes(p.notice.kind))) return;
    const ticket = await this.d.tickets.get(rec.ticketId);
    if (!ticket) return;
    const now = this.d.clock.now();
    const kind = rec.payload.type === 'mail' ? 'mail_failed' : 'delivery_failed';
    const effects: OutboxItem[] = ticket.queueConversationId
      ? [{ channel: 'teams', paceKey: `channel:${ticket.queueConversationId}`, ticketId: ticket.id, payload: { type: 'queue_update', ticketId: ticket.id } }]
      : [];
    // Who could not be reached, and why (shown in each reader's language on the queue card).
    let warning: DeliveryWarning;
    if (p.type === 'mail') warning = { to: 'mail', name: p.to, cause: 'other' };
    else if (p.type === 'user_message' && p.userOid !== ticket.requester.oid) {
      const member = await this.engineer(ticket, p.userOid);
      warning = { to: 'engineer', name: member?.name ?? ticket.assignee?.name ?? '', oid: p.userOid, cause: causeOf(reason) };
      // Reach the engineer anyway: the same notice in the ticket's queue thread, @mentioning them.
      if (member && ticket.queueConversationId && ticket.queueActivityId && staffNoticeText(p.notice, ticket, 'es')) {
        effects.push({
          channel: 'teams',
          paceKey: `channel:${ticket.queueConversationId}`,
          ticketId: ticket.id,
          payload: { type: 'thread_notice', ticketId: ticket.id, notice: p.notice, mentions: [{ userId: member.userId, name: member.name }] },
        });
        warning.mentionedInThread = true;
      }
    } else {
      warning = { to: 'requester', name: ticket.requester.name, oid: ticket.requester.oid, cause: causeOf(reason) };
    }
    for (let i = 0; i < 3; i++) {
      const fresh = (await this.d.tickets.get(rec.ticketId))!;
      const ok = await this.d.tickets.update(fresh.id, fresh.version, { updatedAt: fresh.updatedAt, mailError: encodeWarning(warning) }, [{ at: now, kind, data: { reason, type: rec.payload.type } }], effects);
      if (ok) return;
    }
  }

  /** An engineer of the ticket's queue team (for a mention), by object id. */
  private async engineer(ticket: Ticket, oid: string) {
    const queue = await this.d.queues.forCategory(ticket.categoryId);
    return queue ? (await this.d.members.list(queue.teamId)).find((m) => m.oid === oid) : undefined;
  }

  /** A message reached the person a queue card warned about: the warning goes, the card updates. */
  private async clearWarning(ticketId: number, delivered: { oid?: string; mail?: boolean }) {
    for (let i = 0; i < 3; i++) {
      const fresh = await this.d.tickets.get(ticketId);
      if (!fresh || !clearedBy(fresh.mailError, delivered)) return;
      const effects: OutboxItem[] = fresh.queueConversationId
        ? [{ channel: 'teams', paceKey: `channel:${fresh.queueConversationId}`, ticketId, payload: { type: 'queue_update', ticketId } }]
        : [];
      if (await this.d.tickets.update(fresh.id, fresh.version, { updatedAt: fresh.updatedAt, mailError: null }, [], effects)) return;
    }
  }

  private async deliver(p: OutboxPayload): Promise<void> {
    switch (p.type) {
      case 'queue_post':
        return this.queuePost(p.ticketId);
      case 'queue_update':
        return this.queueUpdate(p.ticketId);
      case 'thread_message':
        return this.threadMessage(p.ticketId, p.text);
      case 'thread_notice':
        return this.threadNotice(p.ticketId, p.notice, p.mentions);
      case 'user_message':
        return this.userMessage(p.userOid, p.ticketId, p.notice);
      case 'mail':
        return this.sendMail(p.to, p.ticketId, p.template);
      case 'positions_changed':
        return this.positionsChanged(p.ticketId);
      case 'requester_card_update':
        return this.requesterCardUpdate(p.ticketId);
      case 'file_consent':
        return this.fileConsent(p.userOid, p.attachmentId, p.ticketId);
      case 'turn_reply':
        return this.turnReply(p.reference as Partial<ConversationReference>, p.activity as Partial<Activity>);
    }
  }

  /**
   * A ticket entered or left the waiting queue: the requesters behind it (the first
   * POSITION_UPDATE_LIMIT, read now, so tickets filed meanwhile count) and its own requester get
   * their confirmation card updated. One pending update per ticket: repeated moves coalesce.
   */
  private async positionsChanged(ticketId: number) {
    const moved = await this.ticket(ticketId);
    const scope = queueScope(moved.categoryId, await this.d.queues.list());
    const behind = await this.d.tickets.waitingAfter(moved.id, scope, POSITION_UPDATE_LIMIT);
    const all = [moved, ...behind];
    const withCards = new Set(await this.d.requesterCards.withCards(all.map((t) => t.id)));
    const items = all
      .filter((t) => withCards.has(t.id))
      .map((t) => ({
        channel: 'teams' as const,
        paceKey: `user:${t.requester.oid}`,
        ticketId: t.id,
        payload: { type: 'requester_card_update' as const, ticketId: t.id },
      }));
    if (items.length) await this.d.outbox.enqueueCoalesced(items, [...this.inFlight]);
  }

  /** Re-renders the requester's confirmation card in place: current status, position and estimate. */
  private async requesterCardUpdate(ticketId: number) {
    const ticket = await this.ticket(ticketId);
    const where = await this.d.requesterCards.get(ticketId);
    if (!where) return;
    const ref = await this.ref(`user:${ticket.requester.oid}`);
    const data = await this.d.views.created(ticket, ticket.locale, { refreshUserIds: [where.userId] });
    const card = this.d.cards.render('ticket-created', { ...data });
    await this.continue({ ...ref, conversation: { ...ref.conversation!, id: where.conversationId } }, async (ctx) => {
      await ctx.updateActivity({ type: 'message', id: where.activityId, attachments: [CardFactory.adaptiveCard(card)] });
    });
  }

  private async ticket(id: number): Promise<Ticket> {
    const t = await this.d.tickets.get(id);
    if (!t) throw new DeliveryError(`ticket ${id} does not exist`, true);
    return t;
  }

  private async ref(key: string): Promise<Partial<ConversationReference>> {
    const ref = (await this.d.refs.get(key)) as Partial<ConversationReference> | null;
    if (!ref) throw new DeliveryError(`no conversation reference for ${key}`, true);
    return ref;
  }

  /**
   * Runs `logic` in a proactive turn and rethrows its failure. Without the catch, the adapter's
   * onTurnError would swallow the connector's 403/412/429/5xx (and post an apology into the
   * conversation), and the item would be marked sent.
   */
  private async continue(ref: Partial<ConversationReference>, logic: (ctx: TurnContext) => Promise<void>) {
    let failure: { error: unknown } | undefined;
    await this.d.adapter.continueConversationAsync(this.d.cfg.auth.appId ?? '', ref, async (ctx) => {
      try {
        withoutSdkRetries(ctx, this.d.adapter.ConnectorClientKey);
        await logic(ctx);
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
  }

  private async queueCardFor(ticket: Ticket) {
    const queue = await this.d.queues.forCategory(ticket.categoryId);
    const members = queue ? await this.d.members.list(queue.teamId) : [];
    const data = await this.d.views.queue(ticket, 'es', this.d.clock.now(), {
      staffView: true,
      refreshUserIds: members.map((m) => m.userId),
      engineers: members.map((m) => ({ oid: m.oid, name: m.name })),
    });
    return this.d.cards.render('queue-ticket', { ...data });
  }

  private async queuePost(ticketId: number) {
    const ticket = await this.ticket(ticketId);
    if (ticket.queueActivityId) return; // already posted (a retry after a crash mid-delivery)
    const queue = await this.d.queues.forCategory(ticket.categoryId);
    if (!queue) throw new DeliveryError('no support queue registered for this category', true);
    const ref = await this.ref(`conv:${queue.channelId}`);
    const card = await this.queueCardFor(ticket);
    await this.continue({ ...ref, conversation: { ...ref.conversation!, id: queue.channelId } }, async (ctx) => {
      const res = await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)], summary: ticket.radicado });
      if (!res?.id) throw new DeliveryError('Teams returned no activity id for the queue card', false);
      await this.d.tickets.setQueueMessage(ticket.id, queue.channelId, res.id);
    });
  }

  private async queueUpdate(ticketId: number) {
    const ticket = await this.ticket(ticketId);
    if (!ticket.queueConversationId || !ticket.queueActivityId) return;
    const ref = await this.ref(`conv:${ticket.queueConversationId}`);
    const card = await this.queueCardFor(ticket);
    await this.continue({ ...ref, conversation: { ...ref.conversation!, id: ticket.queueConversationId } }, async (ctx) => {
      await ctx.updateActivity({ type: 'message', id: ticket.queueActivityId, attachments: [CardFactory.adaptiveCard(card)] });
    });
  }

  private async threadMessage(ticketId: number, text: string) {
    const ticket = await this.ticket(ticketId);
    if (!ticket.queueConversationId || !ticket.queueActivityId) return;
    const ref = await this.ref(`conv:${ticket.queueConversationId}`);
    const card = this.d.cards.render('notice', {
      t: messages('es'),
      title: t('es', 'requesterReplyTitle', { name: plainText(ticket.requester.name, 100), radicado: ticket.radicado }),
      text: plainText(text, 4000),
      ticketId: ticket.id,
      canReply: false,
      canConfirm: false,
    });
    const threadId = `${ticket.queueConversationId};messageid=${ticket.queueActivityId}`;
    await this.continue({ ...ref, conversation: { ...ref.conversation!, id: threadId } }, async (ctx) => {
      await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
    });
  }

  /** SLA alerts in the ticket's queue thread, @mentioning the given team members. */
  private async threadNotice(ticketId: number, notice: UserNotice, mentions: { userId: string; name: string }[]) {
    const ticket = await this.ticket(ticketId);
    if (!ticket.queueConversationId || !ticket.queueActivityId) return;
    const ref = await this.ref(`conv:${ticket.queueConversationId}`);
    const text = staffNoticeText(notice, ticket, 'es');
    if (!text) return;
    const tags = mentions.map((m) => `<at>${escapeHtml(m.name)}</at>`);
    const body = [tags.join(' '), `**${escapeMarkdown(text.title, 500)}**`, escapeMarkdown(text.text, 2000)].filter(Boolean).join('\n\n');
    const threadId = `${ticket.queueConversationId};messageid=${ticket.queueActivityId}`;
    await this.continue({ ...ref, conversation: { ...ref.conversation!, id: threadId } }, async (ctx) => {
      await ctx.sendActivity({
        type: 'message',
        text: body,
        textFormat: 'markdown',
        entities: mentions.map((m, i) => ({ type: 'mention', text: tags[i], mentioned: { id: m.userId, name: m.name } })),
      });
    });
  }

  private async userMessage(oid: string, ticketId: number | undefined, notice: UserNotice) {
    const ref = await this.ref(`user:${oid}`);
    const ticket = ticketId ? await this.ticket(ticketId) : undefined;
    const locale: Locale = ticket && ticket.requester.oid === oid ? ticket.locale : (ref as { locale?: string }).locale?.startsWith('en') ? 'en' : 'es';
    const radicado = ticket?.radicado ?? '';
    if (notice.kind === 'survey') {
      if (!ticket) return;
      const card = this.d.cards.render('survey', surveyCardData(ticket, locale, this.d.cfg.survey.changeWindowMs));
      await this.continue(ref, async (ctx) => {
        await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)], summary: t(locale, 'surveyTitle', { radicado }) });
      });
      return;
    }
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
      case 'reopened':
        title = t(locale, 'reopenedTitle', { radicado, name: plainText(notice.by, 100) });
        text = notice.reason;
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
    const card = this.d.cards.render('notice', { t: messages(locale), title, text: plainText(text, 4000), ticketId: ticketId ?? 0, canReply, canConfirm });
    await this.continue(ref, async (ctx) => {
      await ctx.sendActivity({ attachments: [CardFactory.adaptiveCard(card)], summary: title });
    });
    if (ticket?.mailError) await this.clearWarning(ticket.id, { oid });
  }

  /** A direct reply the connector refused during its turn (reply-guard.ts), sent as it was. */
  private async turnReply(reference: Partial<ConversationReference>, activity: Partial<Activity>) {
    await this.continue(reference, async (ctx) => {
      await ctx.sendActivity(activity);
    });
  }

  /** Offers a ticket's file in the user's personal chat: Teams asks them to accept it (#13). */
  private async fileConsent(oid: string, attachmentId: number, ticketId: number) {
    const attachment = await this.d.attachments?.get(attachmentId);
    if (!attachment || attachment.ticketId !== ticketId) throw new DeliveryError(`attachment ${attachmentId} does not exist`, true);
    const ticket = await this.ticket(ticketId);
    const ref = await this.ref(`user:${oid}`);
    const locale: Locale = ticket.requester.oid === oid ? ticket.locale : (ref as { locale?: string }).locale?.startsWith('en') ? 'en' : 'es';
    const context = { attachmentId };
    await this.continue(ref, async (ctx) => {
      await ctx.sendActivity({
        attachments: [
          {
            contentType: 'application/vnd.microsoft.teams.card.file.consent',
            name: attachment.name,
            content: {
              description: t(locale, 'attachmentConsentDescription', { name: plainText(attachment.name, 120), radicado: ticket.radicado }),
              sizeInBytes: attachment.size,
              acceptContext: context,
              declineContext: context,
            },
          },
        ],
      });
    });
  }

  private async sendMail(to: string, ticketId: number, template: 'ticket_created' | 'ticket_resolved') {
    const ticket = await this.ticket(ticketId);
    const names = this.d.views.names(ticket, ticket.locale);
    const data = {
      radicado: ticket.radicado,
      serviceName: names.service,
      templateName: names.template,
      requesterName: ticket.requester.name,
      description: ticket.description,
      createdAt: ticket.createdAt,
      resolutionNote: ticket.resolutionNote,
      contactText: this.d.contactText(ticket.locale),
      botName: messages(ticket.locale).botName,
    };
    const msg = template === 'ticket_created' ? composeTicketCreatedMail(to, data, ticket.locale) : composeTicketResolvedMail(to, data, ticket.locale);
    await this.d.mail.send(msg);
    if (ticket.mailError) await this.clearWarning(ticket.id, { mail: true });
  }
}

/** Title and text of a notice to support staff (SLA alerts, low score), in a language. */
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

/** The survey card's data; `answer` pre-fills a given answer. */
export function surveyCardData(ticket: Ticket, locale: Locale, changeWindowMs: number, answer?: { score: number; comment?: string }, note = '') {
  const m = messages(locale);
  return {
    t: m,
    ticketId: ticket.id,
    title: t(locale, 'surveyTitle', { radicado: ticket.radicado }),
    body: t(locale, 'surveyBody', { minutes: Math.round(changeWindowMs / 60_000) }),
    choices: [1, 2, 3, 4, 5].map((n) => ({ title: m[`surveyScore${n}` as 'surveyScore1'], value: String(n) })),
    score: answer ? String(answer.score) : '',
    comment: answer?.comment ?? '',
    note,
    error: '',
    canAnswer: true,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The connector client's HTTP pipeline retries 429 (sleeping for Retry-After) and 5xx by itself, up
 * to three times, inside one delivery: that would stall the whole dispatcher tick and hide the
 * failure from the outbox. The outbox's persistent retry policy is the only one for proactive sends.
 */
export function withoutSdkRetries(ctx: TurnContext, key: symbol) {
  const client = ctx.turnState.get(key) as { client?: { pipeline?: { removePolicy(p: { name: string }): unknown } } } | undefined;
  client?.client?.pipeline?.removePolicy({ name: 'defaultRetryPolicy' });
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Maps connector (RestError) and mail errors to the delivery policy. */
export function toDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof MailDeliveryError) return new DeliveryError(err.message, err.permanent);
  const e = err as { statusCode?: number; message?: string; response?: { headers?: { get?: (k: string) => string | undefined } } };
  const retryAfter = e.response?.headers?.get?.('retry-after');
  const retryAfterMs = retryAfter && /^\d+(\.\d+)?$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  return classifyHttpStatus(e.statusCode, e.message ?? String(err), retryAfterMs);
}
