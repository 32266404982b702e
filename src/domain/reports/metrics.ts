/**
 * Service-desk indicators computed from plain data (tickets and survey scores), so they can be
 * checked on a seeded set with known answers. Times are working minutes on the SLA calendar:
 * first response = W(created, first response); resolution = W(created, resolved) minus the
 * working minutes the clock was paused (waiting for the user).
 *
 * Periods, in Bogotá local time: "today" from local midnight, "this week" from Monday 00:00; the
 * medians, SLA compliance, satisfaction and the per-category / per-engineer rows cover tickets
 * created in the last `windowDays` days.
 *
 * A request that needed approval reaches the desk when it is approved: its first response and
 * resolution count from the approval; the approval time (working minutes from the request to the
 * decision) is a figure of its own.
 */
import type { Ticket } from '../tickets/model';
import { OPEN_STATUSES } from '../tickets/model';
import type { CalendarConfig } from '../sla/working-calendar';
import { workingMinutesBetween } from '../sla/working-calendar';

/** A request's approval as the reports read it. */
export interface ApprovalFacts {
  requestedAt: Date;
  decidedAt?: Date;
  decision?: 'approved' | 'rejected' | 'cancelled';
  /** Who decided (and, for a delegate, on whose behalf), as one name. */
  decidedBy?: string;
}

export interface MetricInput {
  ticket: Ticket;
  survey?: { score: number };
  approval?: ApprovalFacts;
}

/** Where the report's data comes from (SQLite today). */
/** A ticket's part in a major incident: the master, or linked to the master of this radicado. */
export interface IncidentFacts {
  master: boolean;
  linkedTo?: string;
}

export interface ReportDataSource {
  forMetrics(since: Date): Promise<MetricInput[]>;
  createdBetween(from: Date, to: Date): Promise<{ ticket: Ticket; survey?: { score: number; comment?: string }; approval?: ApprovalFacts; incident?: IncidentFacts }[]>;
}

export interface Compliance {
  met: number;
  total: number;
  /** met / total as a percentage with one decimal, null when nothing was measured. */
  percent: number | null;
}

export interface GroupRow {
  key: string;
  name: string;
  open: number;
  opened: number;
  resolved: number;
  medianResolutionMinutes: number | null;
  resolutionCompliance: Compliance;
  satisfactionAverage: number | null;
  surveys: number;
}

export interface Metrics {
  now: Date;
  windowDays: number;
  /** Open tickets (every status still needing the desk). */
  open: number;
  /** Tickets waiting in the queue to be taken (status new). */
  queueLength: number;
  oldestWaiting: { radicado: string; createdAt: Date } | null;
  openedToday: number;
  closedToday: number;
  openedThisWeek: number;
  closedThisWeek: number;
  medianFirstResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
  /** Requests awaiting approval now. */
  pendingApprovals: number;
  /** Median working minutes from request to decision, of requests created in the window and decided. */
  medianApprovalMinutes: number | null;
  /** Decisions on requests created in the window. */
  approved: number;
  rejected: number;
  firstResponseCompliance: Compliance;
  resolutionCompliance: Compliance;
  satisfactionAverage: number | null;
  surveys: number;
  byCategory: GroupRow[];
  byEngineer: GroupRow[];
}

const DAY_MS = 86_400_000;

/** Local midnight (as a UTC instant) of the day containing `now`, for a fixed-offset calendar. */
export function localDayStart(now: Date, cal: CalendarConfig): Date {
  const off = cal.timeZoneOffsetMinutes * 60_000;
  return new Date(Math.floor((now.getTime() + off) / DAY_MS) * DAY_MS - off);
}

/** Monday 00:00 local of the week containing `now`. */
export function localWeekStart(now: Date, cal: CalendarConfig): Date {
  const day = localDayStart(now, cal);
  const local = new Date(day.getTime() + cal.timeZoneOffsetMinutes * 60_000);
  const isoWeekday = ((local.getUTCDay() + 6) % 7) + 1;
  return new Date(day.getTime() - (isoWeekday - 1) * DAY_MS);
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function compliance(results: (boolean | null)[]): Compliance {
  const measured = results.filter((r): r is boolean => r !== null);
  const met = measured.filter(Boolean).length;
  return { met, total: measured.length, percent: measured.length ? round1((met / measured.length) * 100) : null };
}

/** When the ticket stopped needing the desk (resolved, or closed without a resolution); cancelled: never. */
export function finishedAt(t: Ticket): Date | undefined {
  if (t.status === 'resolved') return t.resolvedAt;
  if (t.status === 'closed') return t.resolvedAt ?? t.closedAt;
  return undefined;
}

/** First response within target: true/false when known, null when still open in time or no SLA. */
export function firstResponseMet(t: Ticket, now: Date): boolean | null {
  if (!t.sla || t.status === 'cancelled') return null;
  if (t.firstResponseAt) return t.firstResponseAt <= t.sla.firstResponseDueAt;
  return now > t.sla.firstResponseDueAt && OPEN_STATUSES.includes(t.status) && !t.sla.pausedAt ? false : null;
}

/** Resolution within target: true/false when known, null when still open in time or no SLA. */
export function resolutionMet(t: Ticket, now: Date): boolean | null {
  if (!t.sla || t.status === 'cancelled') return null;
  const end = finishedAt(t);
  if (end) return end <= t.sla.resolutionDueAt;
  return now > t.sla.resolutionDueAt && !t.sla.pausedAt ? false : null;
}

/** When the desk got the ticket: filed, or approved later. */
export function receivedAt(t: Ticket, approval?: ApprovalFacts): Date {
  return approval?.decision === 'approved' && approval.decidedAt ? approval.decidedAt : t.createdAt;
}

export function firstResponseMinutes(t: Ticket, cal: CalendarConfig, approval?: ApprovalFacts): number | null {
  return t.firstResponseAt ? workingMinutesBetween(receivedAt(t, approval), t.firstResponseAt, cal) : null;
}

export function resolutionMinutes(t: Ticket, cal: CalendarConfig, approval?: ApprovalFacts): number | null {
  const end = finishedAt(t);
  if (!end) return null;
  return Math.max(0, workingMinutesBetween(receivedAt(t, approval), end, cal) - (t.sla?.pausedMinutes ?? 0));
}

/** Working minutes from the request to its approval or rejection; null while undecided (or cancelled). */
export function approvalMinutes(approval: ApprovalFacts | undefined, cal: CalendarConfig): number | null {
  if (!approval?.decidedAt || (approval.decision !== 'approved' && approval.decision !== 'rejected')) return null;
  return workingMinutesBetween(approval.requestedAt, approval.decidedAt, cal);
}

function average(scores: number[]): number | null {
  return scores.length ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100 : null;
}

/** The figures of one group of tickets (a category, an engineer, a priority). */
export function group(items: MetricInput[], inWindow: (t: Ticket) => boolean, now: Date, cal: CalendarConfig, key: string, name: string): GroupRow {
  const windowed = items.filter((i) => inWindow(i.ticket));
  const scores = windowed.filter((i) => i.survey).map((i) => i.survey!.score);
  return {
    key,
    name,
    open: items.filter((i) => OPEN_STATUSES.includes(i.ticket.status)).length,
    opened: windowed.length,
    resolved: windowed.filter((i) => finishedAt(i.ticket)).length,
    medianResolutionMinutes: median(windowed.map((i) => resolutionMinutes(i.ticket, cal, i.approval)).filter((n): n is number => n !== null)),
    resolutionCompliance: compliance(windowed.map((i) => resolutionMet(i.ticket, now))),
    satisfactionAverage: average(scores),
    surveys: scores.length,
  };
}

/**
 * The indicators at `now`. `items` must hold every open ticket and every ticket created, resolved
 * or closed since the earliest period start (see `metricsSince`).
 */
export function computeMetrics(
  items: MetricInput[],
  now: Date,
  cal: CalendarConfig,
  opts: { windowDays?: number; categoryName?: (id: string) => string } = {},
): Metrics {
  const windowDays = opts.windowDays ?? 30;
  const today = localDayStart(now, cal);
  const week = localWeekStart(now, cal);
  const windowStart = new Date(today.getTime() - (windowDays - 1) * DAY_MS);
  const tickets = items.map((i) => i.ticket);
  const inWindow = (t: Ticket) => t.createdAt >= windowStart && t.createdAt <= now;
  const open = tickets.filter((t) => OPEN_STATUSES.includes(t.status));
  const waiting = open.filter((t) => t.status === 'new').sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
  const windowed = items.filter((i) => inWindow(i.ticket));
  const scores = windowed.filter((i) => i.survey).map((i) => i.survey!.score);
  const finishedSince = (since: Date) => tickets.filter((t) => { const f = finishedAt(t); return !!f && f >= since && f <= now; }).length;
  const createdSince = (since: Date) => tickets.filter((t) => t.createdAt >= since && t.createdAt <= now).length;

  const byCat = new Map<string, MetricInput[]>();
  const byEng = new Map<string, { name: string; items: MetricInput[] }>();
  for (const i of items) {
    const c = byCat.get(i.ticket.categoryId) ?? [];
    c.push(i);
    byCat.set(i.ticket.categoryId, c);
    if (i.ticket.assignee) {
      const e = byEng.get(i.ticket.assignee.oid) ?? { name: i.ticket.assignee.name, items: [] };
      e.items.push(i);
      byEng.set(i.ticket.assignee.oid, e);
    }
  }
  const catName = opts.categoryName ?? ((id: string) => id);
  const relevant = (g: GroupRow) => g.open > 0 || g.opened > 0;
  return {
    now,
    windowDays,
    open: open.length,
    queueLength: waiting.length,
    oldestWaiting: waiting[0] ? { radicado: waiting[0].radicado, createdAt: waiting[0].createdAt } : null,
    openedToday: createdSince(today),
    closedToday: finishedSince(today),
    openedThisWeek: createdSince(week),
    closedThisWeek: finishedSince(week),
    medianFirstResponseMinutes: median(windowed.map((i) => firstResponseMinutes(i.ticket, cal, i.approval)).filter((n): n is number => n !== null)),
    medianResolutionMinutes: median(windowed.map((i) => resolutionMinutes(i.ticket, cal, i.approval)).filter((n): n is number => n !== null)),
    pendingApprovals: tickets.filter((t) => t.status === 'pending_approval').length,
    medianApprovalMinutes: median(windowed.map((i) => approvalMinutes(i.approval, cal)).filter((n): n is number => n !== null)),
    approved: windowed.filter((i) => i.approval?.decision === 'approved').length,
    rejected: windowed.filter((i) => i.approval?.decision === 'rejected').length,
    firstResponseCompliance: compliance(windowed.map((i) => firstResponseMet(i.ticket, now))),
    resolutionCompliance: compliance(windowed.map((i) => resolutionMet(i.ticket, now))),
    satisfactionAverage: average(scores),
    surveys: scores.length,
    byCategory: [...byCat.entries()]
      .map(([id, list]) => group(list, inWindow, now, cal, id, catName(id)))
      .filter(relevant)
      .sort((a, b) => b.opened - a.opened || a.name.localeCompare(b.name)),
    byEngineer: [...byEng.entries()]
      .map(([oid, e]) => group(e.items, inWindow, now, cal, oid, e.name))
      .filter(relevant)
      .sort((a, b) => b.opened - a.opened || a.name.localeCompare(b.name)),
  };
}

/** The earliest instant the metrics need data from (window start or week start). */
export function metricsSince(now: Date, cal: CalendarConfig, windowDays = 30): Date {
  const today = localDayStart(now, cal);
  const windowStart = new Date(today.getTime() - (windowDays - 1) * DAY_MS);
  const week = localWeekStart(now, cal);
  return windowStart < week ? windowStart : week;
}
