/**
 * The SLA clock of a ticket: due times from its targets on the working calendar (nights, weekends,
 * Colombian holidays), the pause while waiting for the user and the shift on resume, the alerts due
 * at a given instant, and the SLA policy file.
 */
import { DEFAULT_CALENDAR, dueDate } from '../../src/domain/sla';
import { parseSlaPolicy, SlaConfigError, targetsFor } from '../../src/domain/sla/policy';
import { dueAlerts, SlaClock, slaTransition } from '../../src/domain/sla/ticket-sla';
import type { Ticket, TicketSla } from '../../src/domain/tickets/model';

const bog = (local: string) => new Date(`${local.replace(' ', 'T')}:00-05:00`);
const local = (d: Date | undefined) => (d ? new Date(d.getTime() - 5 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ') : undefined);

const POLICY = parseSlaPolicy(
  {
    version: 1,
    priorities: {
      critical: { firstResponseMinutes: 30, resolutionMinutes: 240 },
      high: { firstResponseMinutes: 60, resolutionMinutes: 480 },
      medium: { firstResponseMinutes: 240, resolutionMinutes: 1200 },
      low: { firstResponseMinutes: 480, resolutionMinutes: 2400 },
    },
    templates: { 'desbloqueo-cuenta': { firstResponseMinutes: 15, resolutionMinutes: 90 } },
  },
  'sla.json',
);
const clock = new SlaClock(DEFAULT_CALENDAR, 80, (t) => targetsFor(POLICY, t));

function ticket(over: Partial<Ticket> & { sla: TicketSla }): Ticket {
  return {
    id: 1, radicado: 'MDA-2026-000001', tenantId: 't', requester: { oid: 'r', tenantId: 't', name: 'R' }, locale: 'es',
    contactChannel: 'teams', categoryId: 'c', queueCategoryId: 'c', serviceId: 's', templateId: 'x', fieldValues: {}, description: 'd',
    priority: 'high', status: 'new', version: 1, createdAt: bog('2026-04-01 08:00'), updatedAt: bog('2026-04-01 08:00'), imported: false,
    ...over,
  };
}

describe('SLA targets (config/sla.json)', () => {
  it('takes a template override first, then the catalog template, then the priority', () => {
    expect(targetsFor(POLICY, { priority: 'low', templateId: 'desbloqueo-cuenta' }, { firstResponseHours: 2, resolutionHours: 8 })).toEqual({ firstResponseMinutes: 15, resolutionMinutes: 90 });
    expect(targetsFor(POLICY, { priority: 'low', templateId: 'otra' }, { firstResponseHours: 2, resolutionHours: 8 })).toEqual({ firstResponseMinutes: 120, resolutionMinutes: 480 });
    expect(targetsFor(POLICY, { priority: 'critical', templateId: 'otra' })).toEqual({ firstResponseMinutes: 30, resolutionMinutes: 240 });
    expect(targetsFor(POLICY, { priority: 'unknown', templateId: 'otra' })).toEqual({ firstResponseMinutes: 240, resolutionMinutes: 1200 });
  });

  it('refuses a file with a missing priority, a first response after the resolution or an unknown template, naming each problem', () => {
    let err: unknown;
    try {
      parseSlaPolicy(
        {
          version: 1,
          priorities: {
            critical: { firstResponseMinutes: 300, resolutionMinutes: 240 },
            high: { firstResponseMinutes: 60, resolutionMinutes: 480 },
            medium: { firstResponseMinutes: 240, resolutionMinutes: 1200 },
          },
          templates: {},
        },
        '/etc/sla.json',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SlaConfigError);
    expect((err as Error).message).toContain('/etc/sla.json');
    expect((err as Error).message).toContain('priorities.low');
    expect((err as Error).message).toContain('priorities.critical.firstResponseMinutes');
    expect(() => parseSlaPolicy({ version: 1, priorities: POLICY.priorities, templates: { nope: { firstResponseMinutes: 1, resolutionMinutes: 2 } } }, 'f', new Set(['a']))).toThrow(
      /templates\.nope: no template with this id/,
    );
  });
});

describe('due times of a new ticket', () => {
  it('counts within office hours on the same day', () => {
    const s = clock.start({ priority: 'high', templateId: 'x' }, bog('2026-11-24 08:00'));
    expect(local(s.firstResponseDueAt)).toBe('2026-11-24 09:00');
    expect(local(s.firstResponseWarnAt)).toBe('2026-11-24 08:48');
    expect(local(s.resolutionDueAt)).toBe('2026-11-24 16:00');
    expect(local(s.resolutionWarnAt)).toBe('2026-11-24 14:24');
  });

  it('carries the target across the night', () => {
    const s = clock.start({ priority: 'high', templateId: 'x' }, bog('2026-11-24 16:30'));
    expect(local(s.firstResponseDueAt)).toBe('2026-11-25 07:30');
    expect(local(s.resolutionDueAt)).toBe('2026-11-25 14:30');
  });

  it('skips the weekend for a ticket filed on Friday afternoon or on Saturday', () => {
    expect(local(clock.start({ priority: 'high', templateId: 'x' }, bog('2026-11-27 16:00')).resolutionDueAt)).toBe('2026-11-30 14:00');
    expect(local(clock.start({ priority: 'high', templateId: 'x' }, bog('2026-11-28 10:00')).firstResponseDueAt)).toBe('2026-11-30 08:00');
  });

  it('skips Colombian holidays: Holy Week, and the Monday of Independencia de Cartagena', () => {
    // Wednesday 2026-04-01 16:00, 8 working hours: 1 h on Wednesday, Thursday and Friday are holidays, 7 h on Monday.
    expect(local(clock.start({ priority: 'high', templateId: 'x' }, bog('2026-04-01 16:00')).resolutionDueAt)).toBe('2026-04-06 14:00');
    // Friday 2026-11-13 16:30 → Monday 16 is a holiday → Tuesday 17.
    expect(local(clock.start({ priority: 'high', templateId: 'x' }, bog('2026-11-13 16:30')).firstResponseDueAt)).toBe('2026-11-17 07:30');
  });
});

describe('the clock pauses while waiting for the user', () => {
  const start = clock.start({ priority: 'high', templateId: 'x' }, bog('2026-11-24 08:00'));
  const sla: TicketSla = { ...start, pausedMinutes: 0 };

  it('pauses when the ticket goes to waiting for the user, and not on other changes', () => {
    expect(slaTransition(sla, bog('2026-11-24 08:10'), 'in_progress', 'waiting_user', bog('2026-11-24 10:00'), DEFAULT_CALENDAR)).toEqual({ pausedAt: bog('2026-11-24 10:00') });
    expect(slaTransition(sla, bog('2026-11-24 08:10'), 'assigned', 'in_progress', bog('2026-11-24 10:00'), DEFAULT_CALENDAR)).toBeUndefined();
  });

  it('shifts the due times by the working minutes paused across a night and a weekend when the ticket resumes', () => {
    // Tuesday 15:00 → Wednesday 08:00 = 2 h on Tuesday + 1 h on Wednesday = 180 working minutes.
    const paused = { ...sla, pausedAt: bog('2026-11-24 15:00') };
    const patch = slaTransition(paused, bog('2026-11-24 08:10'), 'waiting_user', 'in_progress', bog('2026-11-25 08:00'), DEFAULT_CALENDAR)!;
    expect(patch.pausedAt).toBeNull();
    expect(patch.pausedMinutes).toBe(180);
    expect(local(patch.resolutionDueAt)).toBe('2026-11-25 09:00');
    // The first response was given: its due time does not move.
    expect(patch.firstResponseDueAt).toBeUndefined();
    // Same answer as counting the target without the pause.
    expect(patch.resolutionDueAt).toEqual(dueDate(bog('2026-11-24 08:00'), 480, [{ from: bog('2026-11-24 15:00'), to: bog('2026-11-25 08:00') }]));
  });

  it('pauses over a weekend and a holiday and counts only their working part', () => {
    const s = { ...clock.start({ priority: 'high', templateId: 'x' }, bog('2026-11-13 08:00')), pausedMinutes: 0, pausedAt: bog('2026-11-13 10:00') };
    // Friday 10:00 → Tuesday 08:00: 7 h on Friday, Monday 16 is a holiday, 1 h on Tuesday = 480.
    const patch = slaTransition(s, bog('2026-11-13 08:30'), 'waiting_user', 'in_progress', bog('2026-11-17 08:00'), DEFAULT_CALENDAR)!;
    expect(patch.pausedMinutes).toBe(480);
    expect(local(patch.resolutionDueAt)).toBe('2026-11-17 14:00');
  });

  it('does not move a due time that had already passed when the pause began', () => {
    const late = { ...sla, pausedAt: bog('2026-11-24 16:30') };
    const patch = slaTransition(late, bog('2026-11-24 08:10'), 'waiting_user', 'in_progress', bog('2026-11-25 08:00'), DEFAULT_CALENDAR)!;
    expect(patch.resolutionDueAt).toEqual(sla.resolutionDueAt);
    expect(patch.pausedMinutes).toBe(90);
  });
});

describe('alerts due at an instant', () => {
  const start = clock.start({ priority: 'high', templateId: 'x' }, bog('2026-11-24 08:00'));
  const base = { ...start, pausedMinutes: 0 };

  it('warns after the warning percentage and breaches at the due time, one alert per target', () => {
    expect(dueAlerts(ticket({ sla: base }), bog('2026-11-24 08:47'))).toEqual([]);
    expect(dueAlerts(ticket({ sla: base }), bog('2026-11-24 08:48'))).toEqual(['first_response_warning']);
    expect(dueAlerts(ticket({ sla: base }), bog('2026-11-24 09:00'))).toEqual(['first_response_breach']);
    expect(dueAlerts(ticket({ sla: base }), bog('2026-11-24 16:00'))).toEqual(['first_response_breach', 'resolution_breach']);
  });

  it('fires nothing already recorded, nothing for a met first response, nothing while paused or resolved', () => {
    expect(dueAlerts(ticket({ sla: { ...base, firstResponseWarnedAt: bog('2026-11-24 08:48') } }), bog('2026-11-24 08:50'))).toEqual([]);
    expect(dueAlerts(ticket({ sla: base, firstResponseAt: bog('2026-11-24 08:30'), status: 'in_progress' }), bog('2026-11-24 14:30'))).toEqual(['resolution_warning']);
    expect(dueAlerts(ticket({ sla: { ...base, pausedAt: bog('2026-11-24 08:30') }, status: 'waiting_user' }), bog('2026-11-24 18:00'))).toEqual([]);
    expect(dueAlerts(ticket({ sla: base, status: 'resolved' }), bog('2026-11-24 18:00'))).toEqual([]);
  });
});
