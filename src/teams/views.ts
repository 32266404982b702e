/**
 * Data for the ticket cards (requester status, confirmation, queue card). Shared by the handlers and
 * the outbox sender, so a card looks the same whether it answers a click or arrives proactively.
 */
import type { AttachmentRepository } from '../domain/attachments';
import type { CatalogService } from '../domain/catalog';
import { ESTIMATE_SAMPLE, estimateWait, queueScope } from '../domain/queue/position';
import type { ApprovalRepository } from '../domain/approvals/model';
import type { IncidentRepository, MajorIncident } from '../domain/incidents/model';
import type { Ticket, TicketSummary } from '../domain/tickets/model';
import { OPEN_STATUSES } from '../domain/tickets/model';
import { pick, type Locale } from '../domain/types';
import { formatDate, formatDateTime, messages, t } from '../i18n';
import { escapeMarkdown, plainText } from './cards';
import { DEFAULT_CALENDAR, type CalendarConfig } from '../domain/sla/working-calendar';
import { systemClock, type Clock, type QueueRepository, type TicketRepository } from '../domain/ports';
import { age, duration, fileSize, slaView, STATUS_COLOR, statusText, warningText } from './render/format';

/** Whether someone attends the case: an engineer of the bot, or (imported case) of the previous service desk. */
const attended = (ticket: Ticket) => !!ticket.assignee || !!ticket.legacyAssignee;

/** Who attends the case as the cards show it (markdown-escaped): the engineer, the previous system's technician, or "Sin asignar". */
function assigneeText(ticket: Pick<Ticket, 'assignee' | 'legacyAssignee'>, locale: Locale): string {
  if (ticket.assignee) return escapeMarkdown(ticket.assignee.name);
  if (ticket.legacyAssignee) return t(locale, 'legacyAssignee', { name: escapeMarkdown(ticket.legacyAssignee) });
  return escapeMarkdown(messages(locale).unassigned);
}

export class TicketViews {
  /** Where "Abrir en la pestaña" opens a case (a Teams deep link to the tab); unset: no such button. */
  tabLink?: (ticketId: number) => string;

  constructor(
    private readonly catalog: CatalogService,
    private readonly tickets: TicketRepository,
    private readonly contact: (locale: Locale) => string,
    private readonly clock: Clock = systemClock,
    /** Support queues, to count positions per queue (without it: one queue for all). */
    private readonly queues?: QueueRepository,
    /** Files attached to tickets, listed on the status and queue cards. */
    private readonly attachments?: Pick<AttachmentRepository, 'listByTicket'>,
    /** The SLA working calendar (SLA_OFFICE_HOURS, Colombian holidays): the wait estimate counts its minutes. */
    private readonly calendar: CalendarConfig = DEFAULT_CALENDAR,
    /** Whether e-mail is sent at all (MAIL_TRANSPORT other than none): the cards promise it only then. */
    private readonly mailOn = false,
    /** Requests awaiting approval: the requester's cards say who must approve. */
    private readonly approvals?: Pick<ApprovalRepository, 'get'>,
    /** Major incidents: a master's card shows it, a linked ticket's cards say which one. */
    private readonly incidents?: Pick<IncidentRepository, 'get' | 'open'>,
  ) {}

  /** The ticket's attachments for a card: name, size, who, a short checksum, and the id for "send me". */
  async attachmentItems(ticket: Ticket, locale: Locale) {
    const list = this.attachments ? await this.attachments.listByTicket(ticket.id, 20) : [];
    // A file deleted with its person's data (Ley 1581) is listed as such, without "send me".
    return list.map((a) => ({
      attachmentId: a.id,
      name: a.deletedAt ? messages(locale).attachmentDeletedName : plainText(a.name, 120),
      size: fileSize(a.size, locale),
      by: plainText(a.uploader.name, 100),
      at: formatDateTime(a.createdAt, locale),
      checksum: `SHA-256 ${a.sha256.slice(0, 12)}…`,
      available: !a.deletedAt,
    }));
  }

  names(ticket: Pick<Ticket, 'serviceId' | 'templateId' | 'imported'>, locale: Locale) {
    const service = this.catalog.findService(ticket.serviceId);
    const template = this.catalog.findTemplate(ticket.templateId);
    return {
      service: service ? pick(service.name, locale) : ticket.serviceId,
      template: template ? pick(template.name, locale) : ticket.imported ? messages(locale).importedTemplate : ticket.templateId,
    };
  }

  /** A catalog service's name in the reader's language (its id when it is no longer in the catalog). */
  serviceName(serviceId: string, locale: Locale): string {
    const service = this.catalog.findService(serviceId);
    return service ? pick(service.name, locale) : serviceId;
  }

  /** The template's fields as filled, labelled in the reader's language (choices by their label). */
  fieldFacts(ticket: Ticket, locale: Locale): { title: string; value: string }[] {
    return this.fieldValues(ticket, locale).map((f) => ({ title: escapeMarkdown(f.label, 80), value: escapeMarkdown(f.value, 300) }));
  }

  /** The same as plain text (for the tab, which never renders Markdown). */
  fieldValues(ticket: Ticket, locale: Locale): { label: string; value: string }[] {
    const template = this.catalog.findTemplate(ticket.templateId);
    return (template?.fields ?? [])
      .filter((f) => ticket.fieldValues[f.id])
      .map((f) => {
        const raw = ticket.fieldValues[f.id];
        const choice = f.choices?.find((c) => c.value === raw);
        // A date field holds the day as typed by the date picker (2026-12-03): shown as people read it.
        const noon = f.type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T12:00:00-05:00`) : null;
        const day = noon && !Number.isNaN(noon.getTime()) ? formatDate(noon, locale) : null;
        return { label: pick(f.label, locale), value: choice ? pick(choice.label, locale) : (day ?? raw) };
      });
  }

  /** A support queue by the category it serves: the catalog category's name, or the general queue. */
  queueName(queueCategoryId: string, locale: Locale): string {
    const cat = this.catalog.catalog.categories.find((c) => c.id === queueCategoryId);
    return cat ? pick(cat.name, locale) : messages(locale).queueGeneral;
  }

  async position(ticket: Ticket): Promise<string> {
    return (await this.queueInfo(ticket, 'es')).position;
  }

  /**
   * "Usted es el número N en la cola" and the wait estimate from the queue's recent attention rate
   * (domain/queue/position), for a ticket still waiting; empty strings otherwise.
   */
  async queueInfo(ticket: Ticket, locale: Locale): Promise<{ position: string; positionText: string; estimateText: string }> {
    const none = { position: '', positionText: '', estimateText: '' };
    if (ticket.status === 'pending_approval') return this.approvalInfo(ticket, locale);
    if (ticket.status === 'linked') return this.incidentInfo(ticket, locale);
    if (ticket.status !== 'new' || ticket.imported) return none;
    const scope = queueScope(ticket.queueCategoryId, this.queues ? await this.queues.list() : []);
    const p = await this.tickets.queuePosition(ticket, scope);
    if (!p) return none;
    const estimate = estimateWait(p, await this.tickets.recentTakes(scope, ESTIMATE_SAMPLE), this.calendar);
    return {
      position: String(p),
      positionText: t(locale, 'positionLine', { n: p }),
      estimateText: estimate
        ? t(locale, 'estimateLine', { time: duration(estimate.minutes, locale), takes: estimate.takes })
        : t(locale, 'estimateNone'),
    };
  }

  /** Linked to a major incident: which one and its latest news, in the position's place. */
  private async incidentInfo(ticket: Ticket, locale: Locale) {
    const incident = await this.linkedIncident(ticket);
    const line = linkedLine(incident, locale);
    const news = incident?.latest ?? (incident ? { text: incident.statusText, at: incident.declaredAt } : null);
    return {
      position: '',
      positionText: line || messages(locale).status_linked,
      estimateText: news ? t(locale, 'incidentLatest', { at: formatDateTime(news.at, locale), text: escapeMarkdown(news.text, 500) }) : '',
    };
  }

  /** The major incident a ticket is linked to, read once per card. */
  private async linkedIncident(ticket: Ticket): Promise<MajorIncident | null> {
    return ticket.majorIncidentId ? ((await this.incidents?.get(ticket.majorIncidentId)) ?? null) : null;
  }

  /** Awaiting approval: who must approve (the designated approvers asked so far), in the position's place. */
  private async approvalInfo(ticket: Ticket, locale: Locale) {
    const request = await this.approvals?.get(ticket.id);
    const names = (request?.approvers ?? []).filter((a) => !a.onBehalfOf).map((a) => a.name);
    return {
      position: '',
      positionText: names.length ? t(locale, 'approvalWaitingLine', { names: escapeMarkdown(names.join(', '), 300) }) : messages(locale).status_pending_approval,
      estimateText: messages(locale).approvalWaitingNote,
    };
  }

  /**
   * The requester's confirmation card. `refreshUserIds` (the requester's Teams id) turns on the
   * Universal Actions refresh while the ticket is open, so the position stays current.
   */
  async created(ticket: Ticket, locale: Locale, opts: { refreshUserIds?: string[] } = {}) {
    const n = this.names(ticket, locale);
    const q = await this.queueInfo(ticket, locale);
    const refreshUserIds = OPEN_STATUSES.includes(ticket.status) ? (opts.refreshUserIds ?? []).slice(0, 60) : [];
    return {
      t: messages(locale),
      ticketId: ticket.id,
      radicado: ticket.radicado,
      service: escapeMarkdown(n.service),
      template: escapeMarkdown(n.template),
      status: statusText(ticket.status, locale),
      position: q.position,
      positionText: q.positionText,
      estimateText: q.estimateText,
      created: formatDateTime(ticket.createdAt, locale),
      summary: plainText(ticket.description, 280),
      contact: escapeMarkdown(this.contact(locale)),
      // Promised only when a confirmation e-mail really goes out.
      mailText: this.mailOn && ticket.requester.email ? t(locale, 'createdMail', { email: escapeMarkdown(ticket.requester.email, 320) }) : '',
      refreshEnabled: refreshUserIds.length > 0,
      refreshUserIds,
    };
  }

  /** The requester's (or a support engineer's) status view with the actions that make sense now. */
  async status(ticket: Ticket, locale: Locale, viewerOid: string, opts: { viewerUserId?: string; notice?: { text: string; error?: boolean; typed?: string } } = {}) {
    const n = this.names(ticket, locale);
    const sla = slaView(ticket, locale, this.clock.now());
    const isRequester = viewerOid === ticket.requester.oid;
    const q = await this.queueInfo(ticket, locale);
    // Only the requester's own view refreshes itself (Universal Actions, userIds = the requester).
    const refreshUserIds = isRequester && opts.viewerUserId && OPEN_STATUSES.includes(ticket.status) ? [opts.viewerUserId] : [];
    const msgs = await this.tickets.events(ticket.id, { kinds: ['message'], limit: 5 });
    const open = OPEN_STATUSES.includes(ticket.status);
    return {
      t: messages(locale),
      ticketId: ticket.id,
      radicado: ticket.radicado,
      statusText: statusText(ticket.status, locale),
      statusColor: STATUS_COLOR[ticket.status],
      // A line on the card after an action: what happened, or (in red) why it could not be done.
      notice: opts.notice?.text ?? '',
      noticeColor: opts.notice?.error ? 'Attention' : 'Good',
      typedMessage: opts.notice?.typed ?? '',
      service: escapeMarkdown(n.service),
      template: escapeMarkdown(n.template),
      assignee: assigneeText(ticket, locale),
      assigneeLabel: attended(ticket) ? messages(locale).labelAssignee : messages(locale).labelAssignment,
      position: q.position,
      positionText: q.positionText,
      estimateText: q.estimateText,
      created: formatDateTime(ticket.createdAt, locale),
      updated: formatDateTime(ticket.updatedAt, locale),
      summary: plainText(ticket.description, 500),
      resolution: plainText(ticket.resolutionNote ?? '', 1000),
      messages: msgs.map((e) => ({
        author: plainText(e.actor?.name ?? '', 100),
        at: formatDateTime(e.at, locale),
        text: plainText(String(e.data.text ?? ''), 1000),
      })),
      attachments: await this.attachmentItems(ticket, locale),
      canReply: isRequester && (open || ticket.status === 'resolved'),
      canConfirm: isRequester && ticket.status === 'resolved',
      canReopen: isRequester && (ticket.status === 'resolved' || ticket.status === 'closed'),
      canCancel: isRequester && (ticket.status === 'new' || ticket.status === 'pending_approval'),
      // The requester sees when to expect the solution; staff also the first-response target.
      firstResponseDue: isRequester ? '' : sla.firstResponseDue,
      resolutionDue: sla.resolutionDue,
      resolutionLabel: isRequester ? messages(locale).labelResolutionEstimate : messages(locale).labelResolutionDue,
      slaPausedText: sla.slaPaused ? (isRequester ? messages(locale).slaPausedRequester : messages(locale).slaPausedNote) : '',
      // Staff (e.g. the card "siguiente" answers with) also see a missed or nearly missed target.
      slaFlag: isRequester ? '' : sla.slaFlag,
      slaWarning: isRequester ? '' : sla.slaWarning,
      refreshEnabled: refreshUserIds.length > 0,
      refreshUserIds,
    };
  }

  /**
   * One line of the queue list ("cola"): position, service, status, age, the resolution due time and
   * the SLA state; an imported case of the previous service desk is marked as such.
   */
  listItem(ticket: TicketSummary, position: number, locale: Locale, now: Date) {
    const m = messages(locale);
    const sla = slaView(ticket, locale, now);
    return {
      ticketId: ticket.id,
      position,
      radicado: ticket.radicado,
      service: escapeMarkdown(this.names(ticket, locale).service),
      statusText: statusText(ticket.status, locale, 'staff'),
      assignee: assigneeText(ticket, locale),
      age: age(ticket.createdAt, now, locale),
      importedTag: ticket.imported ? m.queueImportedTag : '',
      resolutionDue: sla.resolutionDue ? t(locale, 'queueResolutionDue', { due: sla.resolutionDue }) : '',
      slaFlag: sla.slaFlag,
      slaWarning: sla.slaWarning,
      canTake: ticket.status === 'new',
    };
  }

  /** The support channel's card: everything an engineer needs, with the actions of the moment. */
  /**
   * `viewer`: the person the card is rendered for (a refresh or an action), who sees only the actions
   * they may take; without one (the card posted to the channel), every staff action of the moment is
   * shown and the server decides (Universal Actions refresh then gives each listed person their view).
   */
  async queue(
    ticket: Ticket,
    locale: Locale,
    now: Date,
    opts: { staffView: boolean; refreshUserIds: string[]; engineers?: { oid: string; name: string }[]; viewer?: { oid: string; supervisor: boolean } },
  ) {
    const n = this.names(ticket, locale);
    const m = messages(locale);
    const fieldFacts = this.fieldFacts(ticket, locale);
    const open = OPEN_STATUSES.includes(ticket.status);
    const s = ticket.status;
    const staff = opts.staffView;
    const v = opts.viewer;
    // Who may move the case along: its engineer, or a supervisor (the state machine's rule).
    const manages = staff && (!v || v.supervisor || ticket.assignee?.oid === v.oid);
    const incident = await this.incidents?.get(ticket.id);
    const incidentOpen = !!incident && !incident.resolvedAt;
    // "Vincular a incidente mayor" only while there is one to link to.
    const linkable = staff && open && !incident && !ticket.majorIncidentId && !!(await this.incidents?.open(ticket.tenantId))?.length;
    return {
      t: m,
      ticketId: ticket.id,
      radicado: ticket.radicado,
      statusText: statusText(s, locale, 'staff'),
      statusColor: STATUS_COLOR[s],
      service: escapeMarkdown(n.service),
      template: escapeMarkdown(n.template),
      requester: escapeMarkdown(
        [ticket.requester.name, ticket.requester.department, ticket.requester.email].filter(Boolean).join(' · '),
      ),
      phone: escapeMarkdown(ticket.phone ?? '—'),
      channel: ticket.contactChannel === 'phone' ? m.channelPhone : m.channelTeams,
      priority: m[`priority_${ticket.priority}`],
      created: `${formatDateTime(ticket.createdAt, locale)} (${age(ticket.createdAt, now, locale)})`,
      position: await this.position(ticket),
      assignee: assigneeText(ticket, locale),
      // "Lo atiende: Laura", but "Asignación: Sin asignar" (never "Lo atiende Sin asignar").
      assigneeLabel: attended(ticket) ? m.labelAssignee : m.labelAssignment,
      fieldFacts,
      description: plainText(ticket.description, 1500),
      resolution: plainText(ticket.resolutionNote ?? '', 1000),
      warning: warningText(ticket.mailError, locale),
      /** An error or refusal shown on the card, and what was typed (set by the caller). */
      notice: '',
      typedMessage: '',
      typedNote: '',
      attachments: await this.attachmentItems(ticket, locale),
      canTake: staff && s === 'new',
      canAct: manages && open && !!ticket.assignee,
      canResolve: manages && !!ticket.assignee && (s === 'assigned' || s === 'in_progress' || s === 'waiting_user'),
      canStart: manages && !!ticket.assignee && (s === 'assigned' || s === 'waiting_user'),
      canWait: manages && !!ticket.assignee && (s === 'assigned' || s === 'in_progress'),
      // A solved case can become a knowledge-base article (a draft a supervisor publishes).
      canDraftArticle: staff && (s === 'resolved' || s === 'closed'),
      tabUrl: staff && this.tabLink ? this.tabLink(ticket.id) : '',
      // Major incidents: the master's banner, count and latest news; a linked ticket says which one.
      incidentBanner: incident ? t(locale, 'incidentBanner', { title: escapeMarkdown(incident.title, 200) }) : '',
      incidentFacts: incident
        ? t(locale, incident.linked === 1 ? 'incidentFactsOne' : 'incidentFacts', { count: incident.linked, services: escapeMarkdown(incident.serviceIds.map((id) => this.serviceName(id, locale)).join(', '), 300) })
        : '',
      incidentLatest: incident ? t(locale, 'incidentLatest', incident.latest ? { at: formatDateTime(incident.latest.at, locale), text: escapeMarkdown(incident.latest.text, 500) } : { at: formatDateTime(incident.declaredAt, locale), text: escapeMarkdown(incident.statusText, 500) }) : '',
      linkedTo: linkedLine(await this.linkedIncident(ticket), locale),
      canDeclareIncident: staff && (!v || v.supervisor) && open && !incident && !ticket.majorIncidentId,
      canLinkIncident: linkable,
      canPostUpdate: staff && incidentOpen,
      refreshUserIds: opts.refreshUserIds.slice(0, 60),
      engineers: (opts.engineers ?? []).map((e) => ({ title: escapeMarkdown(e.name, 100), value: e.oid })),
      canAssign: staff && (!v || v.supervisor) && open && (opts.engineers ?? []).length > 0,
      ...slaView(ticket, locale, now),
    };
  }
}

/** "Vinculado al incidente mayor MDA-…: título", or '' when the ticket is not linked. */
function linkedLine(incident: MajorIncident | null, locale: Locale): string {
  return incident ? t(locale, 'incidentLinkedTo', { radicado: incident.radicado, title: escapeMarkdown(incident.title, 200) }) : '';
}
