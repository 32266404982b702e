/**
 * The supervisors' indicators on a seeded data set whose answers were worked out by hand
 * (Bogotá time, office hours Monday–Friday 07:00–17:00; "now" is Wednesday 2026-11-25 12:00).
 */
import { DEFAULT_CALENDAR } from '../../src/domain/sla';
import { computeMetrics, localWeekStart, median, metricsSince, type MetricInput } from '../../src/domain/reports/metrics';
import type { Ticket, TicketSla } from '../../src/domain/tickets/model';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);
const NOW = bog('2026-11-25 12:00');
const E1 = { oid: 'e1', name: 'Iván' };
const E2 = { oid: 'e2', name: 'Laura' };

function sla(fr: string, res: string, pausedMinutes = 0): TicketSla {
  return {
    firstResponseMinutes: 60, resolutionMinutes: 480,
    firstResponseDueAt: bog(fr), firstResponseWarnAt: bog(fr), resolutionDueAt: bog(res), resolutionWarnAt: bog(res), pausedMinutes,
  };
}

let nextId = 1;
function t(over: Partial<Ticket> & { created: string }, score?: number): MetricInput {
  const id = nextId++;
  const { created, ...rest } = over;
  const ticket: Ticket = {
    id, radicado: `MDA-2026-${String(id).padStart(6, '0')}`, tenantId: 't', requester: { oid: 'r', tenantId: 't', name: 'R' }, locale: 'es',
    contactChannel: 'teams', categoryId: 'cat-a', queueCategoryId: 'cat-a', serviceId: 's', templateId: 'x', fieldValues: {}, description: 'd', priority: 'high',
    status: 'new', version: 1, createdAt: bog(created), updatedAt: bog(created), imported: false, ...rest,
  };
  return { ticket, survey: score === undefined ? undefined : { score } };
}

const DATA: MetricInput[] = [
  // T1: first response 60 min and resolution 180 min, both on time; rated 5.
  t({ created: '2026-11-23 08:00', status: 'resolved', assignee: E1, firstResponseAt: bog('2026-11-23 09:00'), resolvedAt: bog('2026-11-23 11:00'), sla: sla('2026-11-23 10:00', '2026-11-23 16:00') }, 5),
  // T2: first response 180 min (late), resolved Wednesday 09:00 after 720 working minutes minus 60 paused (late); rated 2.
  t({ created: '2026-11-24 07:00', status: 'closed', assignee: E2, firstResponseAt: bog('2026-11-24 10:00'), resolvedAt: bog('2026-11-25 09:00'), closedAt: bog('2026-11-25 10:00'), sla: sla('2026-11-24 09:00', '2026-11-24 15:00', 60) }, 2),
  // T3: waiting in the queue since 08:00 today, first response overdue, resolution not yet due.
  t({ created: '2026-11-25 08:00', categoryId: 'cat-b', status: 'new', sla: sla('2026-11-25 09:00', '2026-11-25 16:00') }),
  // T4: in progress, first response in 30 min, on time.
  t({ created: '2026-11-25 10:00', categoryId: 'cat-b', status: 'in_progress', assignee: E1, firstResponseAt: bog('2026-11-25 10:30'), sla: sla('2026-11-25 11:00', '2026-11-26 08:00') }),
  // T5: three weeks ago: first response 30 min, resolution 240 min, on time; rated 4.
  t({ created: '2026-11-03 08:00', status: 'closed', assignee: E2, firstResponseAt: bog('2026-11-03 08:30'), resolvedAt: bog('2026-11-03 12:00'), closedAt: bog('2026-11-05 12:00'), sla: sla('2026-11-03 09:00', '2026-11-03 16:00') }, 4),
  // T6: cancelled this week: counted as opened, never in compliance.
  t({ created: '2026-11-24 09:00', categoryId: 'cat-b', status: 'cancelled', closedAt: bog('2026-11-24 09:30'), sla: sla('2026-11-24 10:00', '2026-11-24 17:00') }),
  // T7: outside the 30-day window: ignored everywhere (except its category's open count, which is 0).
  t({ created: '2026-10-01 08:00', status: 'resolved', assignee: E2, firstResponseAt: bog('2026-10-01 08:05'), resolvedAt: bog('2026-10-02 08:00'), sla: sla('2026-10-01 09:00', '2026-10-01 16:00') }, 1),
  // T8: filed before SLAs existed, waiting in the queue since 11:00.
  t({ created: '2026-11-25 11:00', status: 'new' }),
];

describe('computeMetrics on a seeded data set', () => {
  const m = computeMetrics(DATA, NOW, DEFAULT_CALENDAR, { categoryName: (id) => (id === 'cat-a' ? 'Primer nivel' : 'Correo') });

  it('gives the queue: open tickets, the ones waiting to be taken and the oldest of them', () => {
    expect(m.open).toBe(3);
    expect(m.queueLength).toBe(2);
    expect(m.oldestWaiting).toEqual({ radicado: 'MDA-2026-000003', createdAt: bog('2026-11-25 08:00') });
  });

  it('counts tickets opened and resolved today and this week (from Monday 00:00 Bogotá)', () => {
    expect(m.openedToday).toBe(3);
    expect(m.closedToday).toBe(1);
    expect(m.openedThisWeek).toBe(6);
    expect(m.closedThisWeek).toBe(2);
  });

  it('gives the medians in working minutes, the resolution without the time waiting for the user', () => {
    expect(m.medianFirstResponseMinutes).toBe(45); // 30, 30, 60, 180
    expect(m.medianResolutionMinutes).toBe(240); // 180, 240, 660
  });

  it('measures SLA compliance only where the outcome is known', () => {
    expect(m.firstResponseCompliance).toEqual({ met: 3, total: 5, percent: 60 });
    expect(m.resolutionCompliance).toEqual({ met: 2, total: 3, percent: 66.7 });
  });

  it('averages the satisfaction answers of the period', () => {
    expect(m.satisfactionAverage).toBe(3.67);
    expect(m.surveys).toBe(3);
  });

  it('breaks the figures down per category and per engineer', () => {
    expect(m.byCategory.map((g) => [g.name, g.open, g.opened, g.resolved, g.medianResolutionMinutes, g.resolutionCompliance.percent, g.satisfactionAverage])).toEqual([
      ['Primer nivel', 1, 4, 3, 240, 66.7, 3.67],
      ['Correo', 2, 3, 0, null, null, null],
    ]);
    expect(m.byEngineer.map((g) => [g.name, g.open, g.opened, g.resolved, g.medianResolutionMinutes, g.resolutionCompliance.percent, g.satisfactionAverage])).toEqual([
      ['Iván', 1, 2, 1, 180, 100, 5],
      ['Laura', 0, 2, 2, 450, 50, 3],
    ]);
  });

  it('gives empty figures, not zeros, when there is nothing to measure', () => {
    const empty = computeMetrics([], NOW, DEFAULT_CALENDAR);
    expect(empty.medianResolutionMinutes).toBeNull();
    expect(empty.firstResponseCompliance.percent).toBeNull();
    expect(empty.satisfactionAverage).toBeNull();
    expect(empty.oldestWaiting).toBeNull();
  });
});

describe('metric helpers', () => {
  it('starts the week on Monday 00:00 Bogotá time, also late on Sunday evening (already Monday in UTC)', () => {
    expect(localWeekStart(NOW, DEFAULT_CALENDAR)).toEqual(bog('2026-11-23 00:00'));
    expect(localWeekStart(bog('2026-11-29 22:00'), DEFAULT_CALENDAR)).toEqual(bog('2026-11-23 00:00'));
    expect(metricsSince(NOW, DEFAULT_CALENDAR, 30)).toEqual(bog('2026-10-27 00:00'));
  });

  it('takes the median of odd and even lists', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
