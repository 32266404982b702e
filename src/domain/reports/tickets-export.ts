/**
 * The tickets CSV export: one row per ticket created in a date range (Bogotá calendar days,
 * both ends included), with its SLA targets and outcome and its satisfaction answer.
 */
import type { Ticket } from '../tickets/model';
import type { CalendarConfig } from '../sla/working-calendar';
import { toCsv } from './csv';
import { approvalMinutes, firstResponseMet, resolutionMet, type ApprovalFacts, type IncidentFacts, type ReportDataSource } from './metrics';

export const EXPORT_COLUMNS = [
  'radicado',
  'created',
  'status',
  'priority',
  'category',
  'service',
  'template',
  'requester',
  'requesterEmail',
  'department',
  'assignee',
  'approval',
  'approvedBy',
  'approvalHours',
  'majorIncident',
  'firstResponseAt',
  'firstResponseDue',
  'firstResponseMet',
  'resolvedAt',
  'resolutionDue',
  'resolutionMet',
  'closedAt',
  'satisfaction',
  'satisfactionComment',
  'description',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/** Longest range accepted, in days. */
export const MAX_EXPORT_DAYS = 366;

export class DateRangeError extends Error {
  override readonly name = 'DateRangeError';
  constructor(readonly reason: 'invalid_date' | 'reversed' | 'too_long', message: string) {
    super(message);
  }
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function localMidnight(date: string, offsetMinutes: number): Date {
  const m = DATE_RE.exec(date);
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(ms).toISOString().slice(0, 10) === date) return new Date(ms - offsetMinutes * 60_000);
  }
  throw new DateRangeError('invalid_date', `"${date}" is not a calendar date as YYYY-MM-DD`);
}

/** [from 00:00, day after `to` 00:00) in local time, validated. */
export function parseDateRange(from: string, to: string, cal: Pick<CalendarConfig, 'timeZoneOffsetMinutes'>): { start: Date; end: Date } {
  const start = localMidnight(from, cal.timeZoneOffsetMinutes);
  const end = new Date(localMidnight(to, cal.timeZoneOffsetMinutes).getTime() + DAY_MS);
  if (end <= start) throw new DateRangeError('reversed', `the range starts (${from}) after it ends (${to})`);
  if ((end.getTime() - start.getTime()) / DAY_MS > MAX_EXPORT_DAYS) {
    throw new DateRangeError('too_long', `the range is longer than ${MAX_EXPORT_DAYS} days`);
  }
  return { start, end };
}

/** 'YYYY-MM-DD HH:MM' local time. */
export function localStamp(d: Date | undefined, offsetMinutes: number): string {
  if (!d) return '';
  return new Date(d.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

export interface ExportLabels {
  headers: Record<ExportColumn, string>;
  status: (t: Ticket) => string;
  priority: (t: Ticket) => string;
  names: (t: Ticket) => { category: string; service: string; template: string };
  yes: string;
  no: string;
  /** A request's approval state in words (approved, rejected, pending, cancelled). */
  approval: (a: ApprovalFacts) => string;
  /** What a major incident's master is called in the major-incident column. */
  incidentMaster: string;
}

/** The CSV text (header + one record per ticket). */
export function ticketsCsv(
  rows: { ticket: Ticket; survey?: { score: number; comment?: string }; approval?: ApprovalFacts; incident?: IncidentFacts }[],
  labels: ExportLabels,
  now: Date,
  cal: CalendarConfig,
): string {
  const off = cal.timeZoneOffsetMinutes;
  const yn = (v: boolean | null) => (v === null ? '' : v ? labels.yes : labels.no);
  const records = rows.map(({ ticket: t, survey, approval, incident }) => {
    const approvalMin = approvalMinutes(approval, cal);
    const n = labels.names(t);
    const values: Record<ExportColumn, string | number | undefined> = {
      radicado: t.radicado,
      created: localStamp(t.createdAt, off),
      status: labels.status(t),
      priority: labels.priority(t),
      category: n.category,
      service: n.service,
      template: n.template,
      requester: t.requester.name,
      requesterEmail: t.requester.email,
      department: t.requester.department,
      assignee: t.assignee?.name,
      approval: approval ? labels.approval(approval) : '',
      approvedBy: approval?.decidedBy,
      // Working hours (SLA calendar), one decimal.
      approvalHours: approvalMin === null ? '' : (Math.round(approvalMin / 6) / 10).toFixed(1),
      // A master says so; a linked ticket names its master's radicado.
      majorIncident: incident?.master ? labels.incidentMaster : incident?.linkedTo,
      firstResponseAt: localStamp(t.firstResponseAt, off),
      firstResponseDue: localStamp(t.sla?.firstResponseDueAt, off),
      firstResponseMet: yn(firstResponseMet(t, now)),
      resolvedAt: localStamp(t.resolvedAt, off),
      resolutionDue: localStamp(t.sla?.resolutionDueAt, off),
      resolutionMet: yn(resolutionMet(t, now)),
      closedAt: localStamp(t.closedAt, off),
      satisfaction: survey?.score,
      satisfactionComment: survey?.comment,
      description: t.description,
    };
    return EXPORT_COLUMNS.map((c) => values[c]);
  });
  return toCsv([EXPORT_COLUMNS.map((c) => labels.headers[c]), ...records]);
}

/** Loads the tickets created in [from, to] (local days) and renders the CSV. */
export async function exportTicketsCsv(
  data: ReportDataSource,
  range: { from: string; to: string },
  labels: ExportLabels,
  now: Date,
  cal: CalendarConfig,
): Promise<{ csv: string; rows: number }> {
  const { start, end } = parseDateRange(range.from, range.to, cal);
  const rows = await data.createdBetween(start, end);
  return { csv: ticketsCsv(rows, labels, now, cal), rows: rows.length };
}
