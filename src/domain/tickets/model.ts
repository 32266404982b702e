import type { Locale, Priority } from '../types';

export const STATUSES = ['pending_approval', 'new', 'assigned', 'in_progress', 'waiting_user', 'linked', 'resolved', 'closed', 'cancelled', 'rejected'] as const;
export type TicketStatus = (typeof STATUSES)[number];

/** Statuses in which the ticket still needs the service desk (it is in a support queue). */
export const OPEN_STATUSES: TicketStatus[] = ['new', 'assigned', 'in_progress', 'waiting_user'];

/**
 * Statuses in which the requester still waits for something: the open ones, awaiting approval, and
 * linked to a major incident (out of the FIFO queue: the incident's master is worked on instead).
 */
export const ACTIVE_STATUSES: TicketStatus[] = ['pending_approval', ...OPEN_STATUSES, 'linked'];

export type ContactChannel = 'phone' | 'teams';

/** Who asked: always taken from the authenticated activity and the directory, never from card data. */
export interface Requester {
  oid: string;
  tenantId: string;
  name: string;
  email?: string;
  upn?: string;
  department?: string;
}

/**
 * What a list of tickets shows of each one (the queue view "cola", the tab's lists), read without
 * the rest of the row: no description, form fields, contact or delivery columns.
 */
export interface TicketSummary
  extends Pick<Ticket, 'id' | 'radicado' | 'tenantId' | 'categoryId' | 'queueCategoryId' | 'serviceId' | 'templateId' | 'priority' | 'status' | 'assignee' | 'legacyAssignee' | 'createdAt' | 'firstResponseAt' | 'imported' | 'majorIncidentId' | 'sla'> {
  requester: Pick<Requester, 'oid' | 'name'>;
}

export interface Ticket {
  id: number;
  radicado: string;
  tenantId: string;
  requester: Requester;
  locale: Locale;
  phone?: string;
  contactChannel: ContactChannel;
  categoryId: string;
  /**
   * The category whose support queue serves it: its own category, until staff move it to another
   * queue ("mover a cola …"); GENERAL_QUEUE for the general queue.
   */
  queueCategoryId: string;
  serviceId: string;
  templateId: string;
  fieldValues: Record<string, string>;
  description: string;
  priority: Priority;
  status: TicketStatus;
  assignee?: { oid: string; name: string };
  /** An imported case's engineer in the previous service desk ("Técnico"): a name, not a bot user. */
  legacyAssignee?: string;
  resolutionNote?: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  firstResponseAt?: Date;
  resolvedAt?: Date;
  closedAt?: Date;
  queueConversationId?: string;
  queueActivityId?: string;
  mailError?: string;
  imported: boolean;
  /** When its personal data was anonymised (Ley 1581): it can no longer be reopened. */
  anonymisedAt?: Date;
  /** Linked to a major incident: the id of the incident's master ticket (it is resolved with it). */
  majorIncidentId?: number;
  /** SLA targets, due times and alert state; absent on tickets filed before SLAs existed. */
  sla?: TicketSla;
}

/** Targets in working minutes and the due times they give, fixed when the ticket is filed. */
export interface SlaStart {
  firstResponseMinutes: number;
  resolutionMinutes: number;
  firstResponseDueAt: Date;
  firstResponseWarnAt: Date;
  resolutionDueAt: Date;
  resolutionWarnAt: Date;
}

export interface TicketSla extends SlaStart {
  /** Set while the clock is paused (waiting for the user, resolved). */
  pausedAt?: Date;
  /** Working minutes spent paused so far (due times were shifted by as much). */
  pausedMinutes: number;
  firstResponseWarnedAt?: Date;
  firstResponseBreachedAt?: Date;
  resolutionWarnedAt?: Date;
  resolutionBreachedAt?: Date;
}

export interface NewTicket {
  /** Idempotency key of the submission: the same form submitted twice gives one ticket. */
  submissionKey: string;
  requester: Requester;
  locale: Locale;
  phone?: string;
  contactChannel: ContactChannel;
  categoryId: string;
  serviceId: string;
  templateId: string;
  fieldValues: Record<string, string>;
  description: string;
  priority: Priority;
  createdAt: Date;
  sla?: SlaStart;
  /** Filed awaiting approval ('pending_approval'): no support queue and no SLA clock until approved. */
  awaitingApproval?: boolean;
  /** Filed linked to this major incident's master ('linked'): not in the FIFO queue. */
  majorIncidentId?: number;
}

export type EventKind =
  | 'created'
  | 'assigned'
  | 'status_changed'
  | 'message'
  | 'reopened'
  | 'confirmed'
  | 'delivery_failed'
  | 'mail_failed'
  | 'escalated'
  /** Personal data of the ticket replaced by a marker (Ley 1581); lists the redacted events. */
  | 'anonymised'
  /** The contact phone was erased by the retention job. */
  | 'phone_erased'
  | 'sla_warning'
  | 'survey_answered'
  | 'attachment_added'
  | 'attachment_sent'
  /** Staff moved the ticket to another support queue ("mover a cola …"). */
  | 'queue_moved'
  /** The request waits for approval; data: who was asked. */
  | 'approval_requested'
  /** The pending approvers were reminded. */
  | 'approval_reminded'
  /** Nobody decided in time: more approvers were asked. */
  | 'approval_escalated'
  /** An approver approved (data: on whose behalf) and the ticket entered its support queue. */
  | 'approved'
  /** An approver rejected it, with the reason: the ticket is closed as rejected. */
  | 'rejected'
  /** A supervisor promoted the ticket to master of a major incident (title, services, status). */
  | 'major_incident_declared'
  /** On a master: a ticket was linked to it (its radicado). */
  | 'incident_child_linked'
  /** On a master: an update went to every linked requester (number, text, how many people). */
  | 'incident_update'
  /** The ticket was linked to a major incident (the master's radicado): out of the FIFO queue. */
  | 'linked_to_incident'
  /** Reopened after its major incident: unlinked, back in the FIFO queue. */
  | 'unlinked_from_incident';

export interface NewEvent {
  at: Date;
  actor?: { oid: string; name: string };
  kind: EventKind;
  data: Record<string, unknown>;
}

export interface TicketEvent extends NewEvent {
  id: number;
  ticketId: number;
}

/** A message between requester and engineer, stored as a 'message' event. */
export interface TicketMessage {
  at: Date;
  from: 'requester' | 'agent';
  authorName: string;
  text: string;
}

/** `queueCategoryId` of a ticket moved to the general queue (no category has this id). */
export const GENERAL_QUEUE = '*';
