/**
 * The supervisors' dashboard in the tab: what the metrics card says, as series a chart can draw.
 * Plain data in, plain data out (checked on seeded sets like metrics.ts). Days are Bogotá days; the
 * window is the last `days` days including today.
 *
 * Queue size at the end of a day counts tickets filed by then and not yet finished (resolved or
 * closed; a cancelled or rejected one leaves at its last change). Tickets that left before the
 * window and were filed before it are not in `items` and are rightly not counted.
 */
import type { Priority } from '../types';
import { PRIORITIES } from '../types';
import { OPEN_STATUSES, type Ticket } from '../tickets/model';
import type { CalendarConfig } from '../sla/working-calendar';
import { computeMetrics, finishedAt, group, localDayStart, type Compliance, type MetricInput } from './metrics';

const DAY_MS = 86_400_000;

export interface ComplianceRow extends Compliance {
  key: string;
  name: string;
}

export interface Dashboard {
  days: number;
  from: Date;
  to: Date;
  createdResolved: { labels: string[]; created: number[]; resolved: number[] };
  queueSize: { labels: string[]; open: number[] };
  slaByCategory: ComplianceRow[];
  slaByPriority: ComplianceRow[];
  medianFirstResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
  satisfaction: { average: number | null; surveys: number; distribution: number[] };
  engineerLoad: { key: string; name: string; open: number; resolved: number }[];
}

/** When a ticket stopped being in the queue, if it did. */
function leftAt(t: Ticket): Date | undefined {
  const f = finishedAt(t);
  if (f) return f;
  return t.status === 'cancelled' || t.status === 'rejected' ? t.updatedAt : undefined;
}

/** `items`: as for computeMetrics with the same window (SqlReportData.forMetrics(from)). */
export function computeDashboard(
  items: MetricInput[],
  now: Date,
  cal: CalendarConfig,
  opts: { days: number; categoryName?: (id: string) => string; priorityName?: (p: Priority) => string },
): Dashboard {
  const today = localDayStart(now, cal);
  const from = new Date(today.getTime() - (opts.days - 1) * DAY_MS);
  const off = cal.timeZoneOffsetMinutes * 60_000;
  const labels: string[] = [];
  for (let d = 0; d < opts.days; d++) labels.push(new Date(from.getTime() + d * DAY_MS + off).toISOString().slice(0, 10));
  const dayIndex = (at: Date) => Math.floor((at.getTime() - from.getTime()) / DAY_MS);
  const created = labels.map(() => 0);
  const resolved = labels.map(() => 0);
  const open = labels.map(() => 0);
  for (const { ticket: t } of items) {
    const c = dayIndex(t.createdAt);
    if (c >= 0 && c < opts.days && t.createdAt <= now) created[c]++;
    const f = finishedAt(t);
    const r = f ? dayIndex(f) : -1;
    if (f && r >= 0 && r < opts.days && f <= now) resolved[r]++;
    // Open at the end of each day from its filing (or the window's start) until it left.
    const left = leftAt(t);
    const first = Math.max(0, c);
    const last = left ? Math.min(opts.days - 1, dayIndex(left) - 1) : opts.days - 1;
    for (let d = first; d <= last; d++) open[d]++;
  }
  const m = computeMetrics(items, now, cal, { windowDays: opts.days, categoryName: opts.categoryName });
  const inWindow = (t: Ticket) => t.createdAt >= from && t.createdAt <= now;
  const priorityName = opts.priorityName ?? ((p: Priority) => p);
  const byPriority = PRIORITIES.map((p) => group(items.filter((i) => i.ticket.priority === p), inWindow, now, cal, p, priorityName(p))).filter(
    (g) => g.resolutionCompliance.total > 0 || g.opened > 0,
  );
  const distribution = [0, 0, 0, 0, 0];
  for (const i of items) if (i.survey && inWindow(i.ticket) && i.survey.score >= 1 && i.survey.score <= 5) distribution[i.survey.score - 1]++;
  const row = (g: { key: string; name: string; resolutionCompliance: Compliance }): ComplianceRow => ({ key: g.key, name: g.name, ...g.resolutionCompliance });
  return {
    days: opts.days,
    from,
    to: now,
    createdResolved: { labels, created, resolved },
    queueSize: { labels, open },
    slaByCategory: m.byCategory.map(row),
    slaByPriority: byPriority.map(row),
    medianFirstResponseMinutes: m.medianFirstResponseMinutes,
    medianResolutionMinutes: m.medianResolutionMinutes,
    satisfaction: { average: m.satisfactionAverage, surveys: m.surveys, distribution },
    engineerLoad: m.byEngineer.map((g) => ({
      key: g.key,
      name: g.name,
      open: items.filter((i) => i.ticket.assignee?.oid === g.key && OPEN_STATUSES.includes(i.ticket.status)).length,
      resolved: items.filter((i) => i.ticket.assignee?.oid === g.key && (() => { const f = finishedAt(i.ticket); return !!f && f >= from && f <= now; })()).length,
    })),
  };
}
