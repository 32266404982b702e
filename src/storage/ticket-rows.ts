/** A tickets row and its mapping to the domain's Ticket; the SQL fragments of the queue (both engines). */
import type { Ticket, TicketSla, TicketSummary } from '../domain/tickets/model';
import { ACTIVE_STATUSES, OPEN_STATUSES } from '../domain/tickets/model';
import type { QueueScope } from '../domain/queue/position';
import { placeholders } from './sql';

/** A tickets row (PostgreSQL returns Date objects where SQLite returns ISO text; both map alike). */
export interface Row {
  id: number;
  radicado: string;
  tenant_id: string;
  requester_oid: string;
  requester_name: string;
  requester_email: string | null;
  requester_upn: string | null;
  requester_department: string | null;
  locale: string;
  phone: string | null;
  contact_channel: string;
  category_id: string;
  route_category_id?: string;
  service_id: string;
  template_id: string;
  field_values: string;
  description: string;
  priority: string;
  status: string;
  assignee_oid: string | null;
  assignee_name: string | null;
  resolution_note: string | null;
  version: number;
  created_at: string | Date;
  updated_at: string | Date;
  first_response_at: string | Date | null;
  resolved_at: string | Date | null;
  closed_at: string | Date | null;
  queue_conversation_id: string | null;
  queue_activity_id: string | null;
  mail_error: string | null;
  imported: number;
  anonymised_at?: string | null;
  major_incident_id?: number | null;
  sla_first_response_minutes?: number | null;
  sla_resolution_minutes?: number | null;
  first_response_due_at?: string | Date | null;
  first_response_warn_at?: string | Date | null;
  resolution_due_at?: string | Date | null;
  resolution_warn_at?: string | Date | null;
  sla_paused_at?: string | Date | null;
  sla_paused_minutes?: number;
  first_response_warned_at?: string | Date | null;
  first_response_breached_at?: string | Date | null;
  resolution_warned_at?: string | Date | null;
  resolution_breached_at?: string | Date | null;
}

function toSla(r: SlaRow): TicketSla | undefined {
  if (r.sla_resolution_minutes == null || r.sla_first_response_minutes == null || !r.resolution_due_at || !r.first_response_due_at) return undefined;
  return {
    firstResponseMinutes: r.sla_first_response_minutes,
    resolutionMinutes: r.sla_resolution_minutes,
    firstResponseDueAt: new Date(r.first_response_due_at),
    firstResponseWarnAt: new Date(r.first_response_warn_at ?? r.first_response_due_at),
    resolutionDueAt: new Date(r.resolution_due_at),
    resolutionWarnAt: new Date(r.resolution_warn_at ?? r.resolution_due_at),
    pausedAt: d(r.sla_paused_at ?? null),
    pausedMinutes: r.sla_paused_minutes ?? 0,
    firstResponseWarnedAt: d(r.first_response_warned_at ?? null),
    firstResponseBreachedAt: d(r.first_response_breached_at ?? null),
    resolutionWarnedAt: d(r.resolution_warned_at ?? null),
    resolutionBreachedAt: d(r.resolution_breached_at ?? null),
  };
}

const d = (s: string | Date | null) => (s ? new Date(s) : undefined);
const u = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function toTicket(r: Row): Ticket {
  // What a list shows of it (toSummary), and the rest of the row.
  return {
    ...toSummary(r),
    requester: {
      oid: r.requester_oid,
      tenantId: r.tenant_id,
      name: r.requester_name,
      email: u(r.requester_email),
      upn: u(r.requester_upn),
      department: u(r.requester_department),
    },
    locale: r.locale === 'en' ? 'en' : 'es',
    phone: u(r.phone),
    contactChannel: r.contact_channel === 'phone' ? 'phone' : 'teams',
    fieldValues: JSON.parse(r.field_values),
    description: r.description,
    resolutionNote: u(r.resolution_note),
    version: r.version,
    updatedAt: new Date(r.updated_at),
    resolvedAt: d(r.resolved_at),
    closedAt: d(r.closed_at),
    queueConversationId: u(r.queue_conversation_id),
    queueActivityId: u(r.queue_activity_id),
    mailError: u(r.mail_error),
    anonymisedAt: d(r.anonymised_at ?? null),
  };
}

/** The SLA columns of a row. */
const SLA_COLUMNS = [
  'sla_first_response_minutes',
  'sla_resolution_minutes',
  'first_response_due_at',
  'first_response_warn_at',
  'resolution_due_at',
  'resolution_warn_at',
  'sla_paused_at',
  'sla_paused_minutes',
  'first_response_warned_at',
  'first_response_breached_at',
  'resolution_warned_at',
  'resolution_breached_at',
] as const;
type SlaRow = Pick<Row, (typeof SLA_COLUMNS)[number]>;

/** The columns a TicketSummary is read from: a list reads these, not the whole row. */
const SUMMARY_COLUMNS = [
  'id',
  'radicado',
  'tenant_id',
  'requester_oid',
  'requester_name',
  'category_id',
  'route_category_id',
  'service_id',
  'template_id',
  'priority',
  'status',
  'assignee_oid',
  'assignee_name',
  'imported',
  'created_at',
  'first_response_at',
  'major_incident_id',
  ...SLA_COLUMNS,
] as const;
export type SummaryRow = Pick<Row, (typeof SUMMARY_COLUMNS)[number]>;
/** `t.id, t.radicado, …`: the summary's columns of the table named `alias`. */
export const summaryColumns = (alias: string) => SUMMARY_COLUMNS.map((c) => `${alias}.${c}`).join(', ');

/** A list's summary of a ticket, from its summary columns (the same values toTicket gives them). */
export function toSummary(r: SummaryRow): TicketSummary {
  return {
    id: r.id,
    radicado: r.radicado,
    tenantId: r.tenant_id,
    requester: { oid: r.requester_oid, name: r.requester_name },
    categoryId: r.category_id,
    queueCategoryId: r.route_category_id || r.category_id,
    serviceId: r.service_id,
    templateId: r.template_id,
    priority: r.priority as Ticket['priority'],
    status: r.status as Ticket['status'],
    assignee: r.assignee_oid ? { oid: r.assignee_oid, name: r.assignee_name ?? '' } : undefined,
    legacyAssignee: !r.assignee_oid && r.imported === 1 && r.assignee_name ? r.assignee_name : undefined,
    createdAt: new Date(r.created_at),
    firstResponseAt: d(r.first_response_at),
    imported: r.imported === 1,
    majorIncidentId: u(r.major_incident_id ?? null),
    sla: toSla(r),
  };
}

export const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(',');
/** Open or awaiting approval: what the requester still waits for. */
export const ACTIVE_SQL = ACTIVE_STATUSES.map((s) => `'${s}'`).join(',');
/** Waiting in the FIFO queue (matches the partial index tickets_waiting). */
export const WAITING = `status = 'new' AND imported = 0`;

/** A queue scope as SQL over `?` placeholders (an empty scope is a condition both engines accept). */
export function scopeSql(scope: QueueScope, alias = ''): { sql: string; args: string[] } {
  if ('include' in scope) {
    return scope.include.length ? { sql: `${alias}route_category_id IN (${placeholders(scope.include)})`, args: scope.include } : { sql: '1 = 0', args: [] };
  }
  return scope.exclude.length ? { sql: `${alias}route_category_id NOT IN (${placeholders(scope.exclude)})`, args: scope.exclude } : { sql: '1 = 1', args: [] };
}
