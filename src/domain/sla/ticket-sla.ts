/**
 * The SLA clock of a ticket: due times when it is filed, pauses while the ticket is in the
 * requester's court (waiting for the user, resolved), due times shifted on resume by the working
 * minutes spent paused, and which alerts are due now.
 *
 * Shifting is exact: if a pause [a, b) begins before a due time D, the new due time is the instant
 * at which W(a, b) more working minutes have elapsed after D (W = working minutes between), which
 * is the instant where the target is reached without counting the pause. A pause that begins after
 * D does not move D (the target was already missed or met).
 */
import type { SlaPatch } from '../ports';
import type { SlaStart, Ticket, TicketSla, TicketStatus } from '../tickets/model';
import { OPEN_STATUSES } from '../tickets/model';
import type { SlaTargets } from './policy';
import { addWorkingMinutes, type CalendarConfig, workingMinutesBetween } from './working-calendar';

export type SlaTarget = 'first_response' | 'resolution';
export type SlaAlertKind = 'first_response_warning' | 'first_response_breach' | 'resolution_warning' | 'resolution_breach';

/** Statuses in which the clock runs: the service desk has the ball. */
export const RUNNING_STATUSES: TicketStatus[] = ['new', 'assigned', 'in_progress'];

export class SlaClock {
  constructor(
    readonly calendar: CalendarConfig,
    readonly warningPercent: number,
    private readonly targetsOf: (t: { priority: string; templateId: string }) => SlaTargets,
  ) {}

  /** Targets and due times of a ticket filed at `createdAt`. */
  start(ticket: { priority: string; templateId: string }, createdAt: Date): SlaStart {
    const tg = this.targetsOf(ticket);
    const at = (minutes: number) => addWorkingMinutes(createdAt, minutes, this.calendar);
    return {
      firstResponseMinutes: tg.firstResponseMinutes,
      resolutionMinutes: tg.resolutionMinutes,
      firstResponseDueAt: at(tg.firstResponseMinutes),
      firstResponseWarnAt: at((tg.firstResponseMinutes * this.warningPercent) / 100),
      resolutionDueAt: at(tg.resolutionMinutes),
      resolutionWarnAt: at((tg.resolutionMinutes * this.warningPercent) / 100),
    };
  }

  /** The clock change when `ticket` moves to `to` at `now`; undefined when nothing changes. */
  onTransition(ticket: Ticket, to: TicketStatus, now: Date): SlaPatch | undefined {
    return slaTransition(ticket.sla, ticket.firstResponseAt, ticket.status, to, now, this.calendar);
  }
}

/** Pure form of SlaClock.onTransition (for tests and other callers). */
export function slaTransition(
  sla: TicketSla | undefined,
  firstResponseAt: Date | undefined,
  from: TicketStatus,
  to: TicketStatus,
  now: Date,
  cal: CalendarConfig,
): SlaPatch | undefined {
  if (!sla) return undefined;
  const wasRunning = RUNNING_STATUSES.includes(from) && !sla.pausedAt;
  const willRun = RUNNING_STATUSES.includes(to);
  if (wasRunning && !willRun) return { pausedAt: now };
  if (!sla.pausedAt || !willRun) return undefined;
  // Resume: shift every due time the pause began before by the working minutes paused.
  const pausedAt = sla.pausedAt;
  const paused = workingMinutesBetween(pausedAt, now, cal);
  const shift = (d: Date) => (pausedAt < d ? addWorkingMinutes(d, paused, cal) : d);
  const patch: SlaPatch = { pausedAt: null, pausedMinutes: sla.pausedMinutes + paused };
  if (!firstResponseAt) {
    patch.firstResponseDueAt = shift(sla.firstResponseDueAt);
    patch.firstResponseWarnAt = shift(sla.firstResponseWarnAt);
  }
  patch.resolutionDueAt = shift(sla.resolutionDueAt);
  patch.resolutionWarnAt = shift(sla.resolutionWarnAt);
  return patch;
}

/**
 * Alerts due for a ticket at `now`, at most one per target: the breach when the due time has
 * passed (a warning not sent by then is skipped: after downtime only the breach is news), else
 * the warning. Nothing while the clock is paused or the target is met.
 */
export function dueAlerts(ticket: Ticket, now: Date): SlaAlertKind[] {
  const sla = ticket.sla;
  if (!sla || sla.pausedAt || !RUNNING_STATUSES.includes(ticket.status)) return [];
  const out: SlaAlertKind[] = [];
  if (!ticket.firstResponseAt) {
    if (!sla.firstResponseBreachedAt && sla.firstResponseDueAt <= now) out.push('first_response_breach');
    else if (!sla.firstResponseWarnedAt && !sla.firstResponseBreachedAt && sla.firstResponseWarnAt <= now) out.push('first_response_warning');
  }
  {
    if (!sla.resolutionBreachedAt && sla.resolutionDueAt <= now) out.push('resolution_breach');
    else if (!sla.resolutionWarnedAt && !sla.resolutionBreachedAt && sla.resolutionWarnAt <= now) out.push('resolution_warning');
  }
  return out;
}

/** What a ticket's SLA standing is read from (a whole ticket, or a list's summary of it). */
export type SlaFacts = Pick<Ticket, 'sla' | 'status' | 'firstResponseAt'>;

/**
 * Where an open ticket stands against its targets at `now`, as the cards show it: `late`, the targets
 * missed (an alert recorded, a first response given after its due time, or a running clock past a due
 * time); `warned`, those past their warning point and not missed. Null without an SLA or once closed.
 */
export function slaStanding(ticket: SlaFacts, now: Date): { paused: boolean; late: SlaTarget[]; warned: SlaTarget[] } | null {
  const sla = ticket.sla;
  if (!sla || !OPEN_STATUSES.includes(ticket.status)) return null;
  const paused = !!sla.pausedAt;
  const running = RUNNING_STATUSES.includes(ticket.status) && !paused;
  const frLate = !!sla.firstResponseBreachedAt || (ticket.firstResponseAt ? ticket.firstResponseAt > sla.firstResponseDueAt : running && now > sla.firstResponseDueAt);
  const resLate = !!sla.resolutionBreachedAt || (running && now > sla.resolutionDueAt);
  const frWarn = !frLate && !ticket.firstResponseAt && (!!sla.firstResponseWarnedAt || (running && now >= sla.firstResponseWarnAt));
  const resWarn = !resLate && (!!sla.resolutionWarnedAt || (running && now >= sla.resolutionWarnAt));
  const targets = (first: boolean, resolution: boolean): SlaTarget[] => [...(first ? ['first_response' as const] : []), ...(resolution ? ['resolution' as const] : [])];
  return { paused, late: targets(frLate, resLate), warned: targets(frWarn, resWarn) };
}

export type SlaState = 'ok' | 'warning' | 'breached' | 'paused' | 'none';

/**
 * One word for a ticket's standing (the tab's SLA column and filter): `breached` when a target is
 * missed, else `paused` while waiting for the user, else `warning` past a warning point, else `ok`;
 * `none` without an SLA or once closed. storage/ticket-queries.ts `slaStateSql` says the same in SQL.
 */
export function slaState(ticket: SlaFacts, now: Date): SlaState {
  const s = slaStanding(ticket, now);
  if (!s) return 'none';
  if (s.late.length) return 'breached';
  if (s.paused) return 'paused';
  return s.warned.length ? 'warning' : 'ok';
}
